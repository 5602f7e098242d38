#!/usr/bin/env bash
# Our forward passes against PyTorch CPU (Debian's python3-torch, the same architectures written in
# benchmarks/vs_pytorch.py, random weights), alternating in one run with the same thread count. PyTorch runs twice
# per network, with the default OpenMP wait policy and with OMP_WAIT_POLICY=PASSIVE, and the faster is compared.
# Prints one row per network (medians) and ends with "min speedup: S" (speedup = PyTorch ms / our ms).
# Usage: benchmarks/vs-pytorch.sh [--threads T] [--reps R] [--warmup W] [NET ...]   (NET: dino dit decoder resvit)
# Environment: SVG_JAVA_OPTS (extra JVM flags, e.g. -XX:UseAVX=2 for the 256-bit path on an AVX-512 machine).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
python=/usr/bin/python3

threads=2; reps=""; warmup=1; nets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    -h|--help) sed -n 2,6p "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) nets+=("$1"); shift ;;
  esac
done
[ ${#nets[@]} -gt 0 ] || nets=(dino dit decoder resvit)

# PyTorch: Debian's package (the pyenv python3 on PATH has no torch)
if ! "$python" -c 'import torch' 2>/dev/null; then
  echo "installing python3-torch" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq python3-torch >&2
  else sudo apt-get update -qq && sudo apt-get install -y -qq python3-torch >&2; fi
fi

# Debian's torch calls BLAS through libblas.so.3; installing python3-torch alone pulls the netlib reference BLAS
# (libblas3), which made PyTorch ~20x slower (resvit 11 s instead of 0.6 s). Make sure OpenBLAS provides it.
blas_lib() { readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo none; }
if ! blas_lib | grep -q openblas; then
  echo "installing libopenblas0-pthread (PyTorch's BLAS is $(blas_lib))" >&2
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq libopenblas0-pthread >&2
  else sudo apt-get install -y -qq libopenblas0-pthread >&2; fi
fi

# the Java side: svg-tensor + svg-nn + benchmarks classes
(cd "$root" && mvn -q -pl benchmarks -am -DskipTests package >&2)
cp="$here/target/classes:$root/svg-nn/target/classes:$root/svg-tensor/target/classes"

# reps per network: small enough that the whole run takes ~10-15 min on 2 loaded cores
default_reps() { echo 5; }
# heap per network: the weights (DiT-XL: 2.7 GB float32) plus activations
# G1 settings for big float arrays (same as the svg launcher): 32 MB regions, so activations under 16 MB are ordinary
# young-generation objects instead of humongous ones, and a fixed 80% start threshold for concurrent marking, so the
# weights (a large, permanent old generation) do not put every humongous allocation over the threshold. With the
# defaults a DiT-XL batch-2 forward started ~250 concurrent GC cycles (docs/performance.md, "Garbage collection").
gc_opts=(-XX:G1HeapRegionSize=32m -XX:-G1UseAdaptiveIHOP -XX:InitiatingHeapOccupancyPercent=80)
heap() { case "$1" in dit) echo 4g ;; *) echo 2g ;; esac; }

echo "# $(date -u +%FT%TZ) $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); threads $threads" \
     "torch $("$python" -c 'import torch; print(torch.__version__)') (BLAS $(blas_lib)), java $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
# shellcheck disable=SC2086
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector ${SVG_JAVA_OPTS:-} -cp "$cp" svg.bench.Machine 2> >(grep -v -e '^WARNING: Using incubator' >&2)
rows=()
for net in "${nets[@]}"; do
  r="${reps:-$(default_reps "$net")}"
  line=$("$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -Xmx"$(heap "$net")" "${gc_opts[@]}" ${SVG_JAVA_OPTS:-} -cp "$cp" svg.bench.VsPyTorch \
          --net "$net" --threads "$threads" --warmup "$warmup" --reps "$r" --python "$python" --script "$here/vs_pytorch.py" \
          2> >(grep -v -e '^WARNING: Using incubator' >&2) | grep '^ROW ')
  rows+=("$line")
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%s\n' "${rows[@]}" | awk '
  BEGIN { printf "%-9s %10s %11s %8s %9s %9s %11s %12s %-8s\n", "network", "ours ms", "PyTorch ms", "speedup",
          "GFLOP", "ours GF/s", "ours RSS MB", "torch RSS MB", "torch OMP"; min = 1e30 }
  { s = $4 / $3; if (s < min) min = s
    printf "%-9s %10.1f %11.1f %7.2fx %9.1f %9.1f %11d %12d %-8s\n", $2, $3, $4, s, $6, $6 / ($3 / 1000), $7 / 1024, $8 / 1024, $5 }
  END { printf "min speedup: %.2f\n", min }'
