#!/usr/bin/env bash
# One training step (forward + backward + AdamW) of a model's DiT and of its autoencoder's decoder: ours
# (svg.bench.TrainStepBench) against Debian's python3-torch (benchmarks/train_step_torch.py, the same architectures,
# read from the same config), side by side in one run. PyTorch runs with torch.set_num_threads(1) and (2); both are
# printed and the faster is compared. Ends with "min speedup: S", S = PyTorch s/step / ours for the worse network.
# Usage: benchmarks/train-vs-pytorch.sh [--model DIR|FILE] [--dit-hidden 128] [--dit-depth 4] [--dit-heads 4]
#            [--threads 2] [--warmup 3] [--iters 10] [--rounds 1]
#   --model: an autoencoder stage dir (autoencoder_config.json) or a model dir (model.json), default
#            models/default (the built-in model's DiT and decoder; before 2026-12-06 models/stages/autoencoder, whose
#            DiT is the --dit-* sizes); the DiT works on its latent (grid and channels) with the --dit-* sizes unless the
#            file has a "dit" section. --threads: our thread count. --rounds: ours, torch 1 thread, torch 2 threads,
#            alternately, R times (medians across rounds).
# Environment: SVG_JAVA_OPTS (extra JVM flags, e.g. -XX:UseAVX=2 for the 256-bit path on an AVX-512 machine).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
python=/usr/bin/python3

threads=2; warmup=3; iters=10; rounds=1; arch=()
while [ $# -gt 0 ]; do
  case "$1" in
    --model|--dit-hidden|--dit-depth|--dit-heads) arch+=("$1" "$2"); shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --iters) iters="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    -h|--help) sed -n 2,13p "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

# PyTorch: Debian's package (the pyenv python3 on PATH has no torch)
if ! "$python" -c 'import torch' 2>/dev/null; then
  echo "installing python3-torch" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq python3-torch >&2
  else sudo apt-get update -qq && sudo apt-get install -y -qq python3-torch >&2; fi
fi
# ... on OpenBLAS, also when torch was already installed: python3-torch alone pulls the netlib reference BLAS, on
# which PyTorch's DiT step took 4.0 s instead of ~0.6 s (see vs-pytorch.sh)
blas_lib() { readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo none; }
if ! blas_lib | grep -q openblas; then
  echo "installing libopenblas0-pthread (PyTorch's BLAS is $(blas_lib))" >&2
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq libopenblas0-pthread >&2
  else sudo apt-get install -y -qq libopenblas0-pthread >&2; fi
fi
blas_lib | grep -q openblas || { echo "PyTorch's BLAS is $(blas_lib), not OpenBLAS: its times would not be comparable" >&2; exit 1; }

(cd "$root" && mvn -q -pl benchmarks -am -DskipTests package >&2)
cp="$here/target/classes:$root/svg-nn/target/classes:$root/svg-tensor/target/classes"
quiet() { grep --line-buffered -v -e '^WARNING: Using incubator' || true; }
# shellcheck disable=SC2086
java_run() { (cd "$root" && "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -Xmx4g ${SVG_JAVA_OPTS:-} -cp "$cp" svg.bench.TrainStepBench "$@" 2> >(quiet >&2)); }

# the architecture, as the model's config gives it, in train_step_torch.py's arguments
read -r -a torch_arch <<< "$(java_run ${arch[@]+"${arch[@]}"} --torch-args)"

echo "# $(date -u +%FT%TZ) $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); ours $threads threads;" \
     "warm-up $warmup, $iters timed steps (median) per network and side; $rounds round(s)"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for r in $(seq 1 "$rounds"); do
  java_run ${arch[@]+"${arch[@]}"} --threads "$threads" --warmup "$warmup" --iters "$iters" | tee /dev/stderr |
    awk '/^STEP / { print "ours", $2, $3 }' >> "$log"
  for t in 1 2; do
    (cd "$root" && "$python" "$here/train_step_torch.py" --threads "$t" --warmup "$warmup" --iters "$iters" "${torch_arch[@]}") |
      tee /dev/stderr | awk -v t="$t" '/^STEP / { print "torch" t, $2, $3 }' >> "$log"
  done
done 2> >(grep -v '^STEP ' | sed 's/^/#   /')
sleep 0.2
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
awk '
  function median(key,   n, i, j, v, t) {
    n = cnt[key]; for (i = 1; i <= n; i++) v[i] = val[key, i]
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }
  { k = $1 SUBSEP $2; val[k, ++cnt[k]] = $3; if (!($2 in seen)) { seen[$2] = 1; nets[++nn] = $2 } }
  END {
    printf "%-8s %12s %14s %14s %12s %8s\n", "network", "ours s/step", "torch 1 thr", "torch 2 thr", "torch best", "speedup"
    min = 1e30
    for (i = 1; i <= nn; i++) {
      n = nets[i]; o = median("ours" SUBSEP n); a = median("torch1" SUBSEP n); b = median("torch2" SUBSEP n)
      best = a < b ? a : b; s = best / o; if (s < min) min = s
      printf "%-8s %12.4f %14.4f %14.4f %12s %7.2fx\n", n, o, a, b, (a < b ? "1 thread" : "2 threads"), s
    }
    printf "min speedup: %.2f\n", min
  }' "$log"
