#!/usr/bin/env bash
# Cold start of a launched runtime process: the first step of a new task (POST step -> the service launches the
# runtime -> attach -> task start and step deliveries -> step.finished -> reply), the EchoAgent as its JIT build
# (dotnet EchoAgent.dll, what 'dotnet build' makes) vs. compiled ahead of time (native AOT, what
# 'dotnet publish -p:EchoAgentAot=true' makes), one server, both agents, measured in one run, alternating.
# Also: a second step on the now-running process, and each process's resident memory after it.
# Usage: benchmarks/runtime-start/run.sh [--no-build] [--tasks 20]
# Needs: dotnet, python3, curl, and clang or gcc (native AOT links with it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=1; tasks=20
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0; shift ;;
    --tasks) tasks=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
native="$root/artifacts/native-server/agents/echo/EchoAgent"
if [ "$build" = 1 ]; then
  dotnet build "$root/src/AgentService.Server" -c Release -nologo -v q >/dev/null
  dotnet publish "$root/src/AgentService.Server" -c Release -p:EchoAgentAot=true -nologo -v q -o "$root/artifacts/native-server" >/dev/null
fi
[ -x "$native" ] || { echo "no native EchoAgent at $native: run without --no-build" >&2; exit 1; }
jit="$root/samples/EchoAgent/bin/Release/net10.0/EchoAgent.dll"
tmp=$(mktemp -d); server=
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
cat >"$tmp/agents.json" <<JSON
{"agents": [
  {"id": "jit", "default": true, "runtime": {"command": "dotnet", "args": ["$jit"]}},
  {"id": "native", "runtime": {"command": "$native"}}
]}
JSON
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dotnet "$root/src/AgentService.Server/bin/Release/net10.0/AgentService.Server.dll" --urls "http://127.0.0.1:$port" \
  --data-dir "$tmp/data" --agents "$tmp/agents.json" >"$tmp/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
python3 "$here/start.py" "http://127.0.0.1:$port" "$tasks" "$tmp/server.log"
