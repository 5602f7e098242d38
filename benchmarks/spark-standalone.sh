#!/usr/bin/env bash
# svg-spark on a real Spark standalone cluster on this machine: a master and a worker on 127.0.0.1 started from the
# jars Maven resolved (no Spark download; a SPARK_HOME of links to them), with two single-core executors. Then:
#   1. distributed sampling of 4 classes x 8 images, compared byte for byte with ./svg sample (one process);
#   2. distributed encoding of the first LIMIT Fashion-MNIST training images with the built-in model's autoencoder
#      (models/stages/autoencoder), then 20 data-parallel DiT training steps on those latents (2 replicas, global batch
#      64) against ./svg train dit with the same options in one process; max |dw| over the trained weights;
#   3. with --scaling, each job also on one executor (1 vs 2 executors);
# stops the cluster and ends with the line `spark: A/B images identical; training max |dw| = E`.
# Usage: benchmarks/spark-standalone.sh [--scaling] [--n 8] [--limit 2000] [--steps 20] [--keep]
#   --n: images per class of the sampling comparison (more shows the steady state rather than the start-up)
# Environment: NICE=15 (default) runs everything under nice; SVG_XMX (heap of the driver, default 3g).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
scaling=0; per_class=8; limit=2000; steps=20; keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --scaling) scaling=1; shift ;;
    --n) per_class="$2"; shift 2 ;;
    --limit) limit="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n 2,12p "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
# shellcheck source=../scripts/jdk25.sh
. "$root/scripts/jdk25.sh"
svg_find_jdk25 || exit 1
nice_cmd=(nice -n "${NICE:-15}")
export SVG_XMX="${SVG_XMX:-3g}"

echo "# $(date -u +%FT%TZ) $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$root/svg" spark --version > /dev/null # builds svg-spark and its class path when needed
target="$root/svg-spark/target"
jar="$(compgen -G "$target/svg-spark-*.jar" | head -n 1)"
cp="$jar:$(cat "$target/classpath.txt")"
jvm_args="$(cat "$target/classes/svg/spark/jvm.args")"

work="$(mktemp -d /tmp/svg-spark-standalone.XXXXXX)"
# Spark's worker builds executor class paths from SPARK_HOME/jars: links to the resolved jars (ours included)
mkdir -p "$work/spark-home/jars" "$work/worker"
IFS=: read -r -a jars <<< "$cp"
for j in "${jars[@]}"; do ln -sf "$j" "$work/spark-home/jars/"; done
export SPARK_HOME="$work/spark-home" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="$(free_port)"
master="spark://127.0.0.1:$port"
log4j="-Dlog4j2.configurationFile=$target/classes/svg/spark/log4j2-local.properties"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2> /dev/null || true; done
  if [ "$keep" = 0 ]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT
# master and worker log at Spark's default INFO level: the script waits for the worker's registration line
# shellcheck disable=SC2086
"${nice_cmd[@]}" "$JAVA_HOME/bin/java" $jvm_args -Xmx512m -cp "$cp" org.apache.spark.deploy.master.Master \
  --host 127.0.0.1 --port "$port" --webui-port "$(free_port)" > "$work/master.log" 2>&1 &
pids+=($!)
# shellcheck disable=SC2086
"${nice_cmd[@]}" "$JAVA_HOME/bin/java" $jvm_args -Xmx512m -cp "$cp" org.apache.spark.deploy.worker.Worker \
  --host 127.0.0.1 --cores 2 --memory 8g --work-dir "$work/worker" --webui-port "$(free_port)" "$master" > "$work/worker.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do
  grep -q "Successfully registered with master\|Worker: Successfully registered" "$work/worker.log" 2> /dev/null && break
  sleep 1
done
grep -q "registered with master" "$work/worker.log" || { echo "spark: the worker did not register (logs in $work)" >&2; keep=1; exit 1; }
echo "cluster: $master, one worker with 2 cores; executors of 1 core and 3 GB"

# The driver: a plain JVM (as spark-submit's client mode) with Spark's launcher flags; the executors get the same
# flags (with the Vector API module) through spark.executor.extraJavaOptions.
driver() { # driver EXECUTORS ARGS...
  local n="$1"; shift
  # shellcheck disable=SC2086
  "${nice_cmd[@]}" "$JAVA_HOME/bin/java" $jvm_args "$log4j" "-Xmx$SVG_XMX" -Xss8m -Dsvg.home="$root" \
    "-Dspark.executor.extraJavaOptions=$jvm_args -Xss8m" -Dspark.executor.cores=1 -Dspark.cores.max="$n" \
    -Dspark.executor.memory=3g -Dspark.driver.host=127.0.0.1 -Dspark.ui.enabled=false \
    -cp "$cp" svg.spark.SvgSpark "$@" --master "$master"
}
seconds() { local t0="$1"; echo "$(( ($(date +%s%N) - t0) / 1000000 ))" | awk '{printf "%.1f", $1 / 1000}'; }

# 1. sampling: one process vs the cluster
classes=(--class t-shirt --class trouser --class sneaker --class bag)
t0="$(date +%s%N)"
"${nice_cmd[@]}" "$root/svg" sample "${classes[@]}" --n "$per_class" --seed 11 --quiet --out "$work/one" > "$work/sample-one.log"
echo "sample, one process (./svg sample, 2 kernel threads): $(seconds "$t0") s  [$(tail -n 1 "$work/sample-one.log")]"
for n in $([ "$scaling" = 1 ] && echo 1 2 || echo 2); do
  t0="$(date +%s%N)"
  driver "$n" sample "${classes[@]}" --n "$per_class" --seed 11 --partitions 8 --out "$work/cluster-$n" > "$work/sample-$n.log" 2> "$work/sample-$n.err" \
    || { cat "$work/sample-$n.err" >&2; exit 1; }
  echo "sample, $n executor(s): $(seconds "$t0") s with the driver's start  [$(tail -n 1 "$work/sample-$n.log")]"
done
same=identical
for f in "$work"/one/*.png; do
  cmp -s "$f" "$work/cluster-2/$(basename "$f")" || { same=DIFFERENT; echo "differs: $(basename "$f")" >&2; }
done
[ "$(find "$work/one" -name '*.png' | wc -l)" = $((4 * per_class)) ] && [ "$(find "$work/cluster-2" -name '*.png' | wc -l)" = $((4 * per_class)) ] || same=DIFFERENT

# 2. encoding on the cluster, then data-parallel training against one process
ae="$root/models/stages/autoencoder"
t0="$(date +%s%N)"
driver 2 encode --autoencoder "$ae" --limit "$limit" --out "$work/latents" > "$work/encode.log" 2> "$work/encode.err" || { cat "$work/encode.err" >&2; exit 1; }
echo "encode, 2 executors: $(seconds "$t0") s  [$(tail -n 1 "$work/encode.log")]"
train=(--autoencoder "$ae" --latents "$work/latents/latents.index.json" --steps "$steps" --batch 64 --lr 5e-4 --warmup 2 \
       --checkpoint-every 10 --sample-steps 5 --seed 1 --no-progress)
t0="$(date +%s%N)"
"${nice_cmd[@]}" "$root/svg" train dit "${train[@]}" --out "$work/dit-one" > "$work/train-one.log"
echo "train dit, one process: $(seconds "$t0") s  [$(grep 'steps in' "$work/train-one.log" | tail -n 1)]"
for n in $([ "$scaling" = 1 ] && echo 1 2 || echo 2); do
  t0="$(date +%s%N)"
  driver "$n" train-dit --replicas "$n" "${train[@]}" --out "$work/dit-$n" > "$work/train-$n.log" 2> "$work/train-$n.err" \
    || { cat "$work/train-$n.err" >&2; exit 1; }
  echo "train-dit, $n replica(s): $(seconds "$t0") s with the driver's start"
  sed 's/^/  /' "$work/train-$n.log" | grep -E 'replica|steps in' || true
done
dw="$("$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -cp "$cp" svg.spark.MaxDiff \
      "$work/dit-one/checkpoint.safetensors" "$work/dit-2/checkpoint.safetensors" model. 2> /dev/null)"
ema="$("$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -cp "$cp" svg.spark.MaxDiff \
      "$work/dit-one/model/dit.safetensors" "$work/dit-2/model/dit.safetensors" 2> /dev/null)"
echo "weights after $steps steps, one process vs 2 replicas: max |dw| = $dw (EMA weights: $ema)"

# 3. stop the cluster (the worker takes its executors down with it)
cleanup
trap - EXIT
echo "spark: A/B images $same; training max |dw| = $dw"
