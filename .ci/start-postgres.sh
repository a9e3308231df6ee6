#!/usr/bin/env bash
# Start a throwaway PostgreSQL as the postgres user (the server refuses root); print its URL.
set -euo pipefail
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
DIR=$(mktemp -d /tmp/ca-pg.XXXXXX)
PORT=55432
chown postgres "$DIR"
runuser -u postgres -- "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" \
  -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1" -w start >/dev/null
echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/postgres"
