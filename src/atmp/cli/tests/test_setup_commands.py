"""`atmp init` and `atmp demo` can be run again and again without changing anything twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ATMP = str(Path(sys.executable).with_name("atmp"))


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATMP_", "DJANGO_"))}
    env |= {"ATMP_HOME": str(home), "ATMP_SECRET_KEY": "cli-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"}
    return subprocess.run([ATMP, *args], capture_output=True, text=True, env=env, timeout=300, check=False)


def test_init_and_demo_are_idempotent(tmp_path):
    first = run(tmp_path, "init", "--json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["key_created"] is True
    key = tmp_path / "keys" / "ledger.key"
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    again = run(tmp_path, "init", "--json")
    assert json.loads(again.stdout)["key_created"] is False
    demo = run(tmp_path, "demo", "--json")
    assert demo.returncode == 0, demo.stderr
    entries = json.loads(demo.stdout)["entries"]
    assert {login["role"] for login in json.loads(demo.stdout)["logins"]} >= {
        "operator",
        "qc_analyst",
        "qa_reviewer",
        "qa_approver",
        "qualified_person",
        "pv_officer",
        "inspector",
        "system_admin",
    }
    assert json.loads(run(tmp_path, "demo", "--json").stdout)["entries"] == entries


def test_a_malformed_database_url_is_bad_input(tmp_path):
    env_url = "mysql://nope"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATMP_", "DJANGO_"))}
    env |= {"ATMP_HOME": str(tmp_path), "ATMP_DATABASE_URL": env_url, "ATMP_SECRET_KEY": "x" * 50}
    result = subprocess.run([ATMP, "init"], capture_output=True, text=True, env=env, timeout=120, check=False)
    assert result.returncode == 2
    assert "ATMP_DATABASE_URL" in result.stderr and "Traceback" not in result.stderr
