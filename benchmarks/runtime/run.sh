#!/usr/bin/env bash
# Runtime connection gateway benchmarks, in one run against a fresh Release server (SQLite, fresh data dir):
#   1. output event ingest: R runtimes publishing batches of 100 log events, each batch durable before it is accepted;
#   2. idle runtimes: N attached runtimes holding their connections (heartbeats on schedule), with the server's
#      resident memory per connection.
# Usage: benchmarks/runtime/run.sh [--no-build] [--ingest-runtimes 4] [--batches 1000] [--idle 10000] [--hold 30]
#   --idle 0 skips the idle-runtime measurement.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=1; ingest_runtimes=4; batches=1000; idle=10000; hold=30
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --ingest-runtimes) ingest_runtimes=$2; shift 2 ;;
    --batches) batches=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --hold) hold=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [ "$build" = 1 ]; then
  dotnet build "$root/src/AgentService.Server" -c Release -nologo -v q >/dev/null
  dotnet build "$here/RuntimeLoad" -c Release -nologo -v q >/dev/null
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
tmp=$(mktemp -d); server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
cat >"$tmp/agents.json" <<'JSON'
{"agents": [{"id": "echo", "default": true}, {"id": "load", "runtime": {"mode": "worker"}}]}
JSON
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dotnet "$root/src/AgentService.Server/bin/Release/net10.0/AgentService.Server.dll" --urls "http://127.0.0.1:$port" \
  --data-dir "$tmp/data" --agents "$tmp/agents.json" --Logging:LogLevel:Default=Warning >"$tmp/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
load="$here/RuntimeLoad/bin/Release/net10.0/RuntimeLoad.dll"
echo "== output event ingest ($ingest_runtimes runtimes x $batches batches of 100), after an unmeasured warm-up round"
dotnet "$load" ingest "http://127.0.0.1:$port" load "$ingest_runtimes" 100 100 >/dev/null
dotnet "$load" ingest "http://127.0.0.1:$port" load "$ingest_runtimes" "$batches" 100 "$server"
if [ "$idle" -gt 0 ]; then
  echo "== $idle idle runtimes held $hold s"
  dotnet "$load" idle "http://127.0.0.1:$port" load "$idle" "$server" "$hold"
fi
