#!/usr/bin/env bash
# The one command that runs every test:
#   ./test.sh            restore, verify formatting, build Release with warnings as errors, run all test projects,
#                        a smoke run of the benchmarks (each once: they still run), then the official
#                        Agent Protocol conformance suite against the real server, and print 'N passed, N failed'.
# The functional tests run twice: on SQLite and on PostgreSQL; the multi-node tests (Storage=PostgresOnly) in the
# PostgreSQL pass only. Without AGENTSERVICE_TEST_POSTGRES (an admin
# connection string) the script starts a throwaway PostgreSQL cluster itself (needs the postgresql package).
# Needs the .NET 10 SDK, node/npm (for newman) and python3. Results land in artifacts/test-results/.
set -uo pipefail
cd "$(dirname "$0")"
root=$PWD
results=$root/artifacts/test-results
rm -rf "$results"
mkdir -p "$results"
configuration=Release
# Every error the in-process servers of the tests log, with its whole text; printed when a test fails.
export AGENTSERVICE_TEST_ERROR_LOG=$results/server-errors.log

step() { printf '\n== %s\n' "$*"; }

step "restore and build ($configuration, warnings as errors)"
dotnet restore AgentService.slnx || exit 1
# Formatting: code style is enforced by the build (EnforceCodeStyleInBuild); whitespace and layout are checked here.
dotnet format whitespace AgentService.slnx --verify-no-changes || { echo "run 'dotnet format whitespace AgentService.slnx' to fix the layout above" >&2; exit 1; }
dotnet build AgentService.slnx -c "$configuration" --no-restore -warnaserror -nologo -clp:ErrorsOnly || exit 1

step "server published with the native EchoAgent (-p:EchoAgentAot=true), for the test that runs it"
# Native AOT needs a C toolchain (clang or gcc); without it that test is skipped, except in CI.
native_server=$root/artifacts/native-server
rm -rf "$native_server"
if dotnet publish src/AgentService.Server -c "$configuration" -p:EchoAgentAot=true -nologo -clp:ErrorsOnly -o "$native_server" >"$results/native-server.log" 2>&1; then
  export AGENTSERVICE_TEST_NATIVE_SERVER=$native_server
else
  tail -n 30 "$results/native-server.log" >&2
  if [ "${CI:-}" = "true" ]; then
    echo "the server with the native EchoAgent could not be published: its test cannot be skipped in CI" >&2
    native_status=1
  else
    echo "SKIPPED: the native EchoAgent test (the publish above failed)" >&2
  fi
fi

step "test projects"
test_status=${native_status:-0}
# (The multi-node tests need PostgreSQL: they run in the PostgreSQL pass below.)
dotnet test AgentService.slnx -c "$configuration" --no-build --nologo \
  --filter "Storage!=PostgresOnly" \
  --logger "trx" --results-directory "$results" \
  --blame-hang --blame-hang-timeout 10m || test_status=$?

step "functional tests on PostgreSQL"
pg_dir=
if [ -z "${AGENTSERVICE_TEST_POSTGRES:-}" ] && pg_dir=$(mktemp -d) && AGENTSERVICE_TEST_POSTGRES=$(eng/postgres.sh start "$pg_dir"); then
  export AGENTSERVICE_TEST_POSTGRES
  trap 'eng/postgres.sh stop "$pg_dir"; rm -rf "$pg_dir"' EXIT
fi
if [ -n "${AGENTSERVICE_TEST_POSTGRES:-}" ]; then
  AGENTSERVICE_TEST_STORAGE=postgres dotnet test tests/AgentService.FunctionalTests -c "$configuration" --no-build --nologo \
    --filter "Storage!=SqliteOnly" \
    --logger "trx;LogFilePrefix=postgres" --results-directory "$results/postgres" \
    --blame-hang --blame-hang-timeout 10m || test_status=$?
elif [ "${CI:-}" = "true" ]; then
  echo "PostgreSQL is not available: the PostgreSQL run cannot be skipped in CI" >&2
  test_status=1
else
  echo "SKIPPED: the PostgreSQL run (install the postgresql package, or set AGENTSERVICE_TEST_POSTGRES)" >&2
fi

step "benchmark smoke run (each benchmark once, to prove it still runs; its figures mean nothing)"
# One line per benchmark, "passed NAME" or "failed NAME", counted in the summary.
smoke_report=$results/benchmark-smoke.txt
: >"$smoke_report"
smoke() {
  local name=$1; shift
  if "$@" >"$results/benchmark-$name.log" 2>&1; then
    echo "passed $name" >>"$smoke_report"
  else
    echo "failed $name" >>"$smoke_report"
    echo "benchmark $name failed; the end of its output ($results/benchmark-$name.log):" >&2
    tail -n 30 "$results/benchmark-$name.log" >&2
  fi
}
smoke micro dotnet run -c "$configuration" --no-build --project benchmarks/AgentService.Benchmarks -- \
  --smoke --artifacts "$results/benchmarkdotnet"
smoke runtime-load benchmarks/runtime/run.sh --no-build --ingest-runtimes 2 --batches 20 --idle 100 --hold 2
if [ -n "${AGENTSERVICE_TEST_NATIVE_SERVER:-}" ]; then
  smoke runtime-start benchmarks/runtime-start/run.sh --no-build --tasks 1
fi

step "Agent Protocol conformance suite (newman)"
conformance_status=0
eng/conformance.sh "$results/conformance.json" "$configuration" || conformance_status=$?

if [ "$test_status" -ne 0 ] && [ -s "$AGENTSERVICE_TEST_ERROR_LOG" ]; then
  step "server errors logged during the tests (last 150 lines; all in $AGENTSERVICE_TEST_ERROR_LOG)"
  tail -n 150 "$AGENTSERVICE_TEST_ERROR_LOG"
fi

step "summary"
python3 eng/count-results.py "$results" "$results/conformance.json" "$smoke_report"
summary_status=$?
if [ "$test_status" -ne 0 ] || [ "$conformance_status" -ne 0 ] || [ "$summary_status" -ne 0 ]; then
  exit 1
fi
