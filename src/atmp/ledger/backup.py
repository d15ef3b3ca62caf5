"""`atmp backup` and `atmp restore`: a consistent copy of the system of record, and its proven return.

Annex 11 §7.2: data are backed up regularly, and the integrity and accuracy of the backup and the
ability to restore it are checked. A backup folder holds

    database.sqlite3 | database.pgdump   the database, copied while the server runs: SQLite's online
                                         backup API (one read transaction, so one committed state),
                                         or `pg_dump --format=custom` in an exported snapshot
    files/…                              the stored files under ATMP_HOME/files (content-addressed and
                                         never overwritten, copied after the database, so every file
                                         the copy names is there)
    manifest.json                        written last: the SHA-256 and size of every file above, the
                                         ledger's size and head hash in the copy, the verifier key

and deliberately NOT the secrets: the ledger's signing key (whoever holds it can sign checkpoints,
so it is kept apart, e.g. offline, and handed to `atmp restore --key`), the Django secret key and
any other key under ATMP_HOME/keys. A stolen backup therefore cannot forge a checkpoint.

`atmp restore DIR --home NEW --key FILE --checkpoints WITNESS` refuses a backup whose files do not
match its manifest and a home (or PostgreSQL database) that is not empty, brings the copy back,
and runs `atmp verify --checkpoints WITNESS` on the new home: the restore is proven complete up to
the last witnessed checkpoint, or the verification names what is missing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from atmp import config
from atmp.ledger import note
from atmp.ledger.errors import LedgerError

FORMAT = "atmp-backup/1"
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
FILES_DIR = "files"
STAGING = ".incoming"  # uploads being received (atmp.files.storage): not stored files yet
S3_NOTE = (
    "stored files in S3-compatible object storage (ATMP_FILES_BACKEND=s3): back the bucket up with the "
    "storage's own versioning or replication; `atmp verify` re-hashes them there"
)
NOT_INCLUDED = [
    "the ledger signing key (ATMP_KEY_FILE): keep a copy apart, give it to `atmp restore --key`",
    "ATMP_HOME/keys and ATMP_HOME/secret_key: secrets, kept apart; a restored home makes a new secret key",
    "ATMP_HOME/static: rebuilt by the package",
]


class BackupRefused(LedgerError):
    """A backup or a restore was asked for something it must not do (bad input: exit 2)."""


class BackupDamaged(LedgerError):
    """A backup's files do not match its manifest (a failed check: exit 1)."""


@dataclass
class RestoreResult:
    """What a restore brought back and what the verification of the new home said."""

    home: str
    database: str
    entries: int
    backup_entries: int
    witnessed: int  # the largest witnessed checkpoint size
    verify: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return True when the restored ledger verified against every witnessed checkpoint."""
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        """Return the result as `atmp restore --json` prints it."""
        return {
            "ok": self.ok,
            "home": self.home,
            "database": self.database,
            "entries": self.entries,
            "backup_entries": self.backup_entries,
            "last_witnessed_checkpoint": self.witnessed,
            "problems": list(self.problems),
            "verify": self.verify,
        }


# --- backup -----------------------------------------------------------------------------------


def backup(directory: Path) -> dict[str, Any]:
    """Copy the configured database and stored files into directory; write the manifest; return it."""
    _refuse_non_empty(directory, "backup folder")
    # The copy holds what the database holds: readable by its owner only (pg_dump inherits this).
    umask = os.umask(0o077)
    try:
        return _backup(directory)
    finally:
        os.umask(umask)


def _backup(directory: Path) -> dict[str, Any]:
    from django.conf import settings

    from atmp.ledger import keys

    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        engine, ledger = "sqlite", _backup_sqlite(Path(db["NAME"]), directory / SQLITE_FILE)
    else:
        engine, ledger = "postgresql", _backup_postgres(db, directory / PG_FILE)
    # After the database: a file stored meanwhile is an extra, never a missing one.
    stored = config.home() / FILES_DIR
    if stored.is_dir():
        shutil.copytree(stored, directory / FILES_DIR, ignore=shutil.ignore_patterns(STAGING))
    s3 = os.environ.get("ATMP_FILES_BACKEND", "").strip().lower() == "s3"
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "database": engine,
        "ledger": ledger,
        "verifier_key": keys.verifier_key(),
        "not_included": [*NOT_INCLUDED, *([S3_NOTE] if s3 else [])],
        "files": _hash_tree(directory),
    }
    partial = directory / f".{MANIFEST}.partial"
    partial.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, directory / MANIFEST)
    return manifest


def _backup_sqlite(source: Path, target: Path) -> dict[str, Any]:
    if not source.exists():
        raise BackupRefused(f"database {source} does not exist: run `atmp init`")
    src = sqlite3.connect(source, timeout=60)  # read only by use: mode=ro cannot open a WAL file alone
    dst = sqlite3.connect(target)
    try:
        # pages=-1: the whole database in one step, inside one read transaction of the source, so
        # the copy is one committed state however many writers append meanwhile (WAL readers
        # never block them).
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        return _ledger_state(dst.cursor())
    finally:
        dst.close()
        src.close()


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _pg_args(db: dict[str, Any]) -> list[str]:
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    return args


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupRefused(f"`{name}` is not installed: install the PostgreSQL client (e.g. postgresql-client-15)")
    return found


def _backup_postgres(db: dict[str, Any], target: Path) -> dict[str, Any]:
    import psycopg

    pg_dump = _pg_tool("pg_dump")
    with psycopg.connect(
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        dbname=db["NAME"],
    ) as conn:
        # One snapshot for the ledger state read here and for pg_dump (--snapshot), so the manifest
        # describes exactly the dumped state, however many writers append meanwhile.
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        row = conn.execute("SELECT pg_export_snapshot()").fetchone()
        assert row is not None
        ledger = _ledger_state(conn.cursor())
        done = subprocess.run(  # noqa: S603  # argv of a resolved pg_dump, no shell; names come from settings
            [pg_dump, *_pg_args(db), "--format=custom", f"--snapshot={row[0]}", f"--file={target}", db["NAME"]],
            env=_pg_env(db),
            capture_output=True,
            text=True,
            check=False,
        )
        conn.rollback()
    if done.returncode != 0:
        raise BackupRefused(f"pg_dump failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    return ledger


def _ledger_state(cursor: Any) -> dict[str, Any]:
    cursor.execute("SELECT size, hash FROM ledger_ledgerhead")
    head = cursor.fetchone()
    cursor.execute("SELECT COUNT(*), MAX(size) FROM ledger_checkpoint")
    count, last = cursor.fetchone()
    return {
        "entries": int(head[0]) if head else 0,
        "head_hash": head[1] if head else "",
        "checkpoints": int(count),
        "last_checkpoint": int(last or 0),
    }


def _hash_tree(directory: Path) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        relative = path.relative_to(directory).as_posix()
        if relative in (MANIFEST, f".{MANIFEST}.partial"):
            continue
        found[relative] = {"sha256": _sha256(path), "bytes": path.stat().st_size}
    return found


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _refuse_non_empty(directory: Path, what: str) -> None:
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise BackupRefused(f"{what} {directory} is not empty: give a new or empty folder")


# --- restore ----------------------------------------------------------------------------------


def check_backup(directory: Path) -> dict[str, Any]:
    """Return the backup's manifest after checking every file against it (BackupDamaged if not)."""
    path = directory / MANIFEST
    if not path.is_file():
        raise BackupDamaged(f"{path} does not exist: not a backup, or an interrupted one")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise BackupDamaged(f"{path} is not JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupDamaged(f"{path} is not an {FORMAT} manifest")
    listed: dict[str, Any] = manifest.get("files") or {}
    present = _hash_tree(directory)
    problems = []
    for name in sorted(set(listed) | set(present)):
        if name not in present:
            problems.append(f"{name}: listed in the manifest, missing")
        elif name not in listed:
            problems.append(f"{name}: not in the manifest")
        elif present[name] != listed[name]:
            problems.append(f"{name}: its SHA-256 or size is not the manifest's")
    if problems:
        raise BackupDamaged(f"backup {directory} does not match its manifest: " + "; ".join(problems))
    return manifest


def restore(
    directory: Path,
    *,
    home: Path,
    key: Path,
    checkpoints: Path,
    database_url: str | None = None,
) -> RestoreResult:
    """Restore a backup into a new home (and database); verify it against the witnessed checkpoints."""
    manifest = check_backup(directory)
    home = home.resolve()
    _refuse_non_empty(home, "home")
    if not checkpoints.is_dir() or not any(checkpoints.glob("*.checkpoint")):
        raise BackupRefused(
            f"--checkpoints {checkpoints} holds no *.checkpoint files: give the witnessed checkpoints "
            "(`atmp ledger checkpoints --export`, kept apart from this host)"
        )
    origin = _check_key(key, manifest["verifier_key"])
    engine = manifest["database"]
    url = database_url or ""
    if engine == "sqlite":
        if url and urlparse(url).scheme != "sqlite":
            raise BackupRefused(f"--database-url: this is a SQLite backup, {urlparse(url).scheme}:// cannot take it")
        target = Path(config.database(url)["NAME"]) if url else home / "atmp.sqlite3"
        if target.exists():
            raise BackupRefused(f"database {target} exists already: restore into a new one")
    elif not url or urlparse(url).scheme not in ("postgres", "postgresql"):
        raise BackupRefused(
            "--database-url: a PostgreSQL backup needs postgresql://USER@HOST:PORT/DB (an empty database)"
        )
    else:
        _refuse_non_empty_postgres(config.database(url))

    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(home, 0o700)
    key_file = home / "keys" / "ledger.key"
    key_file.parent.mkdir(mode=0o700)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as stream:
        stream.write(key.read_bytes())
    if engine == "sqlite":
        label = f"SQLite {target}"
        _restore_sqlite(directory / SQLITE_FILE, target)
    else:
        db = config.database(url)
        label = f"PostgreSQL {db.get('HOST') or 'local'}:{db.get('PORT') or 5432}/{db['NAME']}"
        _restore_postgres(directory / PG_FILE, db)
    if (directory / FILES_DIR).is_dir():
        shutil.copytree(directory / FILES_DIR, home / FILES_DIR)

    report = _verify(home, url, key_file, origin, checkpoints)
    witnessed = _largest_checkpoint(checkpoints)
    result = RestoreResult(
        home=str(home),
        database=label,
        entries=int(report.get("entries", 0)),
        backup_entries=int(manifest["ledger"]["entries"]),
        witnessed=witnessed,
        verify=report,
    )
    if report.get("ok") is not True:
        for failure in report.get("failures", []) or [{"kind": "verify", "detail": report.get("error", "failed")}]:
            result.problems.append(f"{failure.get('kind')}: {failure.get('detail')}")
    if result.entries != result.backup_entries:
        result.problems.append(
            f"the restored ledger has {result.entries} entries, the backup's manifest says {result.backup_entries}"
        )
    return result


def _check_key(key: Path, vkey: str) -> str:
    """Return the key's origin after checking that the key is the one the backup's ledger was signed with."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        loaded = serialization.load_pem_private_key(key.read_bytes(), password=None)
    except OSError as exc:
        raise BackupRefused(f"--key {key}: {exc.strerror}") from None
    except ValueError:
        raise BackupRefused(f"--key {key} is not a PEM private key") from None
    if not isinstance(loaded, Ed25519PrivateKey):
        raise BackupRefused(f"--key {key} is not an Ed25519 key")
    origin = vkey.split("+", 1)[0]
    public = loaded.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    if note.vkey(origin, public) != vkey:
        raise BackupRefused(f"--key {key} is not the signing key of this backup's ledger (verifier key {vkey})")
    return origin


def _restore_sqlite(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    src = sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # owner only, as `atmp init` makes it
    os.close(fd)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=WAL")
    finally:
        dst.close()
        src.close()


def _refuse_non_empty_postgres(db: dict[str, Any]) -> None:
    import psycopg

    try:
        with psycopg.connect(
            host=db.get("HOST") or None,
            port=db.get("PORT") or None,
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            dbname=db["NAME"],
            connect_timeout=10,
        ) as conn:
            row = conn.execute(
                "SELECT COUNT(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%%' "
                "AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
            ).fetchone()
    except psycopg.Error as exc:
        detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise BackupRefused(
            f"--database-url: cannot open database {db['NAME']!r} ({detail}); create it empty first"
        ) from None
    if row and row[0]:
        raise BackupRefused(
            f"--database-url: database {db['NAME']!r} is not empty ({row[0]} relations): restore into a new one"
        )


def _restore_postgres(source: Path, db: dict[str, Any]) -> None:
    pg_restore = _pg_tool("pg_restore")
    # No owners, no privileges: the target server's roles are not the source's. Grant the
    # application role its least privileges again afterwards (contrib/postgres/least-privilege.sql).
    done = subprocess.run(  # noqa: S603  # argv of a resolved pg_restore, no shell
        [pg_restore, *_pg_args(db), "--no-owner", "--no-acl", "--exit-on-error", f"--dbname={db['NAME']}", str(source)],
        env=_pg_env(db),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupRefused(f"pg_restore failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")


_CLI = "import sys; from atmp.cli.main import main; sys.exit(main())"


def _verify(home: Path, url: str, key_file: Path, origin: str, checkpoints: Path) -> dict[str, Any]:
    """Run `atmp verify --checkpoints --json` on the new home, in its own process (its own settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATMP_", "DJANGO_"))}
    env.update(ATMP_HOME=str(home), ATMP_KEY_FILE=str(key_file), ATMP_LEDGER_ORIGIN=origin)
    if url:
        env["ATMP_DATABASE_URL"] = url
    if os.environ.get("ATMP_SECRET_KEY"):
        env["ATMP_SECRET_KEY"] = os.environ["ATMP_SECRET_KEY"]
    done = subprocess.run(  # noqa: S603  # this interpreter running atmp itself, no shell
        [sys.executable, "-c", _CLI, "verify", "--checkpoints", str(checkpoints.resolve()), "--json"],
        env=env,
        cwd=str(home),
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report: dict[str, Any] = json.loads(done.stdout)
    except ValueError:
        return {"ok": False, "error": (done.stderr.strip() or f"exit {done.returncode}")[-2000:]}
    return report


def _largest_checkpoint(directory: Path) -> int:
    sizes = []
    for path in directory.glob("*.checkpoint"):
        try:
            sizes.append(int(path.read_text(encoding="utf-8").splitlines()[1]))
        except (OSError, ValueError, IndexError):
            continue
    return max(sizes, default=0)
