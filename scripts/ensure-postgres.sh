#!/usr/bin/env bash
# Prints the URL of a PostgreSQL server the tests may create databases on.
# Order: $DATABASE_URL if it answers; the local switchboard role on 127.0.0.1; otherwise
# Debian's `postgresql` package is installed (apt) and its cluster started on 127.0.0.1.
# Everything it says goes to stderr; stdout carries only the URL.
set -euo pipefail

ROLE=switchboard
PASSWORD=switchboard
DB=switchboard

log() { echo "ensure-postgres: $*" >&2; }
fail() { log "$*"; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    fail "need root (or sudo) to $*; or set DATABASE_URL to a server where you may create databases"
  fi
}

answers() { command -v psql >/dev/null && psql "$1" -tAc 'select 1' >/dev/null 2>&1; }

if [ -n "${DATABASE_URL:-}" ]; then
  answers "$DATABASE_URL" || fail "DATABASE_URL is set but the server does not answer"
  log "using DATABASE_URL"
  echo "$DATABASE_URL"
  exit 0
fi

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  command -v apt-get >/dev/null || fail "no PostgreSQL server found and no apt-get; set DATABASE_URL"
  log "installing Debian's postgresql package"
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi

VERSION=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q "^$VERSION main"; then
  log "creating cluster $VERSION/main"
  as_root pg_createcluster "$VERSION" main >&2
fi
if ! pg_lsclusters -h | grep "^$VERSION main" | grep -q online; then
  log "starting cluster $VERSION/main"
  as_root pg_ctlcluster "$VERSION" main start >&2
fi
PORT=$(pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main" { print $3 }')
URL="postgres://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"

if ! answers "$URL"; then
  log "creating role and database $ROLE on port $PORT"
  psql_admin() { as_root runuser -u postgres -- psql -p "$PORT" -v ON_ERROR_STOP=1 -tAc "$1"; }
  if [ -z "$(psql_admin "select 1 from pg_roles where rolname = '$ROLE'")" ]; then
    psql_admin "create role $ROLE login createdb password '$PASSWORD'" >/dev/null
  fi
  if [ -z "$(psql_admin "select 1 from pg_database where datname = '$DB'")" ]; then
    psql_admin "create database $DB owner $ROLE" >/dev/null
  fi
  for _ in $(seq 1 30); do answers "$URL" && break; sleep 0.5; done
  answers "$URL" || fail "PostgreSQL on 127.0.0.1:$PORT does not accept $ROLE"
fi
log "PostgreSQL ready on 127.0.0.1:$PORT"
echo "$URL"
