#!/usr/bin/env bash
# PostgreSQL vs SQLite, one node and two nodes, in one run: POST /tasks and POST step (built-in echo agent, every
# write durable before the reply on both stores), and the step round trip through a runtime process (the EchoAgent
# sample launched by the service: POST step -> delivery -> runtime -> step.finished -> reply; with two nodes the
# steps are posted on both nodes for runs whose runtime is attached to one of them). Usage:
#   benchmarks/postgres/run.sh [--no-build] [--duration N] [--connections N]
# Needs the postgresql package (a throwaway cluster is started with eng/postgres.sh), wrk and curl.
# Two nodes: two server processes on one database, each loaded by its own wrk with half the connections; the
# figure is their sum. Everything (nodes, PostgreSQL, wrk) shares this machine's cores.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
project="$root/src/AgentService.Server"
dll="$project/bin/Release/net10.0/AgentService.Server.dll"
lua="$root/benchmarks/agent-protocol/requests.lua"
build=1 duration=10 connections=10
while (($#)); do
  case "$1" in
    --no-build) build=0; shift ;;
    --duration) duration="${2:?}"; shift 2 ;;
    --connections) connections="${2:?}"; shift 2 ;;
    *) sed -n '2,8p' "$0"; exit 2 ;;
  esac
done
for tool in wrk curl python3; do command -v "$tool" >/dev/null || { echo "run.sh: $tool is required" >&2; exit 1; }; done
echo_dll="$root/samples/EchoAgent/bin/Release/net10.0/EchoAgent.dll"
((build)) && { echo "== dotnet build (Release)"; dotnet build "$project" -c Release --nologo -v quiet; dotnet build "$root/samples/EchoAgent" -c Release --nologo -v quiet; }
[[ -f "$echo_dll" ]] || { echo "run.sh: build the EchoAgent sample first ($echo_dll missing)" >&2; exit 1; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/pg-bench.XXXXXX")"
pg="$(mktemp -d "${TMPDIR:-/tmp}/pg-bench-cluster.XXXXXX")"   # its own directory: the postgres user must reach it
cleanup() {
  stop_nodes
  "$root/eng/postgres.sh" stop "$pg" || true
  rm -rf "$tmp" "$pg"
}
trap cleanup EXIT
printf '{"agents":[{"id":"echo","default":true},{"id":"rt","runtime":{"command":"dotnet","args":["%s"]}}]}\n' "$echo_dll" >"$tmp/agents.json"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_node NAME ARGS...: starts a server, waits for /readyz, prints its base URL.
start_node() {
  local name="$1"; shift
  local port; port="$(free_port)"
  mkdir -p "$tmp/$name"
  # The agents file: 'echo' is the built-in in-process echo (steps), 'rt' the EchoAgent runtime process (rtsteps).
  dotnet "$dll" --urls "http://127.0.0.1:$port" --data-dir "$tmp/$name" --agents "$tmp/agents.json" "$@" >"$tmp/$name.log" 2>&1 &
  echo "$!" >"$tmp/$name.pid"   # start_node runs in $(...), a subshell: the pid goes through a file
  for _ in $(seq 600); do
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz" || true)" == 200 ]] && { echo "http://127.0.0.1:$port"; return; }
    sleep 0.1
  done
  echo "run.sh: $name did not become ready; its log:" >&2; cat "$tmp/$name.log" >&2; exit 1
}

stop_nodes() {
  local files=("$tmp"/*.pid) pid
  [[ -e "${files[0]}" ]] || return 0
  for f in "${files[@]}"; do kill "$(cat "$f")" 2>/dev/null || true; done
  for f in "${files[@]}"; do
    pid="$(cat "$f")"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    rm -f "$f"
  done
}

# load CONNECTIONS URL METHOD PATH...: one wrk run; prints "req/s p99ms".
load() {
  local conns="$1" url="$2"; shift 2
  wrk -t1 -c"$conns" -d"${duration}s" --latency -s "$lua" "$url" -- "$@" 2>&1 | python3 -c '
import re, sys
text = sys.stdin.read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
m = re.search(r"99%\s+([\d.]+)(us|ms|s)", text)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
print(f"{rps:.0f} {p99:.2f}")'
}

# measure LABEL URL...: POST /tasks and POST step over 5 tasks, the load split across the given nodes; then POST step
# of the runtime agent over 5 tasks created on the first node, posted on every node.
measure() {
  local label="$1"; shift
  local urls=("$@") n=${#@}
  local per=$(( connections / n ))
  local steps=() rt=()
  for url in "${urls[@]}"; do
    local paths=()
    for _ in 1 2 3 4 5; do
      local id; id="$(curl -s -X POST -H 'Content-Type: application/json' -d '{"input":"x"}' "$url/ap/v1/agent/tasks" | python3 -c 'import json,sys; print(json.load(sys.stdin)["task_id"])')"
      paths+=("/ap/v1/agent/tasks/$id/steps")
    done
    steps+=("${paths[*]}")
  done
  for _ in 1 2 3 4 5; do
    local id; id="$(curl -s -X POST -H 'Content-Type: application/json' -d '{"input":"x"}' "${urls[0]}/agents/rt/ap/v1/agent/tasks" | python3 -c 'import json,sys; print(json.load(sys.stdin)["task_id"])')"
    # Warm-up: the first step launches the run's runtime process.
    curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"input":"warm"}' "${urls[0]}/agents/rt/ap/v1/agent/tasks/$id/steps"
    rt+=("/agents/rt/ap/v1/agent/tasks/$id/steps")
  done
  for workload in tasks steps rtsteps; do
    local outs=() i=0
    for url in "${urls[@]}"; do
      if [[ $workload == tasks ]]; then
        load "$per" "$url" POST /ap/v1/agent/tasks >"$tmp/out.$i" &
      elif [[ $workload == steps ]]; then
        # shellcheck disable=SC2086
        load "$per" "$url" POST ${steps[$i]} >"$tmp/out.$i" &
      else
        load "$per" "$url" POST "${rt[@]}" >"$tmp/out.$i" &
      fi
      outs+=("$tmp/out.$i"); i=$((i + 1))
    done
    wait
    local total=0 worst=0
    for f in "${outs[@]}"; do
      read -r rps p99 <"$f"
      total=$((total + rps))
      worst=$(python3 -c "print(max($worst, $p99))")
    done
    echo "$label $workload $total $worst" >>"$tmp/results"
    printf '   %-22s %-7s %8s req/s  p99 %s ms\n' "$label" "$workload" "$total" "$worst"
  done
}

echo "== SQLite, one node"
url="$(start_node sqlite)"
measure "sqlite-1-node" "$url"
stop_nodes

echo "== PostgreSQL cluster"
admin="$("$root/eng/postgres.sh" start "$pg")"
port="$(sed -E 's/.*Port=([0-9]+).*/\1/' <<<"$admin")"
for db in one two; do
  runuser -u postgres -- psql -h 127.0.0.1 -p "$port" -U postgres -q -c "CREATE DATABASE bench_$db" 2>/dev/null \
    || psql -h 127.0.0.1 -p "$port" -U postgres -q -c "CREATE DATABASE bench_$db"
done

# Nodes on one database share the key that encrypts secrets (docs/deploy.md).
key="$(python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')"

echo "== PostgreSQL, one node"
url="$(start_node pg1 --AgentService:Storage:Postgres="$admin;Database=bench_one" --AgentService:Security:SecretKey="$key")"
measure "postgres-1-node" "$url"
stop_nodes

echo "== PostgreSQL, two nodes on one database"
url_a="$(start_node pg2a --AgentService:Storage:Postgres="$admin;Database=bench_two" --AgentService:Security:SecretKey="$key")"
url_b="$(start_node pg2b --AgentService:Storage:Postgres="$admin;Database=bench_two" --AgentService:Security:SecretKey="$key")"
measure "postgres-2-nodes" "$url_a" "$url_b"
stop_nodes

echo
python3 - "$tmp/results" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    label, workload, rps, p99 = line.split()
    rows[(label, workload)] = (int(rps), float(p99))
print("store / nodes      | POST /tasks req/s | p99 ms | POST step req/s | p99 ms | runtime step req/s | p99 ms | tasks / steps / runtime steps vs SQLite")
print("-------------------|-------------------|--------|-----------------|--------|--------------------|--------|----------------------------------------")
base = {w: rows[("sqlite-1-node", w)][0] for w in ("tasks", "steps", "rtsteps")}
for label in ("sqlite-1-node", "postgres-1-node", "postgres-2-nodes"):
    t, tp = rows[(label, "tasks")]
    s, sp = rows[(label, "steps")]
    r, rp = rows[(label, "rtsteps")]
    print(f"{label:<18} | {t:>17} | {tp:>6.2f} | {s:>15} | {sp:>6.2f} | {r:>18} | {rp:>6.2f} | "
          f"{t / base['tasks']:.2f} / {s / base['steps']:.2f} / {r / base['rtsteps']:.2f}")
PY
