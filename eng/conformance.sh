#!/usr/bin/env bash
# Runs the official Agent Protocol conformance suite (a Postman collection, with newman) against the real server as it
# starts with no setup: the built server on a free loopback port with a fresh data directory and no agents file, so
# the default agent 'echo' is the EchoAgent runtime process the service launches. Writes newman's JSON report to $1.
# Usage: eng/conformance.sh REPORT.json [CONFIGURATION]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
report=${1:?usage: eng/conformance.sh REPORT.json [Configuration]}
configuration=${2:-Release}
collection=${AGENTSERVICE_CONFORMANCE:-$root/../shared/conformance/agent-protocol/agent_protocol_v1.loopback.json}
server_dll=$root/src/AgentService.Server/bin/$configuration/net10.0/AgentService.Server.dll
echo_dll=$root/src/AgentService.Server/bin/$configuration/net10.0/agents/echo/EchoAgent.dll
newman=$root/eng/tools/node_modules/.bin/newman

[ -f "$collection" ] || { echo "conformance: collection not found: $collection" >&2; exit 2; }
[ -f "$server_dll" ] || { echo "conformance: build the server first ($server_dll missing)" >&2; exit 2; }
[ -f "$echo_dll" ] || { echo "conformance: the server build has no EchoAgent runtime ($echo_dll missing); build the server again" >&2; exit 2; }
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

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dotnet "$server_dll" --urls "http://127.0.0.1:$port" --data-dir "$work/data" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/readyz" > /dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { echo "conformance: server exited:" >&2; cat "$work/server.log" >&2; exit 1; }
  sleep 0.2
done

# The suite must test the default agent as a process, not the built-in echo the server falls back to without it.
if ! grep -q "runs as a runtime process" "$work/server.log"; then
  echo "conformance: the default agent did not start as the EchoAgent runtime process:" >&2
  cat "$work/server.log" >&2
  exit 1
fi

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
