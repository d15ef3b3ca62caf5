"""ATMP_HOME, its database files and its keys are readable by their owner only."""

from __future__ import annotations

import json
import sqlite3
import subprocess

from tests.helpers import atmp_command, migrated_home, postgres_ledger, subprocess_env


def mode(path) -> str:
    return oct(path.stat().st_mode & 0o777)


def atmp_with_umask(args: list[str], env: dict[str, str], umask: str = "022") -> subprocess.CompletedProcess[str]:
    """Run atmp from a shell whose umask lets everyone read (as a default login shell does)."""
    command = " ".join(f"'{a}'" for a in [*atmp_command(), *args])
    return subprocess.run(
        ["sh", "-c", f"umask {umask}; exec {command}"], env=env, cwd=env["ATMP_HOME"], capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip


def test_init_creates_a_home_and_files_for_the_owner_only(tmp_path):
    home = tmp_path / "new-home"
    env = subprocess_env(tmp_path, ATMP_HOME=str(home))
    env.pop("ATMP_SECRET_KEY")
    done = subprocess.run([*atmp_command(), "init"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert mode(home) == "0o700" and mode(home / "keys") == "0o700"
    keys = ("keys/ledger.key", "keys/mfa.key", "keys/identity.key", "keys/identity-hash.key")
    for name in ("atmp.sqlite3", "secret_key", *keys):
        assert mode(home / name) == "0o600", name


def test_init_tightens_a_home_others_can_read_and_says_so(tmp_path):
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    done = atmp_with_umask(["init", "--json"], subprocess_env(home))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["tightened"] == {str(home): "mode 0755 -> 0700"}
    assert mode(home) == "0o700"
    (home / "atmp.sqlite3").chmod(0o644)
    text = atmp_with_umask(["init"], subprocess_env(home)).stdout
    assert f"{home / 'atmp.sqlite3'} was open to group or others: mode 0644 -> 0600" in text
    assert mode(home / "atmp.sqlite3") == "0o600"


def test_the_wal_and_shm_files_of_a_running_atmp_are_the_owners_only(tmp_path):
    home = tmp_path / "home"
    migrated_home(home)  # the migrations are not what is checked: `atmp init` makes the keys, tightens the rest
    env = subprocess_env(home)
    assert atmp_with_umask(["init"], env).returncode == 0
    reader = sqlite3.connect(home / "atmp.sqlite3")  # held open, so the -wal and -shm stay after atmp ends
    try:
        reader.execute("SELECT count(*) FROM ledger_auditentry").fetchone()
        # Any write will do (the demo took a minute here): an account made through the ledger.
        done = atmp_with_umask(["user", "add", "nora", "--full-name", "Nora Newcomer", "--role", "inspector"],
                               {**env, "ATMP_PASSWORD": "a-long-enough-password-2026!"})  # fmt: skip
        assert done.returncode == 0, done.stderr
        for suffix in ("-wal", "-shm"):
            assert mode(home / f"atmp.sqlite3{suffix}") == "0o600", suffix
    finally:
        reader.close()


def test_init_on_postgresql_keeps_the_home_to_its_owner(tmp_path):
    with postgres_ledger(tmp_path) as ledger:
        assert mode(ledger.home) == "0o700"
        assert mode(ledger.home / "keys" / "mfa.key") == "0o600"
