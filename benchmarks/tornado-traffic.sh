#!/usr/bin/env bash
# The GPU-less check of issue 17: host <-> device traffic and compiled kernels of 3 warm Euler sampling steps with
# classifier-free guidance on the TornadoVM backend (svg.tornado.TrafficBench, in svg-tornado's test sources).
# Model: DiT-B sized at SVG's latent shape (hidden 768, 12 blocks, 256 tokens x 392 channels, patch 1), random
# weights, one image, so each step is one forward of batch 2 (the CFG pair). A cold run of the same steps compiles
# the plans and uploads the weights first. Counted by the backend itself, so the bytes do not depend on the device:
# PoCL on a CPU (no GPU needed) gives the numbers a GPU would.
# The last line is `per step: to-device X bytes, to-host Y bytes, kernels compiled K` (X, Y: per warm step;
# K: all kernels compiled since the backend started, i.e. by the cold run). Targets of issue 17: X + Y <= 1,000,000
# and K <= 60.
# Needs: TORNADOVM_HOME (a TornadoVM SDK with its tornado-argfile, docs/tornado.md), a JDK 25 (JAVA_HOME, default
# /usr/lib/jvm/temurin-25-jdk-amd64), and Maven to build (SVG_NO_BUILD=1 uses */target as it is).
# Usage: benchmarks/tornado-traffic.sh [--steps N] [--small]   (--small: a tiny DiT, to smoke-test the harness)
# Environment: SVG_XMX (heap, default 8g), SVG_JAVA_OPTS (extra JVM flags, e.g. TornadoVM's -Dtornado.* options or
# -Dsvg.tornado.blockPlans=false).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --steps) args+=(--steps "$2"); shift 2 ;;
    --small) args+=(--small); shift ;;
    -h|--help) sed -n 2,16p "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [ -z "${TORNADOVM_HOME:-}" ]; then
  echo "error: TORNADOVM_HOME is not set: point it at a TornadoVM SDK (docs/tornado.md, 'Building TornadoVM from source')" >&2
  exit 1
fi
[ -f "$TORNADOVM_HOME/tornado-argfile" ] || { echo "error: $TORNADOVM_HOME/tornado-argfile not found (docs/tornado.md)" >&2; exit 1; }
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
[ -x "$JAVA_HOME/bin/java" ] || { echo "error: no java in JAVA_HOME=$JAVA_HOME (a JDK 25 is needed)" >&2; exit 1; }
if [ "${SVG_NO_BUILD:-0}" != "1" ]; then
  # shellcheck source=../scripts/maven.sh
  . "$root/scripts/maven.sh"
  svg_find_maven "$root"
  # package (tests skipped, test classes compiled): TrafficBench is a test-source class of svg-tornado
  (cd "$root" && $MVN -q -B -DskipTests -pl svg-tornado -am package >&2)
fi
cp="$root/svg-tornado/target/test-classes:$root/svg-tornado/target/classes:$root/svg-nn/target/classes:$root/svg-tensor/target/classes"
[ -f "$root/svg-tornado/target/test-classes/svg/tornado/TrafficBench.class" ] ||
  { echo "error: svg-tornado's test classes are not built (run without SVG_NO_BUILD=1)" >&2; exit 1; }
# shellcheck disable=SC2086
jflags=("@$TORNADOVM_HOME/tornado-argfile" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
        -Xss8m "-Xmx${SVG_XMX:-8g}" -Dtornado.recover.bailout=False ${SVG_JAVA_OPTS:-})
echo "# $(date -u +%FT%TZ) $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); TORNADOVM_HOME=$TORNADOVM_HOME"
set -o pipefail
"$JAVA_HOME/bin/java" "${jflags[@]}" -cp "$cp" svg.tornado.TrafficBench ${args[@]+"${args[@]}"} 2>&1 |
  grep --line-buffered -v -e '^WARNING: Using incubator' -e 'sun.misc.Unsafe'
