"""`atmp verify` in worker processes reports exactly what one pass in one process reports.

The split only starts at 262,144 entries, and forked workers need a committed, shared database,
which the test's own (a transaction, on SQLite in memory) is not. So each test writes a small
ledger into a fresh database in a subprocess and forces ranges of 8 entries on 2 processes there,
on a clean ledger and after tampering with it. Every test in verify_modes does the same in one
process; this one proves the fork, the workers' own connections and the shipping of results.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.helpers import migrated_home, migrated_postgres_database

SCRIPT = r"""
import json, django
django.setup()
from django.core.management import call_command
from django.db import connection
call_command("migrate", interactive=False, verbosity=0)
from atmp.accounts import signing
from atmp.ledger import checkpoints, keys, verify, verify_parallel
from atmp.testing import PASSWORD, make_site, make_user, rename_site
keys.create_key()
author = make_user("qa_reviewer", username="rita", full_name="Rita Reviewer", password=PASSWORD)
approver = make_user("qa_approver", username="alex", full_name="Alex Approver", password=PASSWORD)
sites = [make_site(actor=author, code=f"P{i}", name=f"Site {i}") for i in range(12)]
checkpoints.sign_now()
for i, site in enumerate(sites[:8]):
    rename_site(site, f"Renamed {i}", actor=author, reason="typo")
signing.sign(signer=approver, record=sites[3], meaning="approved", password=PASSWORD)
signing.sign(signer=approver, record=sites[9], meaning="approved", password=PASSWORD)
checkpoints.sign_now()
make_site(actor=author, code="TAIL", name="After the last checkpoint")

real_plan, real_pool = verify_parallel.plan, verify_parallel._in_pool
pools = []
def counted_pool(*args):
    pools.append(args[1])
    return real_pool(*args)
verify_parallel._in_pool = counted_pool

def both():
    verify_parallel.plan = real_plan
    one = verify.run(processes=1).as_dict()
    verify_parallel.plan = lambda *args, **kwargs: verify_parallel.Plan(3, 2)
    many = verify.run().as_dict()
    return one, many

out = {"clean": both()}
with connection.cursor() as cursor:
    for table in ("ledger_auditentry", "ledger_treenode"):
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            cursor.execute(f"DROP TRIGGER {table}_no_update")
    cursor.execute("UPDATE ledger_auditentry SET reason = 'a better reason' WHERE seq = 11")
    cursor.execute('UPDATE ledger_treenode SET hash = %s WHERE level = 0 AND "index" IN (6, 7, 8, 20)', [b"1" * 32])
    cursor.execute('UPDATE ledger_treenode SET hash = %s WHERE level = 3 AND "index" = 2', [b"2" * 32])
out["tampered"] = both()
out["ranges"] = [len(r) for r in pools]
print(json.dumps(out))
"""

PG: dict[str, Any] = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


def run_script(home: Path, database_url: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATMP_", "DJANGO_"))}
    env.update(
        ATMP_HOME=str(home), ATMP_SECRET_KEY="verify-processes-test-key-0123456789abcdefghijklmnopqrstuv",
        DJANGO_SETTINGS_MODULE="atmp.settings",
    )  # fmt: skip
    if database_url:
        env["ATMP_DATABASE_URL"] = database_url
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def check(out: dict) -> None:
    clean_one, clean_many = out["clean"]
    assert clean_one["ok"] and clean_one == clean_many
    bad_one, bad_many = out["tampered"]
    assert bad_one == bad_many
    assert [(f["kind"], f["seq"]) for f in bad_one["failures"]][:3] == [("tree", 7), ("hash", 11), ("tree", 21)]
    assert len(out["ranges"]) == 2 and out["ranges"][0] > 3  # the pool ran, over several ranges, both times


# Each starts from the migrated database the subprocess tests share (the script's migrate then has
# nothing to do): the migrations are not what is checked.
def test_worker_processes_report_what_one_process_reports_on_sqlite(tmp_path):
    migrated_home(tmp_path / "home")
    check(run_script(tmp_path / "home", None))


def _postgres_unreachable() -> str | None:
    try:
        with psycopg.connect(dbname="postgres", connect_timeout=3, **PG) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def test_worker_processes_report_what_one_process_reports_on_postgresql(tmp_path):
    if why := _postgres_unreachable():
        if os.environ.get("ATMP_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required but unreachable: {why}")
        pytest.skip(f"PostgreSQL unreachable: {why}")
    with migrated_postgres_database("atmp_verify_procs") as name:
        check(run_script(tmp_path, f"postgresql://{PG['user']}@{PG['host']}:{PG['port']}/{name}"))
