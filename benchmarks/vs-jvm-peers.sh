#!/usr/bin/env bash
# Our forward passes against the other CPU engines on the same networks: PyTorch (Debian's torch, through
# svg.bench.VsPyTorch as in benchmarks/vs-pytorch.sh), and the JVM peers ONNX Runtime 1.29 and libtorch 2.7.1 through
# DJL 0.36 (benchmark-only dependencies of the benchmarks module's "peers" profile; DJL runs offline from the
# pytorch-native-cpu jar). The peers run the networks of benchmarks/vs_pytorch.py exported by benchmarks/export_peers.py
# (same modules, seed, weights and inputs; TorchScript trace for DJL, ONNX opset 17 for ONNX Runtime), and each peer's
# output is compared with PyTorch's. Exported models go to benchmarks/target/peers-models (or $SVG_PEERS_DIR), never into
# the repository. Per network: ours and PyTorch alternate (VsPyTorch), then ONNX Runtime, then DJL, each in its own
# process with the same thread count; medians are reported.
# Ends with "min speedup vs fastest engine: S" (the fastest other engine's ms / our ms, worst over the networks).
# Usage: benchmarks/vs-jvm-peers.sh [--threads T] [--reps R] [--warmup W] [NET ...]   (NET: dino dit decoder resvit)
# Environment: SVG_JAVA_OPTS (extra JVM flags for our side, e.g. -XX:UseAVX=2), SVG_PEERS_DIR (exported models).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
python=/usr/bin/python3   # Debian's torch 1.13 (the pyenv python3 on PATH has no torch)

threads=2; reps=5; warmup=1; nets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    -h|--help) sed -n 2,12p "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) nets+=("$1"); shift ;;
  esac
done
[ ${#nets[@]} -gt 0 ] || nets=(dino dit decoder resvit)
"$python" -c 'import torch' 2>/dev/null || { echo "error: $python has no torch (Debian: apt-get install python3-torch)" >&2; exit 1; }

# the Java side, with the peers' jars copied into benchmarks/target/lib
# shellcheck source=../scripts/maven.sh
. "$root/scripts/maven.sh"
svg_find_maven "$root"
(cd "$root" && $MVN -q -B -Ppeers -pl benchmarks -am -DskipTests package >&2)
cp="$here/target/classes:$root/svg-nn/target/classes:$root/svg-tensor/target/classes"
peer_classes="$here/target/peers-classes"
mkdir -p "$peer_classes"
"$JAVA_HOME/bin/javac" -nowarn -d "$peer_classes" -cp "$here/target/lib/*" "$here/peers/svg/bench/peers/PeerBench.java"
peer_cp="$peer_classes:$here/target/lib/*"
models="${SVG_PEERS_DIR:-$here/target/peers-models}"
mkdir -p "$models"

gc_opts=(-XX:G1HeapRegionSize=32m -XX:-G1UseAdaptiveIHOP -XX:InitiatingHeapOccupancyPercent=80)
heap() { case "$1" in dit) echo 4g ;; *) echo 2g ;; esac; }
quiet() { grep -v -e '^WARNING: ' -e '^$' >&2; }

echo "# $(date -u +%FT%TZ) $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), load average $(cut -d' ' -f1-3 /proc/loadavg); threads $threads;" \
     "torch $("$python" -c 'import torch; print(torch.__version__)'), java $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
# shellcheck disable=SC2086
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector ${SVG_JAVA_OPTS:-} -cp "$cp" svg.bench.Machine 2> >(grep -v -e '^WARNING: Using incubator' >&2)
rows=()
for net in "${nets[@]}"; do
  if [ ! -s "$models/$net.onnx" ] || [ ! -s "$models/$net.pt" ] || [ ! -s "$models/$net.meta" ]; then
    echo "# exporting $net to $models" >&2
    "$python" "$here/export_peers.py" "$net" "$models" 2> >(grep -v -i -e 'warn' -e '^ *$' >&2) >&2
  fi
  # shellcheck disable=SC2086
  ours=$("$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -Xmx"$(heap "$net")" "${gc_opts[@]}" ${SVG_JAVA_OPTS:-} -cp "$cp" svg.bench.VsPyTorch \
          --net "$net" --threads "$threads" --warmup "$warmup" --reps "$reps" --python "$python" --script "$here/vs_pytorch.py" \
          2> >(grep -v -e '^WARNING: Using incubator' >&2) | grep '^ROW ')
  ort=$("$JAVA_HOME/bin/java" -Xmx1g -cp "$peer_cp" svg.bench.peers.PeerBench --engine ort --net "$net" --dir "$models" \
          --threads "$threads" --warmup "$warmup" --reps "$reps" 2> >(quiet) | grep '^PEER ')
  djl=$("$JAVA_HOME/bin/java" -Xmx1g --enable-native-access=ALL-UNNAMED -cp "$peer_cp" svg.bench.peers.PeerBench --engine djl --net "$net" --dir "$models" \
          --threads "$threads" --warmup "$warmup" --reps "$reps" 2> >(quiet) | grep '^PEER ')
  rows+=("$ours $ort $djl")
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
# fields: ROW net ours torch mode gflop rss trss PEER ort net ms min diff ref PEER djl net ms min diff ref
printf '%s\n' "${rows[@]}" | awk '
  function ok(d, ref) { return d <= 1e-3 * ref }
  BEGIN { printf "%-8s %9s %11s %9s %9s %8s %8s %10s %10s\n", "network", "ours ms", "PyTorch ms", "ORT ms", "DJL ms",
          "fastest", "speedup", "ORT |d|", "DJL |d|"; min = 1e30; bad = 0 }
  { ours = $3; best = $4; name = "PyTorch"; om = ""; dm = ""
    if (!ok($14, $15)) { om = "!"; bad = 1 } else if ($12 < best) { best = $12; name = "ORT" }
    if (!ok($21, $22)) { dm = "!"; bad = 1 } else if ($19 < best) { best = $19; name = "DJL" }
    s = best / ours; if (s < min) min = s
    printf "%-8s %9.1f %11.1f %8.1f%1s %8.1f%1s %8s %7.2fx %10.2g %10.2g\n", $2, ours, $4, $12, om, $19, dm, name, s, $14, $21 }
  END { print "# |d|: max abs difference of the peer output from PyTorch'"'"'s (same weights and inputs)"
        if (bad) print "# !: the output disagrees with PyTorch'"'"'s (|d| > 1e-3 max|ref|); that engine is left out of fastest"
        printf "min speedup vs fastest engine: %.2f\n", min }'
