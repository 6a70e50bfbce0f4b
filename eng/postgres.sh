#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, on a free loopback port.
#   eng/postgres.sh start DIR   initdb + pg_ctl start in DIR; prints the admin connection string
#   eng/postgres.sh stop DIR    stops it (the caller deletes DIR)
# Runs the server as the 'postgres' user when invoked as root (initdb refuses to run as root).
set -euo pipefail
action=${1:?usage: eng/postgres.sh start|stop DIR}
dir=${2:?usage: eng/postgres.sh start|stop DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] && [ -x "$bin/initdb" ] || { echo "postgres: initdb not found (apt-get install postgresql)" >&2; exit 2; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$action" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync > "$dir/initdb.log" 2>&1
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=128MB" start > /dev/null
    echo "Host=127.0.0.1;Port=$port;Username=postgres;Maximum Pool Size=50"
    ;;
  stop)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop > /dev/null 2>&1 || true
    ;;
  *)
    echo "usage: eng/postgres.sh start|stop DIR" >&2
    exit 2
    ;;
esac
