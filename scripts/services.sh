#!/usr/bin/env bash
# PostgreSQL and Redis on loopback, for the tests and for running the app by hand.
#   scripts/services.sh        install (Debian packages, as root) if missing, start, wait;
#                              prints the variables to export
#   scripts/services.sh stop   stop both
# Idempotent: running it again with both up only prints the variables.
set -euo pipefail

PG_PORT=${PG_PORT:-5432}
REDIS_PORT=${REDIS_PORT:-6379}
DB_USER=moncompte
DB_PASSWORD=${DB_PASSWORD:-moncompte-dev}
# Used when the machine has no Debian cluster (pg_ctlcluster) to start.
PG_FALLBACK_DIR=${PG_FALLBACK_DIR:-/tmp/moncompte-pg}

say() { echo "services.sh: $*" >&2; }

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  echo "${dir:-/usr/lib/postgresql/15/bin}"
}

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

install_missing() {
  local wanted=()
  [ -x "$(pg_bin)/postgres" ] || wanted+=(postgresql)
  command -v redis-server >/dev/null || wanted+=(redis-server)
  [ ${#wanted[@]} -eq 0 ] && return
  if [ "$(id -u)" != 0 ]; then
    say "missing ${wanted[*]}: install them (apt-get install ${wanted[*]}) or run as root"
    exit 1
  fi
  say "installing ${wanted[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${wanted[@]}" >/dev/null
}

pg_ready() { "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; }
redis_ready() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

wait_for() {
  local what=$1 check=$2
  for _ in $(seq 1 60); do
    "$check" && return 0
    sleep 0.5
  done
  say "$what does not answer"
  exit 1
}

debian_cluster() {
  # "15 main" of the newest cluster that pg_lsclusters lists, if any (PG_CLUSTER=none: use
  # the initdb one in PG_FALLBACK_DIR even so).
  [ "${PG_CLUSTER:-}" != none ] || return 1
  command -v pg_lsclusters >/dev/null || return 1
  pg_lsclusters -h 2>/dev/null | awk '{print $1, $2}' | sort -V | tail -1 | grep .
}

start_pg() {
  pg_ready && return
  local cluster
  if cluster=$(debian_cluster); then
    say "starting PostgreSQL cluster $cluster"
    # shellcheck disable=SC2086
    # (stdout too goes to stderr: stdout carries only the variables to export)
    pg_ctlcluster $cluster start -- -o "-c listen_addresses=127.0.0.1 -p $PG_PORT" >&2 \
      || pg_ctlcluster $cluster start >&2
  else
    local bin; bin=$(pg_bin)
    if [ ! -f "$PG_FALLBACK_DIR/PG_VERSION" ]; then
      say "no cluster: initdb into $PG_FALLBACK_DIR"
      mkdir -p "$PG_FALLBACK_DIR"
      chown postgres: "$PG_FALLBACK_DIR" 2>/dev/null || true
      echo postgres > "$PG_FALLBACK_DIR.pw"
      chown postgres: "$PG_FALLBACK_DIR.pw" 2>/dev/null || true
      as_postgres "$bin/initdb" -D "$PG_FALLBACK_DIR" -A scram-sha-256 -U postgres \
        --pwfile="$PG_FALLBACK_DIR.pw" >/dev/null
      rm -f "$PG_FALLBACK_DIR.pw"
    fi
    as_postgres "$bin/pg_ctl" -D "$PG_FALLBACK_DIR" -l "$PG_FALLBACK_DIR/log" -w start \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k /tmp" >/dev/null
  fi
  wait_for PostgreSQL pg_ready
}

psql_admin() {
  # As the postgres superuser: through the socket of a Debian cluster, else by TCP.
  if debian_cluster >/dev/null; then
    as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" "$@"
  else
    PGPASSWORD=postgres psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres "$@"
  fi
}

setup_pg() {
  psql_admin -d postgres <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER LOGIN PASSWORD '$DB_PASSWORD';
  ELSE
    ALTER ROLE $DB_USER LOGIN PASSWORD '$DB_PASSWORD';
  END IF;
END \$\$;
SQL
  for name in moncompte moncompte_test moncompte_e2e; do
    if [ -z "$(psql_admin -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'")" ]; then
      psql_admin -d postgres -c "CREATE DATABASE $name OWNER $DB_USER"
    fi
  done
}

start_redis() {
  redis_ready && return
  say "starting redis-server on 127.0.0.1:$REDIS_PORT"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --save '' \
    --appendonly no --dir /tmp --pidfile "/tmp/moncompte-redis-$REDIS_PORT.pid" \
    --logfile "/tmp/moncompte-redis-$REDIS_PORT.log" >/dev/null
  wait_for Redis redis_ready
}

stop_all() {
  if redis_ready; then
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    say "Redis stopped"
  fi
  if pg_ready; then
    local cluster
    if cluster=$(debian_cluster); then
      # shellcheck disable=SC2086
      pg_ctlcluster $cluster stop
    elif [ -f "$PG_FALLBACK_DIR/PG_VERSION" ]; then
      as_postgres "$(pg_bin)/pg_ctl" -D "$PG_FALLBACK_DIR" -w stop >/dev/null
    fi
    say "PostgreSQL stopped"
  fi
}

case "${1:-start}" in
  stop) stop_all ;;
  start)
    install_missing
    start_pg
    setup_pg
    start_redis
    base="postgresql+psycopg://$DB_USER:$DB_PASSWORD@127.0.0.1:$PG_PORT"
    cat <<EOF
export DATABASE_URL=$base/moncompte
export RATELIMIT_STORAGE_URI=redis://127.0.0.1:$REDIS_PORT/0
export TEST_DATABASE_URL=$base/moncompte_test
export TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/1
export E2E_DATABASE_URL=$base/moncompte_e2e
export E2E_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/2
EOF
    ;;
  *) echo "usage: $0 [start|stop]" >&2; exit 2 ;;
esac
