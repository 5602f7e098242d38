#!/usr/bin/env bash
# The real SVG-XL generation path on this machine, with random full-size weights: writes an SVG-XL model directory
# (DiT-XL 675M + the official autoencoder config: DINOv3 ViT-S/16+, residual ViT, LDM decoder) once, then times
#   ./svg sample --model DIR --class 207 --n 1 --steps 25 --cfg 4 --threads T
# (25 Euler steps with classifier-free guidance: 25 DiT forwards of one CFG pair, then one decode) under
# /usr/bin/time -v, and reports wall time and peak memory.
# Usage: benchmarks/svgxl-sample.sh [--bf16] [--bf16-memory] [--threads T] [--steps N] [--dir DIR] [--out PNG]
#   --bf16         store the weights as bfloat16 in the model directory (half the disk)
#   --bf16-memory  sample with `svg sample --bf16`: Linear/Conv2d weights held as bfloat16 in memory (half the heap
#                  for weights; arithmetic stays float32)
# Environment: SVG_XMX (heap for the sample run, default 4g: the float32 weights take 3.0 GB; with the launcher's G1
# settings 4g and 8g gave the same wall time, docs/performance.md), SVG_JAVA_OPTS (extra JVM flags, passed to every
# JVM here, the `svg` launcher included).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
threads=2; steps=25; dtype=f32; dir=""; out=""; memflag=()
while [ $# -gt 0 ]; do
  case "$1" in
    --bf16) dtype=bf16; shift ;;
    --bf16-memory) memflag=(--bf16); shift ;;
    --threads) threads="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n 2,12p "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
dir="${dir:-$here/target/svgxl-random-$dtype}"
out="${out:-$here/target/svgxl-sample-$dtype.png}"

(cd "$root" && mvn -q -pl benchmarks,svg-app -am -DskipTests package >&2)
cp="$here/target/classes:$root/svg-nn/target/classes:$root/svg-tensor/target/classes"
if [ ! -f "$dir/model.json" ]; then
  echo "writing a random SVG-XL model to $dir ($dtype)" >&2
  "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -Xmx5g ${SVG_JAVA_OPTS:-} -cp "$cp" svg.bench.RandomSvgXl "$dir" --dtype "$dtype" \
      2> >(grep -v -e '^WARNING: Using incubator' >&2)
fi
echo "# $(date -u +%FT%TZ) $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); threads $threads; steps $steps, cfg 4"
# shellcheck disable=SC2086
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector ${SVG_JAVA_OPTS:-} -cp "$cp" svg.bench.Machine 2> >(grep -v -e '^WARNING: Using incubator' >&2)
echo "# model files ($dtype): $(du -sh "$dir" | cut -f1) total; $(cd "$dir" && ls -l --block-size=M ./*.safetensors | awk '{printf "%s %s  ", $NF, $5}')"
# build the launcher's jar now, so the timed run below does not include a build
"$root/svg" --version >/dev/null 2>&1 || "$root/svg" --help >/dev/null
export SVG_NO_BUILD=1
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
export SVG_XMX="${SVG_XMX:-4g}"
/usr/bin/time -v -o "$log" "$root/svg" sample --model "$dir" --class 207 --n 1 --batch 1 --steps "$steps" --cfg 4 \
    --threads "$threads" --seed 0 --out "$out" "${memflag[@]}"
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")
rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
echo "svg-xl sample: 1 image 256x256, $steps steps, cfg 4, $threads threads: wall $wall, peak RSS $((rss / 1024)) MB (heap -Xmx$SVG_XMX), weights on disk $dtype, in memory $([ ${#memflag[@]} -gt 0 ] && echo bf16 || echo f32); image $out"
