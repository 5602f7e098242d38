#!/usr/bin/env bash
# Guidance schedules of the built-in model scored side by side: for each setting, classifier agreement (200 samples,
# 20 per class, seed 1) and FD-FMNIST (1000 samples, 100 per class, seed 1). Appends one CSV row per setting to
# OUT/guidance.csv (setting, agreement, shirt, fd, options) and keeps each command's output beside it.
#   scripts/guidance-sweep.sh [OUT]          (default OUT: runs/guidance; ~3 min per setting on 2 cores)
# Environment: MODEL (default models/default), T (extra options, default "--threads 2").
set -euo pipefail
ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$ROOT"
OUT="${1:-runs/guidance}"
MODEL="${MODEL:-models/default}"
CLF="$MODEL/eval/classifier.safetensors"
T="${T:---threads 2}"
mkdir -p "$OUT"
[ -f "$OUT/guidance.csv" ] || echo "setting,agreement,shirt,fd,options" > "$OUT/guidance.csv"

score() {
  local name=$1; shift
  # shellcheck disable=SC2086
  ./svg eval classify --model "$MODEL" --classifier "$CLF" --n 20 --no-progress $T "$@" > "$OUT/$name.classify.log" 2>&1
  # shellcheck disable=SC2086
  ./svg eval fd --model "$MODEL" --classifier "$CLF" --n 100 --no-progress $T "$@" > "$OUT/$name.fd.log" 2>&1
  local agree shirt fd
  agree=$(awk '/classifier agreement/ {sub("%", "", $3); print $3}' "$OUT/$name.classify.log")
  shirt=$(awk '$1 == "shirt" {sub("%", "", $2); print $2}' "$OUT/$name.classify.log")
  fd=$(awk '/scored:/ {for (i = 1; i <= NF; i++) if ($i == "FD") print $(i + 1)}' "$OUT/$name.fd.log")
  echo "$name,$agree,$shirt,$fd,\"$*\"" | tee -a "$OUT/guidance.csv"
}

score constant-3         --cfg 3
score constant-2         --cfg 2
score constant-1.5       --cfg 1.5
score interval-0.2-1     --cfg 3 --cfg-interval 0.2,1
score interval-0.3-1     --cfg 3 --cfg-interval 0.3,1
score interval-0.45-1    --cfg 3 --cfg-interval 0.45,1
score cfg4-interval-0.3-1 --cfg 4 --cfg-interval 0.3,1
score interval-0-0.3     --cfg 3 --cfg-interval 0,0.3
score interval-0-0.5     --cfg 3 --cfg-interval 0,0.5
score cfg4-interval-0-0.5 --cfg 4 --cfg-interval 0,0.5
score cfg4-interval-0-0.7 --cfg 4 --cfg-interval 0,0.7
score cfg5-interval-0-0.35 --cfg 5 --cfg-interval 0,0.35
score linear-4           --cfg 4 --cfg-mode linear
score linear-6           --cfg 6 --cfg-mode linear
score linear-8           --cfg 8 --cfg-mode linear
score heun-13            --cfg 3 --sampler heun --steps 13
score shift-0.3          --cfg 3 --shift 0.3
score shift-0.6          --cfg 3 --shift 0.6
