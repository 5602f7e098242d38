#!/usr/bin/env bash
# The paper's three claims at small scale (docs/results.md): the same DiT recipe on the SVG latent (the built-in
# model's autoencoder) and on a KL-VAE latent trained with the same decoder and loss recipe.
#   1. FD-FMNIST against DiT training steps, both latents, one figure;
#   2. FD-FMNIST at 5, 10 and 25 Euler steps;
#   3. linear probe / kNN on the SVG latent vs the VAE latent vs pixels.
# Stages: vae | dit-svg | dit-vae | fd-steps | few-step | probe | all (default). RUNS=dir (default runs/). Both DiT
# runs use one recipe (hidden 128, depth 4: the built-in model's first DiT; $RUNS/dit-svg and $RUNS/dit-vae, kept
# checkpoints every 500 steps). Every FD line is appended to
# $RUNS/claims/fd.csv (latent,dit_step,sampler_steps,cfg,fd,floor) and the figure redrawn from it.
# STOP_AT=N evaluates the DiT runs only up to step N and trains the VAE-DiT run only that far (--stop-after: the
# schedule is still that of --steps 7000, so every compared point is the same point of the same schedule).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${RUNS:-$ROOT/runs}"
SVG="$ROOT/svg"
export SVG_XMX="${SVG_XMX:-5g}"
export SVG_JAVA_OPTS="${SVG_JAVA_OPTS:--Xms$SVG_XMX -XX:+AlwaysPreTouch}"
T="--threads 2 --no-progress"
P="--threads 2"   # svg eval probe prints no progress bar
CLF="$ROOT/models/default/eval/classifier.safetensors"
STAGE="${1:-all}"
# the KL-VAE: the committed one (models/stages/vae, the vae stage's output of 2026-12-05) unless the vae stage runs
VAE="${VAE:-$ROOT/models/stages/vae}"
STOP_AT="${STOP_AT:-7000}"
last=$(( STOP_AT < 7000 ? STOP_AT : 7000 ))   # the last DiT step evaluated (few-step: there and at 2000)
CLAIMS="$RUNS/claims"
mkdir -p "$CLAIMS"
[ -f "$CLAIMS/fd.csv" ] || echo "latent,dit_step,sampler_steps,cfg,fd,floor,wall_s" > "$CLAIMS/fd.csv"
# one DiT recipe for both latents (the built-in model's DiT until 2026-12-05; it is now wider, scripts/train-default.sh)
DIT="--steps 7000 --batch 64 --lr 6e-4 --warmup 200 --ema 0.999 --encode-limit 60000 --hidden 128 --depth 4 --heads 4"
DIT="$DIT --log-every 50 --checkpoint-every 500 --keep-every 500"

run() { echo "+ $*" >&2; /usr/bin/time -f "wall %e s" "$@"; }

# fd LATENT SOURCE-ARG RUN STEP SAMPLER_STEPS CFG: export the kept checkpoint (once), score 100 samples per class
fd() {
  local latent=$1 src=$2 run=$3 step=$4 ss=$5 cfg=$6 ck model out
  ck="$run/checkpoints/$(printf 'step-%07d' "$step").safetensors"
  model="$run/model-step-$step"
  [ -d "$model" ] || run "$SVG" train dit $src --out "$run" $DIT --export-checkpoint "$ck" $T
  local t0=$SECONDS
  out=$(run "$SVG" eval fd --model "$model" --n 100 --steps "$ss" --cfg "$cfg" --classifier "$CLF" $T 2>&1 | tee /dev/stderr)
  echo "$latent,$step,$ss,$cfg,$(echo "$out" | awk '/scored:/ {for(i=1;i<=NF;i++) if($i=="FD") print $(i+1)}'),$(echo "$out" | awk '/floor:/ {for(i=1;i<=NF;i++) if($i=="FD") print $(i+1)}'),$((SECONDS - t0))" >> "$CLAIMS/fd.csv"
}

if [ "$STAGE" = all ] || [ "$STAGE" = vae ]; then
  # the baseline autoencoder: ViT encoder (patch 4 -> 8x8, hidden 64, depth 4) predicting an 8-channel Gaussian,
  # the SVG autoencoder's decoder and loss recipe (L1 + 0.5 x frozen-encoder perceptual + PatchGAN from step 1500)
  VAE="$RUNS/vae"
  run "$SVG" train vae --out "$VAE" --patch 4 --z-channels 8 --hidden 64 --depth 4 --heads 2 --decoder-ch 32 \
    --ch-mult 1,2,2 --res-blocks 1 --ssl "$ROOT/models/stages/ssl" --disc-start 1500 --steps 2500 --batch 32 --lr 1e-3 \
    --warmup 100 --log-every 25 --checkpoint-every 250 $T
  run "$SVG" eval fd --vae "$VAE" --n 100 --classifier "$CLF" $T
fi
if [ "$STAGE" = all ] || [ "$STAGE" = dit-svg ]; then
  resume=""; [ -f "$RUNS/dit-svg/checkpoint.safetensors" ] && resume="--resume"
  run "$SVG" train dit --autoencoder "$ROOT/models/stages/autoencoder" --out "$RUNS/dit-svg" $DIT --stop-after "$STOP_AT" $resume $T
fi
if [ "$STAGE" = all ] || [ "$STAGE" = dit-vae ]; then
  # --stop-after: the first STOP_AT updates of the 7000-step schedule; a later call resumes from the checkpoint
  resume=""; [ -f "$RUNS/dit-vae/checkpoint.safetensors" ] && resume="--resume"
  run "$SVG" train dit --vae "$VAE" --out "$RUNS/dit-vae" $DIT --stop-after "$STOP_AT" $resume $T
fi
if [ "$STAGE" = all ] || [ "$STAGE" = fd-steps ]; then
  for s in 500 1000 1500 2000 3500 5000 7000; do
    [ "$s" -le "$STOP_AT" ] || continue
    fd svg "--autoencoder $ROOT/models/stages/autoencoder" "$RUNS/dit-svg" "$s" 25 3
    fd vae "--vae $VAE" "$RUNS/dit-vae" "$s" 25 3
  done
fi
if [ "$STAGE" = all ] || [ "$STAGE" = few-step ]; then
  # at step 2000 (where the two curves cross) and at the last step reached
  for step in $(printf '%s\n' 2000 "$last" | sort -un); do
    [ "$step" -le "$STOP_AT" ] || continue
    for ss in 5 10; do
      fd svg "--autoencoder $ROOT/models/stages/autoencoder" "$RUNS/dit-svg" "$step" "$ss" 3
      fd vae "--vae $VAE" "$RUNS/dit-vae" "$step" "$ss" 3
    done
  done
fi
if [ "$STAGE" = all ] || [ "$STAGE" = probe ]; then
  run "$SVG" eval probe --pixels $P
  run "$SVG" eval probe --latent "$ROOT/models/stages/autoencoder" $P
  run "$SVG" eval probe --latent "$VAE" $P
fi
# rows sorted by latent, then x (the points were scored in whatever order the stages ran)
{ head -1 "$CLAIMS/fd.csv"; awk -F, 'NR > 1 && $3 == 25 && $4 == 3' "$CLAIMS/fd.csv" | sort -t, -k1,1 -k2,2n; } > "$CLAIMS/fd-vs-steps.csv"
"$SVG" plot "$CLAIMS/fd-vs-steps.csv" --x dit_step --y fd --series latent --log-y --title "FD-FMNIST vs DiT training steps (25 Euler steps, cfg 3)" \
  --x-label "DiT training step" --y-label "FD-FMNIST" --out "$CLAIMS/fd-vs-steps.png"
{ echo "run,$(head -1 "$CLAIMS/fd.csv")"; awk -F, 'NR > 1 && ($2 == 2000 || $2 == '"$last"') && $4 == 3 {print $1 " step " $2 "," $0}' "$CLAIMS/fd.csv" | sort -t, -k1,1 -k4,4n; } > "$CLAIMS/fd-vs-sampler-steps.csv"
"$SVG" plot "$CLAIMS/fd-vs-sampler-steps.csv" --x sampler_steps --y fd --series run --title "FD-FMNIST vs Euler steps (cfg 3)" \
  --x-label "Euler sampling steps" --y-label "FD-FMNIST" --out "$CLAIMS/fd-vs-sampler-steps.png"
