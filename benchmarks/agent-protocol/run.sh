#!/usr/bin/env bash
# Benchmark AgentService against the agent-protocol 1.0.5 reference server.
# See README.md. Usage:
#   benchmarks/agent-protocol/run.sh [--no-build] [--duration N] [--warmup N]
#       [--tasks N] [--only ours|reference] [--out FILE] [--runtime] [--step-tasks N] [--step-warmup N]
#   --step-tasks N: the POST step load goes round-robin over N tasks (default 5)
#   --step-warmup N: seconds of POST step load before it is measured (default: --warmup; 20 with --runtime, so the
#              lazily launched runtime processes have started and JIT-compiled their hot paths)
#   --runtime: our default agent runs as a runtime process (the EchoAgent sample over the runtime connection
#              protocol) instead of the built-in in-process echo: POST step is then the full round trip
#              POST step -> delivery -> runtime -> step.finished -> reply.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
project="$root/src/AgentService.Server"
dll="$project/bin/Release/net10.0/AgentService.Server.dll"

build=1
only=""
runtime=0
step_tasks=5
step_warmup=""
duration=10
warmup=2
tasks=50000
out="$here/results/latest.json"

usage() { sed -n '2,/^[^#]/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while (($#)); do
  case "$1" in
    --no-build) build=0; shift ;;
    --duration) duration="${2:?}"; shift 2 ;;
    --warmup) warmup="${2:?}"; shift 2 ;;
    --tasks) tasks="${2:?}"; shift 2 ;;
    --only) only="${2:?}"; shift 2 ;;
    --out) out="${2:?}"; shift 2 ;;
    --runtime) runtime=1; shift ;;
    --step-tasks) step_tasks="${2:?}"; shift 2 ;;
    --step-warmup) step_warmup="${2:?}"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "run.sh: unknown option $1" >&2; usage 2 >&2 ;;
  esac
done
case "$only" in ""|ours|reference) ;; *) echo "run.sh: --only must be ours or reference" >&2; exit 2 ;; esac
want() { [[ -z "$only" || "$only" == "$1" ]]; }

for tool in node npm curl; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is required" >&2; exit 1; }
done

# wrk (Debian package) is the load generator; install it when missing.
if ! command -v wrk >/dev/null; then
  echo "== apt-get install wrk"
  sudo=""; if ((EUID)); then sudo=sudo; fi
  $sudo apt-get install -y -q wrk || { $sudo apt-get update -q && $sudo apt-get install -y -q wrk; } ||
    { echo "run.sh: could not install wrk" >&2; exit 1; }
fi

if want ours; then
  command -v dotnet >/dev/null || { echo "run.sh: dotnet is required" >&2; exit 1; }
  if ((build)); then
    echo "== dotnet build (Release)"
    dotnet build "$project" -c Release --nologo -v quiet
  fi
  [[ -f "$dll" ]] || { echo "run.sh: $dll not found (build first or drop --no-build)" >&2; exit 1; }
fi

# Install the pinned reference server and autocannon (bulk loading) when missing or stale.
if [[ ! -f "$here/node_modules/.package-lock.json" || "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]]; then
  echo "== npm ci"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/agent-protocol-bench.XXXXXX")"
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Asks the kernel for a free loopback port (tiny race window, fine for a benchmark).
free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# wait_ready NAME PID URL LOG: poll URL until 200, failing if the server dies or 60 s pass.
wait_ready() {
  local name="$1" pid="$2" url="$3" log="$4"
  for _ in $(seq 600); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "run.sh: $name exited during start-up; its log:" >&2; cat "$log" >&2; exit 1
    fi
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "$url" || true)" == 200 ]] && { echo "   $name ready at $url"; return; }
    sleep 0.1
  done
  echo "run.sh: $name not ready after 60 s; its log:" >&2; cat "$log" >&2; exit 1
}

targets=()
# The reference is benchmarked first: an idle node process does no background
# work, so it cannot disturb the later measurement of ours (2 cores only).
if want reference; then
  port="$(free_port)"
  echo "== starting reference (agent-protocol 1.0.5) on 127.0.0.1:$port"
  node "$here/reference/server.js" "$port" "$tmp/reference-workspace" >"$tmp/reference.log" 2>&1 &
  pids+=("$!")
  wait_ready reference "$!" "http://127.0.0.1:$port/ap/v1/agent/tasks" "$tmp/reference.log"
  targets+=(--target "reference=http://127.0.0.1:$port")
fi

if want ours; then
  port="$(free_port)"
  mkdir -p "$tmp/ours-data"
  echo "== starting ours on 127.0.0.1:$port (data dir $tmp/ours-data)"
  # The built-in in-process echo (the server's default agent is the EchoAgent runtime process, measured with --runtime).
  agent_args=(--AgentService:DefaultAgent=builtin)
  if [ "${runtime:-0}" = 1 ]; then
    echo_dll="$root/samples/EchoAgent/bin/Release/net10.0/EchoAgent.dll"
    [ -f "$echo_dll" ] || dotnet build "$root/samples/EchoAgent" -c Release -nologo -v q >/dev/null
    printf '{"agents":[{"id":"echo","default":true,"runtime":{"command":"dotnet","args":["%s"]}}]}\n' "$echo_dll" >"$tmp/agents.json"
    agent_args=(--agents "$tmp/agents.json")
  fi
  dotnet "$dll" --urls "http://127.0.0.1:$port" --data-dir "$tmp/ours-data" "${agent_args[@]}" >"$tmp/ours.log" 2>&1 &
  pids+=("$!")
  wait_ready ours "$!" "http://127.0.0.1:$port/healthz" "$tmp/ours.log"
  targets+=(--target "ours=http://127.0.0.1:$port")
fi
if [[ -z "$step_warmup" ]]; then
  if ((runtime)); then step_warmup=20; else step_warmup="$warmup"; fi
fi
status=0
node "$here/bench.js" "${targets[@]}" --duration "$duration" --warmup "$warmup" --step-warmup "$step_warmup" \
  --tasks "$tasks" --step-tasks "$step_tasks" --out "$out" || status=$?
if ((status)); then
  for log in "$tmp"/*.log; do echo "== last lines of $(basename "$log")"; tail -n 20 "$log"; done
fi
exit "$status"
