#!/usr/bin/env bash
# Starts a throwaway PostgreSQL (Debian's postgresql package) for the tests and
# `npm run cluster`, and prints the line to export its URL:
#
#   eval "$(deploy/dev-postgres.sh)"      # sets STAGEBOARD_TEST_DATABASE_URL
#   export DATABASE_URL=$STAGEBOARD_TEST_DATABASE_URL   # for npm run cluster
#   deploy/dev-postgres.sh stop
#
# It runs initdb + pg_ctl in its own folder on its own port (PGPORT, default
# 55432), as the postgres user when run as root (PostgreSQL refuses root), so it
# never touches the system cluster on 5432. Trust auth on 127.0.0.1 only.
set -euo pipefail
PORT="${PGPORT:-55432}"
DIR="${STAGEBOARD_PG_DIR:-/tmp/stageboard-pg-$PORT}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -n "$BIN" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ "${1:-start}" = stop ]; then
  as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast stop >&2 || true
  exit 0
fi

if ! as_pg "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
  mkdir -p "$DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$DIR"
  [ -f "$DIR/data/PG_VERSION" ] || as_pg "$BIN/initdb" -D "$DIR/data" -A trust -U postgres >/dev/null
  as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w \
    -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >&2
fi
URL="postgres://postgres@127.0.0.1:$PORT/postgres"
echo "export STAGEBOARD_TEST_DATABASE_URL=$URL"
