#!/usr/bin/env bash
# Rebuilds the built-in default model (models/default) from Fashion-MNIST on the CPU: the exact commands used for the
# committed model (see docs/training.md for wall times and losses). Every stage checkpoints; rerun a stage with
# --resume to continue it after an interruption. RUNS=dir for the intermediate outputs (default: runs/).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${RUNS:-$ROOT/runs}"
SVG="$ROOT/svg"
T="--threads 2 --no-progress"

"$SVG" train ssl --out "$RUNS/ssl" --patch 8 --steps 600 --batch 64 --lr 1e-3 --warmup 60 \
  --log-every 10 --checkpoint-every 100 $T
"$SVG" train autoencoder --ssl "$RUNS/ssl" --out "$RUNS/ae" --steps 600 --batch 32 --lr 1e-3 --warmup 30 \
  --disc-start 400 --log-every 10 --checkpoint-every 100 $T
"$SVG" train dit --autoencoder "$RUNS/ae" --out "$RUNS/dit" --steps 6000 --batch 64 --lr 5e-4 --warmup 100 \
  --ema 0.995 --encode-limit 30000 --log-every 20 --checkpoint-every 500 $T
"$SVG" train classifier --out "$RUNS/classifier" --steps 1000 --batch 64 --lr 2e-3 --log-every 20 \
  --checkpoint-every 200 $T
"$SVG" eval classify --model "$RUNS/dit/model" --classifier "$RUNS/classifier/classifier.safetensors" --n 20 --threads 2
