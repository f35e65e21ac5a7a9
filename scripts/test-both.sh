#!/usr/bin/env bash
# The suite twice, as `make test` runs it (issue 8):
#   1. on the embedded default: a SQLite file per test, limits and sessions in memory
#      and in the database;
#   2. on PostgreSQL and Redis, installed from Debian's packages if missing and started
#      on loopback by scripts/services.sh.
# Each run is several pytest processes (see start below) that share nothing (their own
# databases, Redis databases, ports, temporary folders and axe reports), so they run side
# by side and keep both cores of the machine busy to the end. Each line of output says
# its process.
#
# The second run checks what the engine changes, not what the browser renders: it skips
# the e2e modules that check only rendering (axe over every page state, keyboard, zoom and
# focus, the guide's pictures, page weights, the helpers' own tests), its journeys run
# without axe (E2E_AXE=off) and with JavaScript on only (-k 'not nojs': with JavaScript,
# a journey sends the server every request it sends without, plus the live checks). Its
# pages are the same HTML as the first run's; the whole suite twice would not fit the 10
# minutes of CI on two cores. TEST_PG_FULL=1 (make test-pg) runs everything on PostgreSQL.
#
#   TEST_ENGINES=sqlite      only the first run (a machine without PostgreSQL and Redis,
#                            where installing them is not possible)
#   TEST_ENGINES=postgresql  only the second
#   PYTEST_ARGS="e2e -x"     what each run tests (default: tests/ and e2e/ side by side)
set -uo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-.venv/bin}
ENGINES=${TEST_ENGINES:-sqlite postgresql}
PG_AXE=off
[ -n "${TEST_PG_FULL:-}" ] && PG_AXE=on
RENDERING_ONLY="test_accessibility_audit.py test_keyboard_zoom_focus.py test_guide_pictures.py
  test_home_and_layout.py test_e2e_helpers.py"
export CHROMIUM_PATH=${CHROMIUM_PATH:-}
started=$(date +%s)

run() {
  # run NAME [VAR=value …]: pytest with those variables; output prefixed with «[NAME]».
  local name=$1; shift
  env -u DATABASE_URL -u RATELIMIT_STORAGE_URI -u SESSION_STORE_URI "$@" \
    "$BIN/pytest" $PYTEST_PATHS 2>&1 | sed -u "s/^/[$name] /"
  return "${PIPESTATUS[0]}"
}

pids=() names=()
start() {
  # start ENGINE [VAR=value …]: the engine's run, as one process per part:
  #   tests      tests/
  #   journeys   e2e/ but the rendering-only modules (on PostgreSQL: JavaScript on, no axe)
  #   rendering  the rendering-only e2e modules (first run only)
  #   e2e        all of e2e/ (make test-pg)
  # or, with PYTEST_ARGS, one process with those arguments.
  local engine=$1; shift
  local parts="tests journeys rendering"
  # On PostgreSQL the e2e tests share one database and one Redis database: one process.
  if [ "$engine" = postgresql ]; then
    parts="tests journeys"
    [ -n "${TEST_PG_FULL:-}" ] && parts="tests e2e"
  fi
  [ -n "${PYTEST_ARGS:-}" ] && parts=all
  for part in $parts; do
    local paths label="$engine $part" extra=() addopts=${PYTEST_ADDOPTS:-}
    case $part in
      all) paths=$PYTEST_ARGS; label=$engine ;;
      tests) paths=tests ;;
      e2e) paths=e2e ;;
      journeys)
        paths=e2e
        for module in $RENDERING_ONLY; do paths+=" --ignore=e2e/$module"; done
        if [ "$engine" = postgresql ] && [ -z "${TEST_PG_FULL:-}" ]; then
          addopts+=" -k 'not nojs'"
        else
          # Its own axe report: the rendering part writes the main one.
          extra=(A11Y_REPORT_DIR="reports/accessibility$([ "$engine" = postgresql ] && echo -postgresql)/journeys")
        fi
        ;;
      rendering)
        paths=""
        for module in $RENDERING_ONLY; do paths+=" e2e/$module"; done
        ;;
    esac
    PYTEST_PATHS=$paths run "$label" "$@" "${extra[@]}" "PYTEST_ADDOPTS=$addopts" &
    pids+=($!) names+=("$label")
  done
}

# PostgreSQL and Redis first: the SQLite run's attacker test (tests/test_attack_concurrency.py)
# starts a redis-server of its own, which must be installed by then.
variables=
case " $ENGINES " in
  *" postgresql "*)
    if ! variables=$(bash scripts/services.sh); then
      echo "PostgreSQL and Redis could not be started (see above). Install them" \
           "(apt-get install postgresql redis-server) or run TEST_ENGINES=sqlite make test." >&2
      status=1
      ENGINES=${ENGINES//postgresql/}
    fi
    ;;
esac

for engine in $ENGINES; do
  case $engine in
    sqlite)
      start sqlite -u TEST_DATABASE_URL -u TEST_REDIS_URL -u E2E_DATABASE_URL -u E2E_REDIS_URL
      ;;
    postgresql)
      eval "$variables"
      start postgresql TEST_DATABASE_URL="$TEST_DATABASE_URL" TEST_REDIS_URL="$TEST_REDIS_URL" \
        E2E_DATABASE_URL="$E2E_DATABASE_URL" E2E_REDIS_URL="$E2E_REDIS_URL" \
        A11Y_REPORT_DIR=reports/accessibility-postgresql E2E_AXE="$PG_AXE"
      unset DATABASE_URL RATELIMIT_STORAGE_URI TEST_DATABASE_URL TEST_REDIS_URL \
        E2E_DATABASE_URL E2E_REDIS_URL
      ;;
    *) echo "TEST_ENGINES: sqlite and/or postgresql, not «$engine»" >&2; exit 2 ;;
  esac
done

status=${status:-0}
summary=()
for i in "${!pids[@]}"; do
  if wait "${pids[$i]}"; then
    summary+=("${names[$i]}: passed")
  else
    summary+=("${names[$i]}: FAILED")
    status=1
  fi
done
echo
echo "Whole suite, $(( $(date +%s) - started )) s:"
printf '  %s\n' "${summary[@]}"
exit $status
