#!/usr/bin/env bash
# The pipeline of the next built-in model (issue 11): a contrastive SSL encoder with patch 4 (8x8 latent tokens),
# the autoencoder on it, then the DiT. Stages 1 and 2 ran and are committed under models/stages/ (docs/training.md,
# "The next default model"); stage 3 is the next sitting's. Every stage checkpoints: rerun a stage with --resume
# appended to continue it after an interruption. RUNS=dir for the outputs (default: runs/).
#
# The heap is fixed and pre-touched (SVG_XMX + -Xms + AlwaysPreTouch): on the 2-core VM this ran on, a training
# JVM with the launcher's default heap (75% of RAM, grown on demand) spent 5-7x more time in the kernel
# (docs/training.md, "Heap"), and its steps were up to 3x slower.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${RUNS:-$ROOT/runs}"
SVG="$ROOT/svg"
export SVG_XMX="${SVG_XMX:-5g}"
export SVG_JAVA_OPTS="${SVG_JAVA_OPTS:--Xms$SVG_XMX -XX:+AlwaysPreTouch}"
T="--threads 2 --no-progress"
STAGE="${1:-all}"

if [ "$STAGE" = all ] || [ "$STAGE" = ssl ]; then
  # 1. SSL: SimCLR NT-Xent on two views (crops down to 25% of the area, flips, brightness/contrast), 5000 x 128 images
  "$SVG" train ssl --objective contrastive --out "$RUNS/ssl" --patch 4 --steps 5000 --batch 128 --lr 2e-3 --warmup 250 \
    --weight-decay 0.05 --min-scale 0.25 --log-every 50 --checkpoint-every 250 $T
  for p in cls cls+mean patches; do "$SVG" eval probe --encoder "$RUNS/ssl" --pooling "$p" $T; done
fi
if [ "$STAGE" = all ] || [ "$STAGE" = autoencoder ]; then
  # 2. autoencoder: residual ViT (8 channels, dropout 0.1 as the official one) + LDM decoder 8x8 -> 32x32,
  #    L1 + encoder-feature perceptual loss, PatchGAN with the adaptive weight from step 1500
  "$SVG" train autoencoder --ssl "${SSL:-$RUNS/ssl}" --out "$RUNS/ae" --steps 2500 --batch 32 --lr 1e-3 --warmup 100 \
    --decoder-ch 32 --ch-mult 1,2,2 --res-blocks 1 --disc-start 1500 --log-every 25 --checkpoint-every 250 $T
  "$SVG" eval fd --autoencoder "$RUNS/ae" --n 100 --classifier "$ROOT/models/default/eval/classifier.safetensors" $T
fi
