#!/usr/bin/env bash
# Runs the official Agent Protocol conformance suite (a Postman collection, with newman) against the real server:
# the built server on a free loopback port with a fresh data directory. Writes newman's JSON report to $1.
# Usage: eng/conformance.sh REPORT.json [CONFIGURATION]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
report=${1:?usage: eng/conformance.sh REPORT.json [Configuration]}
configuration=${2:-Release}
collection=${AGENTSERVICE_CONFORMANCE:-$root/../shared/conformance/agent-protocol/agent_protocol_v1.loopback.json}
server_dll=$root/src/AgentService.Server/bin/$configuration/net10.0/AgentService.Server.dll
echo_dll=$root/samples/EchoAgent/bin/$configuration/net10.0/EchoAgent.dll
newman=$root/eng/tools/node_modules/.bin/newman

[ -f "$collection" ] || { echo "conformance: collection not found: $collection" >&2; exit 2; }
[ -f "$server_dll" ] || { echo "conformance: build the server first ($server_dll missing)" >&2; exit 2; }
[ -f "$echo_dll" ] || { echo "conformance: build the EchoAgent sample first ($echo_dll missing)" >&2; exit 2; }
if [ ! -x "$newman" ]; then
  (cd "$root/eng/tools" && npm ci --no-audit --no-fund --silent)
fi

work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The default agent runs as a real runtime process: the EchoAgent sample over the runtime connection protocol.
cat > "$work/agents.json" <<JSON
{"agents": [{"id": "echo", "name": "Echo", "default": true, "runtime": {"command": "dotnet", "args": ["$echo_dll"]}}]}
JSON
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dotnet "$server_dll" --urls "http://127.0.0.1:$port" --data-dir "$work/data" --agents "$work/agents.json" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/readyz" > /dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { echo "conformance: server exited:" >&2; cat "$work/server.log" >&2; exit 1; }
  sleep 0.2
done

# The "Upload Artifact" request sends test_output.txt from newman's working directory.
mkdir -p "$work/files"
printf 'Washington\n' > "$work/files/test_output.txt"
status=0
"$newman" run "$collection" --env-var "url=http://127.0.0.1:$port" --working-dir "$work/files" \
  --reporters cli,json --reporter-json-export "$report" --color off || status=$?
if [ "$status" -ne 0 ]; then
  echo "conformance: newman exited $status; server log:" >&2
  tail -50 "$work/server.log" >&2
fi
exit "$status"
