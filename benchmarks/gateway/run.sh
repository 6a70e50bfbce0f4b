#!/usr/bin/env bash
# Gateway benchmark: send -> webhook delivered vs. posting the same body straight to the same receiver.
# See README.md. Usage:
#   benchmarks/gateway/run.sh [--no-build] [--duration N] [--warmup N] [--connections N] [--out FILE]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
project="$root/src/AgentService.Server"
dll="$project/bin/Release/net10.0/AgentService.Server.dll"

build=1
duration=10
warmup=10
connections=10
out="$here/results/latest.json"

usage() { sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while (($#)); do
  case "$1" in
    --no-build) build=0; shift ;;
    --duration) duration="${2:?}"; shift 2 ;;
    --warmup) warmup="${2:?}"; shift 2 ;;
    --connections) connections="${2:?}"; shift 2 ;;
    --out) out="${2:?}"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "run.sh: unknown option $1" >&2; usage 2 >&2 ;;
  esac
done

for tool in dotnet node curl python3; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is required" >&2; exit 1; }
done
# wrk (Debian package) is the load generator; install it when missing.
if ! command -v wrk >/dev/null; then
  echo "== apt-get install wrk"
  sudo=""; if ((EUID)); then sudo=sudo; fi
  $sudo apt-get install -y -q wrk || { $sudo apt-get update -q && $sudo apt-get install -y -q wrk; } ||
    { echo "run.sh: could not install wrk" >&2; exit 1; }
fi

if ((build)); then
  echo "== dotnet build (Release)"
  dotnet build "$project" -c Release --nologo -v quiet
fi
[[ -f "$dll" ]] || { echo "run.sh: $dll not found (build first or drop --no-build)" >&2; exit 1; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/gateway-bench.XXXXXX")"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# wait_ready NAME PID URL LOG: poll URL until 200, failing if the process dies or 60 s pass.
wait_ready() {
  local name="$1" pid="$2" url="$3" log="$4"
  for _ in $(seq 600); do
    kill -0 "$pid" 2>/dev/null || { echo "run.sh: $name exited during start-up; its log:" >&2; cat "$log" >&2; exit 1; }
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "$url" || true)" == 200 ]] && return
    sleep 0.1
  done
  echo "run.sh: $name not ready after 60 s; its log:" >&2; cat "$log" >&2; exit 1
}

receiver_port="$(free_port)"
node "$here/receiver.js" "$receiver_port" "$tmp/receiver.log.jsonl" >"$tmp/receiver.log" 2>&1 &
pids+=("$!")
wait_ready receiver "$!" "http://127.0.0.1:$receiver_port/stats" "$tmp/receiver.log"

server_port="$(free_port)"
gateway="http://127.0.0.1:$server_port"
dotnet "$dll" --urls "$gateway" --data-dir "$tmp/data" --Logging:LogLevel:Default=Warning >"$tmp/server.log" 2>&1 &
pids+=("$!")
wait_ready server "$!" "$gateway/healthz" "$tmp/server.log"
echo "== receiver on 127.0.0.1:$receiver_port, gateway on 127.0.0.1:$server_port (data dir $tmp/data)"

for kind in plain durable; do
  curl -sf -X POST "$gateway/gateway/register" -H 'Content-Type: application/json' \
    -d "{\"agent_id\":\"bench-$kind\",\"agent_name\":\"bench $kind\",\"agent_type\":\"bench\",\"webhook_url\":\"http://127.0.0.1:$receiver_port/$kind\"}" >/dev/null
  printf '{"from_agent_id":"bench-sender","to_agent_id":"bench-%s","content":[{"type":"text","text":"Hello from the gateway benchmark"}],"metadata":{"run":1}}' \
    "$kind" >"$tmp/send-$kind.json"
done

stats() { curl -sf "http://127.0.0.1:$receiver_port/stats"; }
count() { stats | python3 -c "import json,sys; print(json.load(sys.stdin)['$1']['count'])"; }

# load NAME URL BODY_FILE SECONDS: one wrk run with $connections connections; appends its JSON line to results.
load() {
  local name="$1" url="$2" body="$3" seconds="$4"
  BODY_FILE="$body" wrk -t2 -c"$connections" -d"${seconds}s" --timeout 30s -s "$here/post.lua" "$url" | tail -n 1 \
    | python3 -c "import json,sys; r=json.load(sys.stdin); r['name']='$name'; print(json.dumps(r))" >>"$tmp/results.jsonl"
}

: >"$tmp/results.jsonl"
for kind in plain durable; do
  # Warm-up (JIT tiering, connection pools), then the measured run through the gateway.
  echo "== $kind receiver: warm-up ${warmup}s, then gateway send for ${duration}s"
  if ((warmup > 0)); then load "warmup" "$gateway/gateway/send" "$tmp/send-$kind.json" "$warmup"; fi
  before="$(count "$kind")"
  load "gateway-$kind" "$gateway/gateway/send" "$tmp/send-$kind.json" "$duration"
  sleep 1
  after="$(count "$kind")"
  echo "$((after - before))" >"$tmp/delivered-$kind"
  # The body the gateway pushed, posted straight to the same receiver endpoint.
  stats | python3 -c "import json,sys; sys.stdout.write(json.load(sys.stdin)['$kind']['last'])" >"$tmp/push-$kind.json"
  echo "== $kind receiver: direct post of the same body for ${duration}s"
  if ((warmup > 0)); then load "warmup" "http://127.0.0.1:$receiver_port/$kind" "$tmp/push-$kind.json" 3; fi
  load "direct-$kind" "http://127.0.0.1:$receiver_port/$kind" "$tmp/push-$kind.json" "$duration"
done

mkdir -p "$(dirname "$out")"
python3 - "$tmp" "$out" "$connections" "$duration" <<'PY'
import json, os, sys
tmp, out, connections, duration = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
runs = {}
for line in open(os.path.join(tmp, "results.jsonl")):
    r = json.loads(line)
    if r["name"] == "warmup":
        continue
    errors = r["non2xx"] + r["connect_errors"] + r["read_errors"] + r["write_errors"] + r["timeouts"]
    r["ok"] = r["requests"] - r["non2xx"]
    r["per_second"] = r["ok"] / (r["duration_us"] / 1e6)
    r["errors"] = errors
    runs[r["name"]] = r
problems = []
rows = []
result = {"connections": connections, "duration_s": duration, "cpus": os.cpu_count(), "scenarios": {}}
for kind in ("plain", "durable"):
    g, d = runs[f"gateway-{kind}"], runs[f"direct-{kind}"]
    delivered = int(open(os.path.join(tmp, f"delivered-{kind}")).read())
    ratio = g["per_second"] / d["per_second"]
    for r in (g, d):
        if r["errors"]:
            problems.append(f"{r['name']}: {r['errors']} errors / non-2xx")
    # Every send answered 'sent' was pushed first; pushes still in flight when wrk stopped add to the count.
    if delivered < g["ok"]:
        problems.append(f"gateway-{kind}: {g['ok']} sends answered but only {delivered} pushes received")
    result["scenarios"][kind] = {"gateway": g, "direct": d, "pushes_received": delivered, "ratio": ratio}
    rows.append((kind, g, d, ratio, delivered))
result["problems"] = problems
json.dump(result, open(out, "w"), indent=2)

print()
print(f"{connections} concurrent senders, {duration} s each, {os.cpu_count()} CPUs shared by wrk, the gateway and the receiver")
print("receiver | gateway send->delivered msg/s | p50 ms | p99 ms | direct post msg/s | p50 ms | p99 ms | gateway/direct")
print("---------|-------------------------------|--------|--------|-------------------|--------|--------|---------------")
for kind, g, d, ratio, delivered in rows:
    print(f"{kind:8} | {g['per_second']:29.0f} | {g['p50_us']/1000:6.2f} | {g['p99_us']/1000:6.2f} | {d['per_second']:17.0f} | "
          f"{d['p50_us']/1000:6.2f} | {d['p99_us']/1000:6.2f} | {ratio:14.2f}")
for kind, g, d, ratio, delivered in rows:
    print(f"{kind}: {g['ok']} sends answered 'sent', {delivered} pushes received by the receiver")
print(f"results: {out}")
if problems:
    print("RESULTS ARE NOT CLEAN:\n  " + "\n  ".join(problems))
    sys.exit(3)
PY
