#!/usr/bin/env bash
# GPU timings of issue 6: SVG-XL on the TornadoVM backend against PyTorch CUDA on the same machine.
#   1. `svg devices`: what TornadoVM sees, and its probe (a matmul checked against the reference backend);
#   2. PyTorch CUDA (benchmarks/vs_pytorch_cuda.py): the SVG-XL DiT forward of one CFG pair and a 25-step CFG-4
#      sample with decode, in fp32 (TF32 off), tf32 and bf16 autocast;
#   3. svg-jvm on TornadoVM (svg.bench.DeviceSvgXl): the same forward (first call = compilation, then the median of
#      --reps), the same sample twice (the first compiles the decoder's plans), then the same sample on the CPU
#      backend in the same JVM and the largest pixel difference between the two images;
#   4. with --kernels: svg.bench.DeviceKernels, each op of a DiT-XL block timed on the device (where the forward's
#      time goes), instead of step 3 with --kernels-only.
# Weights are random (full-size SVG-XL: DiT-XL 675M + the official autoencoder config), built in memory.
# Needs: JAVA_HOME (a JDK or JRE 25 with jdk.incubator.vector and jdk.internal.vm.ci), TORNADOVM_HOME (a TornadoVM
# SDK built for the GPU's backend, docs/tornado.md), the jars (built here with Maven when it is on the PATH, else
# taken as they are from */target), and for step 2 a python3 whose torch sees a CUDA device.
# Usage: benchmarks/gpu-tornado.sh [--device tornado[:N]] [--reps N] [--steps N] [--small] [--no-torch]
#                                  [--no-cpu-check] [--kernels | --kernels-only]
# Environment: SVG_XMX (heap, default 32g), SVG_JAVA_OPTS (extra JVM flags, e.g. TornadoVM's -Dtornado.* options).
# Lines starting with RESULT are the numbers (docs/performance.md, "TornadoVM backend (svg-tornado) on a GPU").
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
device=tornado; reps=5; steps=25; small=(); torch=1; cpucheck=(--cpu-check); kernels=0; sample=1
while [ $# -gt 0 ]; do
  case "$1" in
    --device) device="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --small) small=(--small); shift ;;
    --no-torch) torch=0; shift ;;
    --no-cpu-check) cpucheck=(); shift ;;
    --kernels) kernels=1; shift ;;
    --kernels-only) kernels=1; sample=0; shift ;;
    -h|--help) sed -n 2,20p "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
: "${TORNADOVM_HOME:?set TORNADOVM_HOME to a TornadoVM SDK (docs/tornado.md)}"
: "${JAVA_HOME:?set JAVA_HOME to a JDK 25}"
[ -f "$TORNADOVM_HOME/tornado-argfile" ] || { echo "error: $TORNADOVM_HOME/tornado-argfile not found" >&2; exit 1; }
if command -v mvn > /dev/null && [ "${SVG_NO_BUILD:-0}" != "1" ]; then
  (cd "$root" && mvn -q -B -DskipTests -pl svg-app,svg-tornado,benchmarks -am package >&2)
fi
jar() { compgen -G "$1" | grep -v -e '-tests.jar' -e '-sources.jar' | head -n 1; }
cp="$(jar "$root/svg-app/target/svg-app-*.jar"):$root/svg-app/target/lib/*:$(jar "$root/svg-tornado/target/svg-tornado-*.jar")"
cp="$cp:$(jar "$root/benchmarks/target/benchmarks-*.jar")"
# shellcheck disable=SC2086
jflags=("@$TORNADOVM_HOME/tornado-argfile" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
        -Xss8m "-Xmx${SVG_XMX:-32g}" -Dtornado.recover.bailout=False ${SVG_JAVA_OPTS:-})
quiet() { grep --line-buffered -v -e '^WARNING: Using incubator' -e 'sun.misc.Unsafe' || true; }

echo "# $(date -u +%FT%TZ) $(nproc) cores; $(command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | head -n 1)"
"$JAVA_HOME/bin/java" "${jflags[@]}" -cp "$cp" svg.bench.Machine 2>&1 | quiet
"$JAVA_HOME/bin/java" "${jflags[@]}" -cp "$cp" svg.app.SvgCommand devices 2>&1 | quiet
if [ "$torch" = 1 ]; then
  if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2> /dev/null; then
    python3 "$here/vs_pytorch_cuda.py" --reps 20 --steps "$steps"
  else
    echo "# PyTorch CUDA side SKIPPED: python3 has no torch that sees a CUDA device (--no-torch silences this)"
  fi
fi
if [ "$sample" = 1 ]; then
  "$JAVA_HOME/bin/java" "${jflags[@]}" "-Dsvg.backend=$device" -cp "$cp" svg.bench.DeviceSvgXl --reps "$reps" \
      --steps "$steps" ${small[@]+"${small[@]}"} ${cpucheck[@]+"${cpucheck[@]}"} 2>&1 | quiet
fi
if [ "$kernels" = 1 ]; then
  "$JAVA_HOME/bin/java" "${jflags[@]}" "-Dsvg.backend=$device" -cp "$cp" svg.bench.DeviceKernels 2>&1 | quiet
fi
