#!/usr/bin/env bash
# What `svg serve` sustains: starts ./svg serve on a free port of 127.0.0.1, warms it up, then CLIENTS clients send
# POST /api/generate back to back for SECONDS seconds, each request at the model's defaults (steps, cfg, sampler; n
# from --n, default the API's 4), cycling through the classes. Prints the machine (lscpu model, cores, load average),
# the server command, images/s as the clients received them (images / wall time), request latency, how many got 429,
# and the server's own /health numbers (images per second of generation time).
# Usage: benchmarks/serve-load.sh [--clients 2] [--seconds 60] [--n 4] [--warmup 2] [-- svg serve options...]
#   2 clients keep the queue busy (one request runs while the next waits); more clients than --max-queue + 1 get 429.
# Environment: SVG_XMX, SVG_JAVA_OPTS as for ./svg; NICE=15 runs the server under nice -n 15 (a shared machine).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"

clients=2; seconds=60; n=4; warmup=2; serve_opts=()
while [ $# -gt 0 ]; do
  case "$1" in
    --clients) clients="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --n) n="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --) shift; serve_opts=("$@"); break ;;
    -h|--help) sed -n 2,10p "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
python="$(command -v python3)"

echo "# $(date -u +%FT%TZ) $(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) cores," \
     "load average $(cut -d' ' -f1-3 /proc/loadavg)"
port="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
log="$(mktemp)"
cmd=("$root/svg" serve --port "$port" ${serve_opts[@]+"${serve_opts[@]}"})
echo "# server: ${cmd[*]}${NICE:+ (nice -n $NICE)}"
if [ -n "${NICE:-}" ]; then nice -n "$NICE" "${cmd[@]}" > "$log" 2>&1 & else "${cmd[@]}" > "$log" 2>&1 & fi
server=$!
trap 'kill "$server" 2> /dev/null || true; wait "$server" 2> /dev/null || true; rm -f "$log"' EXIT

# the launcher may build first; wait for /health
for _ in $(seq 1 600); do
  if curl -sf "http://127.0.0.1:$port/health" > /dev/null 2>&1; then break; fi
  if ! kill -0 "$server" 2> /dev/null; then cat "$log" >&2; echo "svg serve exited" >&2; exit 1; fi
  sleep 0.5
done
sed 's/^/# /' "$log"

"$python" - "$port" "$clients" "$seconds" "$n" "$warmup" <<'PY'
import json, statistics, sys, threading, time, urllib.error, urllib.request

port, clients, seconds, n, warmup = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
base = "http://127.0.0.1:%s" % port
model = json.load(urllib.request.urlopen(base + "/api/model"))
d = model["defaults"]
print("# model %s: %d classes, %d px; defaults %d %s steps, cfg %s (%s); n = %d per request"
      % (model["name"], model["num_classes"], model["image_size"], d["steps"], d["sampler"], d["cfg"], d["cfg_mode"], n))

def generate(cls):
    body = json.dumps({"class": cls, "n": n}).encode()
    req = urllib.request.Request(base + "/api/generate", data=body, headers={"Content-Type": "application/json"})
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            images = len(json.load(r)["images"])
            return 200, images, time.monotonic() - t0
    except urllib.error.HTTPError as e:
        return e.code, 0, time.monotonic() - t0

for i in range(warmup):
    generate(i % model["num_classes"])

results, lock = [], threading.Lock()
deadline = time.monotonic() + seconds
def client(k):
    i = k
    while time.monotonic() < deadline:
        r = generate(i % model["num_classes"])
        with lock:
            results.append(r)
        if r[0] == 429:
            time.sleep(0.2)
        i += clients

t0 = time.monotonic()
threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
for t in threads: t.start()
for t in threads: t.join()
wall = time.monotonic() - t0
ok = [r for r in results if r[0] == 200]
images = sum(r[1] for r in ok)
other = [r[0] for r in results if r[0] not in (200, 429)]
lat = sorted(r[2] for r in ok)
print("clients %d, %.1f s: %d requests answered 200 (%d images), %d answered 429, %d other%s"
      % (clients, wall, len(ok), images, sum(1 for r in results if r[0] == 429), len(other), (" " + str(other)) if other else ""))
if lat:
    print("latency: median %.2f s, p90 %.2f s, max %.2f s" % (statistics.median(lat), lat[int(0.9 * (len(lat) - 1))], lat[-1]))
print("IMAGES_PER_S %.2f" % (images / wall))
h = json.load(urllib.request.urlopen(base + "/health"))
print("# server /health: %s" % json.dumps(h))
PY
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
