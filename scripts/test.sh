#!/usr/bin/env bash
# Run the whole suite: once on SQLite (with the browser, crash and concurrency tests), once on
# PostgreSQL, side by side: two processes for two cores; the PostgreSQL pass prints when it ends.
# The API fuzzing (tests/test_api_fuzz.py) is shared between them: PostgreSQL sends schemathesis's
# coverage requests, SQLite the random examples of every role (ATMP_FUZZ_SHARE); and so is the
# access contract's walk (accounts/tests/test_access_contract.py: every page and operation on both
# databases, each identity on one, ATMP_ACCESS_SHARE); and so are the tests that do not use the test
# database (pure code, subprocesses with their own database): each runs in one pass, half in each
# by a hash of its id (ATMP_NODB_SHARE, conftest.py); and so are the random searches that use the
# test database (the workflows' random walks and the other Hypothesis tests marked with
# atmp.testing.shared_search): each pass draws half of their examples from its own seed
# (ATMP_SEARCH_SHARE); without a PostgreSQL pass SQLite does all.
# On a machine without PostgreSQL or Chromium the tests that need them are skipped and listed;
# with ATMP_REQUIRE_POSTGRES=1 / ATMP_REQUIRE_BROWSER=1 (as .ci/run sets) a skip is a failure.
# Each pass lists its 40 slowest tests (what to look at when the suite outgrows its budget).
# The last lines say how each pass ended and how long it took (the suite's time and budget: docs/performance.md, "The test suite").
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PG_URL=${ATMP_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/test}
status=0
started=$SECONDS
pg_log=$(mktemp -t atmp-test-postgres.XXXXXX)
pg_pid=""
# Interrupted (Ctrl-C, a CI timeout): stop the PostgreSQL pass too, and show what it had printed.
on_exit() {
  if [ -n "$pg_pid" ] && kill -0 "$pg_pid" 2>/dev/null; then
    kill "$pg_pid" 2>/dev/null
    echo "== PostgreSQL pass interrupted; its output so far:"
    cat "$pg_log"
  fi
  rm -f "$pg_log" "$pg_log.seconds"
}
trap on_exit EXIT

pg_result="skipped"
sqlite_share=all
sqlite_access=all
sqlite_nodb=all
sqlite_search=all
if $PY - "$PG_URL" <<'PYEOF' 2>/dev/null
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
PYEOF
then
  echo "== PostgreSQL ($PG_URL): unit and integration tests, in the background (printed when done)"
  (
    pg_started=$SECONDS
    ATMP_FUZZ_SHARE=coverage ATMP_ACCESS_SHARE=first ATMP_NODB_SHARE=0 ATMP_SEARCH_SHARE=0 ATMP_DATABASE_URL=$PG_URL $PY -m pytest -q -p no:cacheprovider --durations=40 \
      -m "not browser and not slow"
    rc=$?
    echo "$((SECONDS - pg_started))" >"$pg_log.seconds"
    exit $rc
  ) >"$pg_log" 2>&1 &
  pg_pid=$!
  sqlite_share=random  # the PostgreSQL pass sends the coverage requests
  sqlite_access=second  # and asks as the other half of the identities
  sqlite_nodb=1  # and runs the other half of the tests that use no database
  sqlite_search=1  # and draws the other half of the random searches' examples
elif [ "${ATMP_REQUIRE_POSTGRES:-0}" = "1" ]; then
  echo "FAILED: PostgreSQL is required (ATMP_REQUIRE_POSTGRES=1) but no server answers at $PG_URL"
  pg_result="FAILED (no server)"
  status=1
else
  echo "SKIPPED: the PostgreSQL run — no server answers at $PG_URL (set ATMP_TEST_POSTGRES_URL to use another)"
fi

echo "== SQLite: every test, browser and crash tests included (with PostgreSQL beside it: half of those that use no database)"
sqlite_started=$SECONDS
# ATMP_TEST_DATABASE names the PostgreSQL pass's test database (so two people's runs do not
# collide); given to SQLite it would be a file instead of the in-memory test database.
if env -u ATMP_TEST_DATABASE ATMP_FUZZ_SHARE=$sqlite_share ATMP_ACCESS_SHARE=$sqlite_access ATMP_NODB_SHARE=$sqlite_nodb ATMP_SEARCH_SHARE=$sqlite_search $PY -m pytest -q -p no:cacheprovider --durations=40; then
  sqlite_result="passed"
else
  sqlite_result="FAILED"
  echo "FAILED: the SQLite run"
  status=1
fi
sqlite_seconds=$((SECONDS - sqlite_started))

if [ -n "$pg_pid" ]; then
  pg_status=0
  wait "$pg_pid" || pg_status=$?
  pg_pid=""
  echo "== PostgreSQL ($PG_URL): unit and integration tests"
  cat "$pg_log"
  pg_seconds=$(cat "$pg_log.seconds" 2>/dev/null || echo "?")
  rm -f "$pg_log.seconds"
  if [ "$pg_status" = "0" ]; then
    pg_result="passed in ${pg_seconds} s"
  else
    echo "FAILED: the PostgreSQL run"
    pg_result="FAILED in ${pg_seconds} s"
    status=1
  fi
fi
echo "== SQLite pass: $sqlite_result in ${sqlite_seconds} s; PostgreSQL pass: $pg_result; wall $((SECONDS - started)) s"
exit $status
