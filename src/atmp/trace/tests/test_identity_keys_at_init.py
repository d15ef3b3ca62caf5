"""`atmp init` creates the identity keys beside the others; it refuses to replace lost ones while sealed data exists."""

from __future__ import annotations

import sqlite3
import subprocess

from tests.helpers import atmp_command, migrated_home, subprocess_env


def init(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*atmp_command(), "init", "--json"], env=env, capture_output=True, text=True, timeout=300)


# Each home starts from the migrated database the subprocess tests share (the keys are what is checked).
def test_init_creates_both_identity_keys_once(tmp_path):
    migrated_home(tmp_path / "home")
    env = subprocess_env(tmp_path / "home")
    first = init(env)
    assert first.returncode == 0, first.stderr
    assert '"identity_key_created": true' in first.stdout and '"identity_hash_key_created": true' in first.stdout
    again = init(env)
    assert '"identity_key_created": false' in again.stdout and '"identity_hash_key_created": false' in again.stdout


def test_init_will_not_make_a_new_key_for_a_database_that_holds_sealed_identities(tmp_path):
    home = tmp_path / "home"
    migrated_home(home)
    env = subprocess_env(home)
    assert init(env).returncode == 0
    with sqlite3.connect(home / "atmp.sqlite3") as db:  # a sealed row, as a restored database would hold
        db.execute(
            "INSERT INTO trace_identity (version, status, voided, person_id, data_hash, ciphertext_sha256, erased, "
            "ciphertext, wrapped_key, hospital_number_index, name_birth_date_index) "
            "VALUES (1, 'active', 0, 1, 'k:0', 'x', 0, x'00', 'k:AA==', '', '')"
        )
    (home / "keys" / "identity.key").unlink()
    refused = init(env)
    assert refused.returncode == 2
    assert "identity.key does not exist, yet the database holds 1 sealed identities" in refused.stderr
    assert not (home / "keys" / "identity.key").exists()
