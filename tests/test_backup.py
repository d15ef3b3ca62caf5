"""`atmp backup` while writers write, and `atmp restore` into a new home that proves itself.

A backup is one committed state of the database plus a manifest of hashes, without the signing
key; a restore brings it into a new home (and, on PostgreSQL, a new empty database created and
dropped here) and runs `atmp verify --checkpoints` against the witnessed checkpoints.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import (
    PG_HOST,
    PG_PORT,
    PG_USER,
    Ledger,
    check_ledger,
    postgres_database,
    postgres_ledger,
    run_atmp,
    sqlite_ledger,
    subprocess_env,
)

INTERVAL = 10


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Ledger]:
    """An initialised ledger with 30 writes' worth of entries and a checkpoint every 10."""
    if request.param == "sqlite":
        made: Ledger = sqlite_ledger(tmp_path, ATMP_CHECKPOINT_INTERVAL=str(INTERVAL))
        write(made, 30, "a")
        yield made
    else:
        with postgres_ledger(tmp_path, ATMP_CHECKPOINT_INTERVAL=str(INTERVAL)) as made:
            write(made, 30, "a")
            yield made


def write(ledger: Ledger, count: int, tag: str) -> None:
    proc = ledger.writer(count=count, tag=tag)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err


@contextlib.contextmanager
def target_database(ledger: Ledger) -> Iterator[str | None]:
    """Yield the --database-url to restore into: none for SQLite, a fresh PostgreSQL database."""
    if ledger.kind == "sqlite":
        yield None
    else:
        with postgres_database("atmp_restore") as name:
            yield f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


def restore(
    ledger: Ledger, backup: Path, home: Path, witness: Path, url: str | None, *, key: Path | None = None
) -> subprocess.CompletedProcess[str]:
    args = ["restore", str(backup), "--home", str(home), "--checkpoints", str(witness), "--json"]
    args += ["--key", str(key or ledger.home / "keys" / "ledger.key")]
    if url:
        args += ["--database-url", url]
    return run_atmp(args, ledger.env, check=False)


def restored_ledger(ledger: Ledger, home: Path, url: str | None) -> Ledger:
    env = subprocess_env(home, url, ATMP_KEY_FILE=str(home / "keys" / "ledger.key"))
    database = url.rsplit("/", 1)[1] if url else str(home / "atmp.sqlite3")
    return Ledger(ledger.kind, home, env, database, ledger.vkey)


def test_a_backup_taken_while_a_writer_writes_restores_and_proves_itself(ledger: Ledger, tmp_path: Path) -> None:
    witness = tmp_path / "witness"
    run_atmp(["ledger", "checkpoints", "--export", str(witness)], ledger.env)
    busy = ledger.writer(count=400, tag="b", pause_ms=2)
    try:
        assert busy.stdout is not None
        assert busy.stdout.readline() == "READY\n"
        assert busy.stdout.readline().startswith("ACK ")  # writing now
        manifest = json.loads(run_atmp(["backup", str(tmp_path / "backup"), "--json"], ledger.env).stdout)
    finally:
        _, err = busy.communicate(timeout=300)
    assert busy.returncode == 0, err
    total = int(ledger.query("SELECT size FROM ledger_ledgerhead")[0][0])
    assert 30 < manifest["ledger"]["entries"] < total, "the backup should land while the writer writes"
    files = sorted(p.name for p in (tmp_path / "backup").iterdir())
    assert files == sorted(["manifest.json", *manifest["files"]])

    with target_database(ledger) as url:
        done = restore(ledger, tmp_path / "backup", tmp_path / "restored", witness, url)
        assert done.returncode == 0, done.stdout + done.stderr
        result = json.loads(done.stdout)
        assert result["ok"] is True and result["verify"]["ok"] is True
        assert result["entries"] == manifest["ledger"]["entries"]
        assert result["last_witnessed_checkpoint"] >= 30
        assert result["verify"]["checkpoint_files"] == len(list(witness.glob("*.checkpoint")))
        # A second opinion on the restored copy: one committed state, every transaction whole.
        check = check_ledger(restored_ledger(ledger, tmp_path / "restored", url))
        assert not check.problems, check.summary()
        assert check.entries == manifest["ledger"]["entries"]


def test_a_restore_short_of_a_witnessed_checkpoint_names_what_is_missing(ledger: Ledger, tmp_path: Path) -> None:
    backed_up = json.loads(run_atmp(["backup", str(tmp_path / "backup"), "--json"], ledger.env).stdout)
    write(ledger, 30, "late")  # written after the backup, and witnessed
    witness = tmp_path / "witness"
    run_atmp(["ledger", "checkpoints", "--export", str(witness)], ledger.env)
    with target_database(ledger) as url:
        done = restore(ledger, tmp_path / "backup", tmp_path / "restored", witness, url)
        assert done.returncode == 1, done.stdout + done.stderr
        result = json.loads(done.stdout)
        assert result["ok"] is False
        ends = f"the ledger ends at entry {backed_up['ledger']['entries']}"
        assert any(ends in problem for problem in result["problems"]), result["problems"]
        assert "Traceback" not in done.stderr


def test_the_signing_key_is_not_in_a_backup(tmp_path: Path) -> None:
    ledger = sqlite_ledger(tmp_path)
    run_atmp(["backup", str(tmp_path / "backup")], ledger.env)
    secret = (ledger.home / "keys" / "ledger.key").read_bytes().splitlines()[1]
    for path in (tmp_path / "backup").rglob("*"):
        assert secret not in path.read_bytes(), f"{path} holds the signing key"
        assert path.stat().st_mode & 0o077 == 0, f"{path} is readable by others"


def test_it_refuses_a_backup_that_does_not_match_its_manifest(tmp_path: Path) -> None:
    ledger = sqlite_ledger(tmp_path)
    backup = tmp_path / "backup"
    run_atmp(["ledger", "checkpoint"], ledger.env)
    run_atmp(["ledger", "checkpoints", "--export", str(tmp_path / "witness")], ledger.env)
    run_atmp(["backup", str(backup)], ledger.env)
    database = backup / "database.sqlite3"
    data = bytearray(database.read_bytes())
    data[-1] ^= 1
    database.write_bytes(bytes(data))
    (backup / "extra.txt").write_text("not backed up")
    done = restore(ledger, backup, tmp_path / "restored", tmp_path / "witness", None)
    assert done.returncode == 1
    assert "database.sqlite3: its SHA-256 or size is not the manifest's" in done.stderr
    assert "extra.txt: not in the manifest" in done.stderr
    assert not (tmp_path / "restored").exists()
    (backup / "manifest.json").unlink()
    done = restore(ledger, backup, tmp_path / "restored", tmp_path / "witness", None)
    assert done.returncode == 1 and "manifest.json does not exist" in done.stderr


def test_it_refuses_a_non_empty_home_a_wrong_key_and_a_used_backup_folder(tmp_path: Path) -> None:
    ledger = sqlite_ledger(tmp_path)
    run_atmp(["ledger", "checkpoint"], ledger.env)
    witness = tmp_path / "witness"
    run_atmp(["ledger", "checkpoints", "--export", str(witness)], ledger.env)
    run_atmp(["backup", str(tmp_path / "backup")], ledger.env)
    again = run_atmp(["backup", str(tmp_path / "backup")], ledger.env, check=False)
    assert again.returncode == 2 and "is not empty" in again.stderr

    done = restore(ledger, tmp_path / "backup", ledger.home, witness, None)
    assert done.returncode == 2 and f"home {ledger.home} is not empty" in done.stderr

    (tmp_path / "other").mkdir()
    other = sqlite_ledger(tmp_path / "other")
    done = restore(ledger, tmp_path / "backup", tmp_path / "new", witness, None, key=other.home / "keys" / "ledger.key")
    assert done.returncode == 2 and "is not the signing key of this backup's ledger" in done.stderr
    assert not (tmp_path / "new").exists()


def test_it_refuses_a_non_empty_postgres_database(tmp_path: Path) -> None:
    with postgres_ledger(tmp_path) as ledger:
        run_atmp(["ledger", "checkpoint"], ledger.env)
        witness = tmp_path / "witness"
        run_atmp(["ledger", "checkpoints", "--export", str(witness)], ledger.env)
        run_atmp(["backup", str(tmp_path / "backup")], ledger.env)
        url = ledger.env["ATMP_DATABASE_URL"]  # the live database itself
        done = restore(ledger, tmp_path / "backup", tmp_path / "new", witness, url)
        assert done.returncode == 2 and "is not empty" in done.stderr
        assert not (tmp_path / "new").exists()


def test_stored_files_go_into_the_backup_and_come_back(tmp_path: Path) -> None:
    ledger = sqlite_ledger(tmp_path)
    stored = ledger.home / "files" / "ab" / "abcdef"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(b"raw data of a batch record")
    run_atmp(["ledger", "checkpoint"], ledger.env)
    witness = tmp_path / "witness"
    run_atmp(["ledger", "checkpoints", "--export", str(witness)], ledger.env)
    manifest = json.loads(run_atmp(["backup", str(tmp_path / "backup"), "--json"], ledger.env).stdout)
    assert "files/ab/abcdef" in manifest["files"]
    done = restore(ledger, tmp_path / "backup", tmp_path / "restored", witness, None)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "restored" / "files" / "ab" / "abcdef").read_bytes() == b"raw data of a batch record"

    (tmp_path / "backup" / "files" / "ab" / "abcdef").write_bytes(b"edited")
    done = restore(ledger, tmp_path / "backup", tmp_path / "again", witness, None)
    assert done.returncode == 1 and "files/ab/abcdef: its SHA-256 or size is not the manifest's" in done.stderr


def test_files_stored_through_atmp_are_backed_up_restored_and_re_hashed(tmp_path: Path) -> None:
    ledger = sqlite_ledger(tmp_path)
    # The demo's ~400 signatures each check a password: the quick hasher saves ~20 s of Argon2id
    # (atmp.quick_hash_settings); what is checked here is the files, not the hashing.
    ledger.env["DJANGO_SETTINGS_MODULE"] = "atmp.quick_hash_settings"
    run_atmp(["demo"], ledger.env)  # the demo attaches the Leiden site master file
    sop = tmp_path / "SOP-QA-001.txt"
    sop.write_text("Deviation handling, version 4\n")
    env = {**ledger.env, "ATMP_PASSWORD": "atmp-demo-2026!"}
    added = json.loads(
        run_atmp(["files", "add", "accounts.site:1", str(sop), "--as", "rita", "--reason", "SOP", "--json"], env).stdout
    )
    (ledger.home / "files" / ".incoming" / "upload-leftover").write_bytes(b"a crash mid-upload")
    run_atmp(["ledger", "checkpoint"], ledger.env)
    witness = tmp_path / "witness"
    run_atmp(["ledger", "checkpoints", "--export", str(witness)], ledger.env)
    manifest = json.loads(run_atmp(["backup", str(tmp_path / "backup"), "--json"], ledger.env).stdout)
    sha = added["file"]["sha256"]
    assert f"files/{sha[:2]}/{sha[2:4]}/{sha}" in manifest["files"]
    assert not [name for name in manifest["files"] if ".incoming" in name]
    done = restore(ledger, tmp_path / "backup", tmp_path / "restored", witness, None)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)["verify"]
    stored = [name for name in manifest["files"] if name.startswith("files/")]
    # the demo's attachments (site master file, SOPs, EM and equipment records) and this one, each re-hashed
    assert report["ok"] and report["files"] == len(stored) >= 5
