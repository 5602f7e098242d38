#!/usr/bin/env bash
# Full-size SVG networks with random weights, one 256x256 forward each (batch 1; the DiT: 256 tokens x 392 channels),
# each in its own JVM: parameters, first and second forward time, GFLOP/s, peak RSS.
# Usage: benchmarks/full-size.sh [--threads T] [--batch B] [NET ...]   (NET: dino resvit decoder dit)
# Environment: SVG_JAVA_OPTS (extra JVM flags, e.g. -XX:UseAVX=2 for the 256-bit path on an AVX-512 machine).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
threads=2; batch=1; nets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) nets+=("$1"); shift ;;
  esac
done
[ ${#nets[@]} -gt 0 ] || nets=(dino resvit decoder dit)
(cd "$root" && mvn -q -pl benchmarks -am -DskipTests package >&2)
cp="$here/target/classes:$root/svg-nn/target/classes:$root/svg-tensor/target/classes"
# G1 settings for big float arrays (same as the svg launcher): 32 MB regions, so activations under 16 MB are ordinary
# young-generation objects instead of humongous ones, and a fixed 80% start threshold for concurrent marking, so the
# weights (a large, permanent old generation) do not put every humongous allocation over the threshold. With the
# defaults a DiT-XL batch-2 forward started ~250 concurrent GC cycles (docs/performance.md, "Garbage collection").
gc_opts=(-XX:G1HeapRegionSize=32m -XX:-G1UseAdaptiveIHOP -XX:InitiatingHeapOccupancyPercent=80)
heap() { case "$1" in dit) echo 4g ;; *) echo 2g ;; esac; }
echo "# $(date -u +%FT%TZ) $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); threads $threads; batch $batch"
# shellcheck disable=SC2086
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector ${SVG_JAVA_OPTS:-} -cp "$cp" svg.bench.Machine 2> >(grep -v -e '^WARNING: Using incubator' >&2)
printf '%-8s %13s %10s %10s %8s %9s %12s %6s\n' network params "first ms" "second ms" GFLOP "GFLOP/s" "peak RSS MB" heap
for net in "${nets[@]}"; do
  "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -Xmx"$(heap "$net")" "${gc_opts[@]}" ${SVG_JAVA_OPTS:-} -cp "$cp" svg.bench.FullSizeForward \
      --net "$net" --batch "$batch" --threads "$threads" 2> >(grep -v -e '^WARNING: Using incubator' >&2) | grep '^FULL ' |
    awk -v h="$(heap "$net")" '{ printf "%-8s %13d %10.0f %10.0f %8.1f %9.1f %12d %6s\n", $2, $3, $5, $6, $7, $7 / ($6 / 1000), $8 / 1024, h }'
done
