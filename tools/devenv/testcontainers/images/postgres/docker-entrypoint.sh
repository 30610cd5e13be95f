#!/bin/bash
# The official postgres image's first-start contract, reduced to what the suites use: a cluster in PGDATA
# owned by POSTGRES_USER (a superuser) with POSTGRES_PASSWORD, POSTGRES_DB created, password login from
# anywhere. The server starts only once that is done, so a listening port means ready.
set -euo pipefail

if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi

if [ "$1" = 'postgres' ] && [ "$(id -u)" = '0' ]; then
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 0700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ "$1" = 'postgres' ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
  user="${POSTGRES_USER:-postgres}"
  database="${POSTGRES_DB:-$user}"
  initdb --username="$user" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
    --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --no-instructions >/dev/null
  printf 'host all all all scram-sha-256\n' >> "$PGDATA/pg_hba.conf"
  # A server on the socket only, for the setup; clients see nothing until the real one listens.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  if [ "$database" != 'postgres' ]; then
    # stdin, not -c: psql interpolates :"db" (a quoted identifier) only in what it reads.
    echo 'CREATE DATABASE :"db";' |
      psql -v ON_ERROR_STOP=1 --username="$user" --dbname=postgres --set=db="$database" >/dev/null
  fi
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo 'PostgreSQL init process complete; ready for start up.'
fi

if [ "$1" = 'postgres' ]; then set -- "$@" -c listen_addresses='*'; fi
exec "$@"
