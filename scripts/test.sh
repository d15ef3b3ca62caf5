#!/usr/bin/env bash
# Run the whole suite: once on SQLite (with the browser tests), once on PostgreSQL, side by side
# (two processes for two cores; the PostgreSQL pass prints when it ends).
# On a machine without PostgreSQL or Chromium the tests that need them are skipped and listed;
# with ATMP_REQUIRE_POSTGRES=1 / ATMP_REQUIRE_BROWSER=1 (as .ci/run sets) a skip is a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PG_URL=${ATMP_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test}
status=0
pg_log=$(mktemp -t atmp-test-postgres.XXXXXX)
trap 'rm -f "$pg_log"' EXIT

pg_pid=""
if $PY - "$PG_URL" <<'PYEOF' 2>/dev/null
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
PYEOF
then
  echo "== PostgreSQL ($PG_URL): unit and integration tests, in the background (printed when done)"
  ATMP_DATABASE_URL=$PG_URL $PY -m pytest -q -p no:cacheprovider -m "not browser and not slow" src tests \
    >"$pg_log" 2>&1 &
  pg_pid=$!
elif [ "${ATMP_REQUIRE_POSTGRES:-0}" = "1" ]; then
  echo "FAILED: PostgreSQL is required (ATMP_REQUIRE_POSTGRES=1) but no server answers at $PG_URL"
  status=1
else
  echo "SKIPPED: the PostgreSQL run — no server answers at $PG_URL (set ATMP_TEST_POSTGRES_URL to use another)"
fi

echo "== SQLite: every test, browser and crash tests included"
$PY -m pytest -q -p no:cacheprovider || status=1

if [ -n "$pg_pid" ]; then
  wait "$pg_pid" || pg_status=$?
  echo "== PostgreSQL ($PG_URL): unit and integration tests"
  cat "$pg_log"
  if [ "${pg_status:-0}" != "0" ]; then
    echo "FAILED: the PostgreSQL run"
    status=1
  fi
fi
exit $status
