"""Shared helpers for the tests that drive atmp in subprocesses (load, crash, benchmarks).

These tests never touch the pytest run's own database: each makes a fresh ledger database (a
SQLite file under tmp_path, or a PostgreSQL database created for the test and dropped after),
runs `atmp init` against it, and starts writer processes (tests/load/writer.py) on it.

    from tests.helpers import sqlite_ledger, postgres_ledger, run_atmp, ...

(`tests` has no __init__.py: pytest puts the rootdir, which holds conftest.py, on sys.path, so
`tests.helpers` imports as a namespace package.)

The ledger is checked twice: by `atmp verify --json` once atmp.ledger.verify exists, and by
`check_ledger` here, which reads the tables with plain SQL (sqlite3 / psycopg) and recomputes
everything from the stored columns: each entry's hash (canonical.entry_bytes + SHA-256), the
chain, the head, the Merkle tree's stored nodes, the checkpoints and their signatures, and each
record's versions replayed from the entries' field changes up to its snapshot hash.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import importlib.util
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from atmp.ledger import merkle, note
from atmp.ledger.canonical import ZERO_HASH, dumps, entry_bytes, sha256_hex

ROOT = Path(__file__).resolve().parent.parent
WRITER = ROOT / "tests" / "load" / "writer.py"
SECRET_KEY = "subprocess-test-secret-key-not-for-production-0123456789abcdef"

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REQUIRE_POSTGRES = os.environ.get("ATMP_REQUIRE_POSTGRES") == "1"
AT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")


# --- benchmarks ---------------------------------------------------------------------------------


def load_bench(name: str) -> Any:
    """Import bench/NAME.py as atmp_bench_NAME (as `trace` it would stand in for the standard library's).

    bench/ goes on the path while it loads, for its `from common import …`; the module is put in
    sys.modules first because its dataclasses look their module up there.
    """
    bench = ROOT / "bench"
    sys.path.insert(0, str(bench))
    try:
        spec = importlib.util.spec_from_file_location(f"atmp_bench_{name}", bench / f"{name}.py")
        assert spec is not None and spec.loader is not None, f"bench/{name}.py not found"
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(bench))
    return module


# --- running atmp -------------------------------------------------------------------------------


def atmp_command() -> list[str]:
    """Return the argv prefix of the `atmp` console script of this interpreter's environment."""
    script = Path(sys.executable).parent / "atmp"
    if script.exists():
        return [str(script)]
    found = shutil.which("atmp")
    return [found] if found else [sys.executable, "-m", "atmp.cli.main"]


def subprocess_env(home: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    """Return an environment for atmp subprocesses: this one without any ATMP_ or Django setting
    of the pytest run, plus its own ATMP_HOME, secret key and (optionally) database URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ATMP_", "DJANGO_"))}
    env.update(
        ATMP_HOME=str(home),
        ATMP_SECRET_KEY=SECRET_KEY,
        DJANGO_SETTINGS_MODULE="atmp.settings",
        PYTHONUNBUFFERED="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    if database_url:
        env["ATMP_DATABASE_URL"] = database_url
    env.update(extra)
    return env


def run_atmp(
    args: list[str], env: dict[str, str], *, check: bool = True, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run `atmp ARGS` with env; with check, fail the test (showing its output) unless exit 0."""
    done = subprocess.run(
        [*atmp_command(), *args], env=env, cwd=env["ATMP_HOME"], capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip
    if check and done.returncode != 0:
        pytest.fail(
            f"`atmp {' '.join(args)}` exited {done.returncode}\n"
            f"stdout:\n{done.stdout[-4000:]}\nstderr:\n{done.stderr[-4000:]}"
        )
    return done


# One Python process that runs several `atmp` commands one after the other, as a shell would, each
# through the CLI's own entry point (click parses it, the command runs, its exit status is kept).
_EACH = """
import json, sys
from click.testing import CliRunner
from atmp.cli.main import main
done = []
for args in json.load(sys.stdin):
    result = CliRunner().invoke(main, args)
    done.append({"args": args, "status": result.exit_code, "stdout": result.stdout, "stderr": result.stderr})
    if result.exit_code:
        break
json.dump(done, sys.stdout)
"""


def run_atmp_each(commands: list[list[str]], env: dict[str, str], *, timeout: float = 300) -> list[str]:
    """Run each `atmp ARGS` of `commands` in turn in one process; return their stdouts.

    For a test's set-up by the command line: Python and Django start once instead of once a
    command (1.5–3 s each). Fails the test, showing the output, at the first that does not exit 0.
    """
    ran = subprocess.run(
        [sys.executable, "-c", _EACH], input=json.dumps(commands), env=env, cwd=env["ATMP_HOME"],
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    if ran.returncode != 0:
        pytest.fail(f"the atmp commands' process exited {ran.returncode}\nstderr:\n{ran.stderr[-4000:]}")
    done = json.loads(ran.stdout)
    for one in done:
        if one["status"] != 0:
            pytest.fail(
                f"`atmp {' '.join(one['args'])}` exited {one['status']}\n"
                f"stdout:\n{one['stdout'][-4000:]}\nstderr:\n{one['stderr'][-4000:]}"
            )
    assert len(done) == len(commands)
    return [one["stdout"] for one in done]


def verify_available() -> bool:
    """Return True once `atmp verify` has its implementation (atmp.ledger.verify)."""
    return importlib.util.find_spec("atmp.ledger.verify") is not None


def atmp_verify(env: dict[str, str]) -> tuple[int, dict[str, Any] | None, str]:
    """Run `atmp verify --json`; return (exit status, parsed report or None, stderr)."""
    done = run_atmp(["verify", "--json"], env, check=False)
    try:
        report = json.loads(done.stdout)
    except ValueError:
        report = None
    return done.returncode, report, done.stdout[-2000:] + done.stderr[-2000:]


def assert_verify_ok(env: dict[str, str]) -> dict[str, Any] | None:
    """Assert `atmp verify --json` exits 0 with ok true; warn and return None until it exists."""
    if not verify_available():
        import warnings

        warnings.warn(
            "atmp.ledger.verify does not exist yet: the ledger was checked by tests/helpers.py "
            "check_ledger only, not by `atmp verify`",
            stacklevel=2,
        )
        return None
    status, report, output = atmp_verify(env)
    assert report is not None, f"`atmp verify --json` printed no JSON (exit {status}):\n{output}"
    failures = json.dumps(report.get("failures"), indent=1)[:4000]
    assert status == 0 and report.get("ok") is True, f"`atmp verify --json` exit {status}, failures: {failures}"
    for key in ("entries", "records", "signatures", "checkpoints", "failures"):
        assert key in report, f"`atmp verify --json` has no {key!r}: {sorted(report)}"
    return report


def assert_verify_agrees(env: dict[str, str], check: LedgerCheck, note_: str = "") -> None:
    """Assert `atmp verify --json` is ok and counts what check_ledger counted (once it exists)."""
    report = assert_verify_ok(env)
    if report is None:
        return
    theirs = {k: report[k] for k in ("entries", "records", "checkpoints", "signatures")}
    ours = {"entries": check.entries, "records": check.sites, "checkpoints": check.checkpoints,
            "signatures": 0}  # fmt: skip
    assert theirs == ours, f"{note_}`atmp verify --json` counted {theirs}, the tables hold {ours}"


# --- ledger databases ---------------------------------------------------------------------------


@dataclass
class Ledger:
    """A fresh ledger database that subprocesses write to, and plain-SQL access to read it back."""

    kind: str  # "sqlite" or "postgresql"
    home: Path
    env: dict[str, str]
    database: str  # the SQLite file, or the PostgreSQL database name
    vkey: str = ""

    def init(self) -> dict[str, Any]:
        """Run `atmp init --json` (migrate, create the signing key); remember the verifier key."""
        data: dict[str, Any] = json.loads(run_atmp(["init", "--json"], self.env).stdout)
        self.vkey = data["vkey"]
        return data

    @contextlib.contextmanager
    def connect(self) -> Iterator[Any]:
        """Open a plain DB-API connection to the ledger database (read it only)."""
        conn: Any
        if self.kind == "sqlite":
            conn = sqlite3.connect(self.database, timeout=60)
        else:
            import psycopg

            conn = psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=self.database, connect_timeout=5)
        try:
            yield conn
        finally:
            conn.close()

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Return the rows of one read-only query."""
        with self.connect() as conn:
            cur = conn.cursor()
            cur.execute(sql)
            rows = list(cur.fetchall())
            cur.close()
            conn.rollback()
        return rows

    def writer(
        self,
        *,
        count: int,
        tag: str = "",
        start: int = 0,
        wait_go: bool = False,
        pause_ms: float = 0,
        fork_server: bool = False,
    ) -> subprocess.Popen[str]:
        """Start tests/load/writer.py on this ledger (stdin, stdout and stderr piped)."""
        argv = [sys.executable, str(WRITER), "--count", str(count), "--start", str(start)]
        argv += ["--pause-ms", str(pause_ms)]
        argv += ["--fork-server"] if fork_server else ["--tag", tag]
        if wait_go:
            argv.append("--wait-go")
        return subprocess.Popen(
            argv, env=self.env, cwd=str(self.home), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip


class ForkServer:
    """tests/load/writer.py --fork-server: Django loaded once, one forked writer per start().

    A writer then costs a fork, not a Python start, so a test can kill hundreds. Each child is
    its own process with its own database connection (the server never opens one), so a
    SIGKILL to it is a real writer crash. Everything the children acknowledge is added to acks.
    """

    def __init__(self, ledger: Ledger, acks: Acks, *, count: int = 1_000_000, pause_ms: float = 0):
        self.acks = acks
        self.proc = ledger.writer(count=count, pause_ms=pause_ms, fork_server=True)
        self._until("READY")

    def _until(self, prefix: str) -> str:
        """Read lines (recording ACKs) until one starts with prefix; return it."""
        assert self.proc.stdout is not None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                _, err = self.proc.communicate(timeout=60)
                raise AssertionError(f"the fork server ended (exit {self.proc.returncode}):\n{err}")
            if line.startswith(prefix):
                return line
            self.acks.add(line)

    def _send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def start(self, tag: str) -> int:
        """Fork a writer that writes sites tagged `tag` until it is killed; return its pid."""
        self._send(f"GO {tag}")
        return int(self._until("CHILD ").split()[1])

    def reap(self, pid: int) -> str:
        """Wait for a child to end; return 'signal N' or 'exit N' (every ACK it wrote is in acks)."""
        self._send(f"REAP {pid}")
        line = self._until(f"REAPED {pid} ")
        return line.split(" ", 2)[2].strip()

    def close(self) -> str:
        """End the server (its children must be reaped already); return its stderr."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.stdin = None
        out, err = self.proc.communicate(timeout=60)
        self.acks.add(out)
        return err


# `atmp init` is mostly Django rendering the migrations' model states (about 6 s of its 6.5 s here);
# on a database migrated already it takes under a second. A fresh ledger therefore starts from a
# copy of a database this process migrated once (by a real `atmp init`, which writes no row but the
# migrations'), and `init` then makes the ledger's own keys as on an empty one.


@functools.cache
def _migrated_sqlite() -> Path:
    """Return a SQLite database `atmp init` migrated, made once per test process."""
    home = Path(tempfile.mkdtemp(prefix="atmp-migrated-")) / "atmp-home"
    home.mkdir()
    run_atmp(["init"], subprocess_env(home))
    atexit.register(shutil.rmtree, home.parent, True)
    return home / "atmp.sqlite3"


def _copy_sqlite(source: Path, target: Path) -> None:
    """Copy a SQLite database with its backup API (whatever its journal holds)."""
    with contextlib.closing(sqlite3.connect(source)) as src, contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def migrated_home(home: Path) -> None:
    """Make `home` with a copy of the migrated SQLite database and no keys: what `atmp init` then does
    is all but the migrations (made once a test process, `_migrated_sqlite`)."""
    home.mkdir(parents=True)
    _copy_sqlite(_migrated_sqlite(), home / "atmp.sqlite3")


def sqlite_ledger(tmp_path: Path, **extra_env: str) -> Ledger:
    """Return an initialised ledger in a fresh SQLite file under tmp_path (ATMP_HOME)."""
    home = tmp_path / "atmp-home"
    home.mkdir()
    ledger = Ledger("sqlite", home, subprocess_env(home, **extra_env), str(home / "atmp.sqlite3"))
    _copy_sqlite(_migrated_sqlite(), Path(ledger.database))
    ledger.init()
    return ledger


def postgres_unreachable() -> str | None:
    """Return why the PostgreSQL server for these tests cannot be used, or None when it can."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - psycopg is a dependency
        return f"psycopg is not installed ({exc})"
    try:
        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"{PG_USER}@{PG_HOST}:{PG_PORT}: {detail}"
    return None


def require_postgres() -> None:
    """Skip the test when the PostgreSQL server is unreachable (ATMP_REQUIRE_POSTGRES=1: fail)."""
    why = postgres_unreachable()
    if why is None:
        return
    message = f"PostgreSQL server not reachable ({why})"
    if REQUIRE_POSTGRES:
        pytest.fail(f"{message}, and ATMP_REQUIRE_POSTGRES=1 requires it")
    pytest.skip(f"{message}; set ATMP_REQUIRE_POSTGRES=1 to make this a failure")


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(
        host=PG_HOST,
        port=PG_PORT,
        user=PG_USER,
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    ) as conn:
        conn.execute(sql)  # type: ignore[arg-type]  # names below are generated, never input


@contextlib.contextmanager
def postgres_database(prefix: str = "atmp_test", *, template: str | None = None) -> Iterator[str]:
    """Create a fresh PostgreSQL database (empty, or a copy of template); yield its name; drop it after."""
    require_postgres()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield name
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@functools.cache
def _migrated_postgres() -> str:
    """Return the name of a PostgreSQL database `atmp init` migrated, made once per test process."""
    require_postgres()
    name = f"atmp_migrated_{uuid.uuid4().hex[:12]}"
    _admin(f'CREATE DATABASE "{name}"')
    atexit.register(_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    home = Path(tempfile.mkdtemp(prefix="atmp-migrated-")) / "atmp-home"
    home.mkdir()
    run_atmp(["init"], subprocess_env(home, f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"))
    atexit.register(shutil.rmtree, home.parent, True)
    return name


@contextlib.contextmanager
def migrated_postgres_database(prefix: str) -> Iterator[str]:
    """Yield the name of a fresh copy of the migrated PostgreSQL database (no keys anywhere); drop it after."""
    with postgres_database(prefix, template=_migrated_postgres()) as name:
        yield name


@contextlib.contextmanager
def postgres_ledger(tmp_path: Path, **extra_env: str) -> Iterator[Ledger]:
    """Yield an initialised ledger in a fresh PostgreSQL database (dropped at the end)."""
    with postgres_database("atmp_load", template=_migrated_postgres()) as name:
        home = tmp_path / "atmp-home"
        home.mkdir()
        url = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
        ledger = Ledger("postgresql", home, subprocess_env(home, url, **extra_env), name)
        ledger.init()
        yield ledger


# --- acknowledgements ---------------------------------------------------------------------------


@dataclass
class Acks:
    """What writers acknowledged as committed: site codes created, and site versions written."""

    created: set[str] = field(default_factory=set)
    versions: dict[str, int] = field(default_factory=dict)

    def add(self, stdout: str) -> int:
        """Add the ACK lines of a writer's stdout (a line cut short by a kill is ignored);
        return how many were added."""
        n = 0
        for line in stdout.splitlines(keepends=True):
            if not line.endswith("\n") or not line.startswith("ACK "):
                continue
            parts = line.split()
            if len(parts) == 2:
                self.created.add(parts[1])
            elif len(parts) == 3 and parts[2].startswith("v"):
                self.versions[parts[1]] = max(self.versions.get(parts[1], 0), int(parts[2][1:]))
            else:
                raise AssertionError(f"malformed acknowledgement {line!r}")
            n += 1
        return n

    def __len__(self) -> int:
        return len(self.created) + len(self.versions)


def writes_of(count: int, start: int = 0) -> tuple[int, int]:
    """Return (sites created, updates) that a writer run to completion makes (see writer.py)."""
    sites = sum(2 if i % 10 == 9 else 1 for i in range(start, start + count))
    updates = sum(1 for i in range(start, start + count) if i % 4 == 3 and i - 2 >= start)
    return sites, updates


def entries_for(writes: int, interval: int) -> int:
    """Return the ledger size after `writes` record entries when every interval-th seq triggers a
    checkpoint entry (which itself never triggers one)."""
    size = 0
    for _ in range(writes):
        size += 1
        if size % interval == 0:
            size += 1
    return size


# --- the independent check ----------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One row of ledger_auditentry, as stored."""

    seq: int
    at: str
    actor_id: int | None
    actor_name: str
    actor_roles: str
    action: str
    record_type: str
    record_id: str | None
    record_version: int | None
    reason: str
    changes: str
    snapshot_hash: str
    prev_hash: str
    hash: str

    def body(self) -> bytes:
        """Return the canonical bytes the entry's hash is taken over."""
        return entry_bytes(
            self.seq, self.at, self.actor_id, self.actor_name, self.actor_roles, self.action,
            self.record_type, self.record_id, self.record_version, self.reason, self.changes,
            self.snapshot_hash, self.prev_hash,
        )  # fmt: skip


ENTRY_SQL = (
    "SELECT seq, at, actor_id, actor_name, actor_roles, action, record_type, record_id, "
    "record_version, reason, changes, snapshot_hash, prev_hash, hash "
    "FROM ledger_auditentry ORDER BY seq"
)


@dataclass
class LedgerCheck:
    """The outcome of check_ledger: what is in the ledger, and every inconsistency found."""

    entries: int = 0
    sites: int = 0
    updates: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        self.problems.append(message)

    def summary(self) -> str:
        shown = "\n  ".join(self.problems[:40])
        more = f"\n  … and {len(self.problems) - 40} more" if len(self.problems) > 40 else ""
        return f"{len(self.problems)} problem(s) in the ledger:\n  {shown}{more}"


def check_ledger(ledger: Ledger, acks: Acks | None = None) -> LedgerCheck:
    """Read the ledger back with plain SQL and check it from first principles (see module doc)."""
    out = LedgerCheck()
    entries = [Entry(*row) for row in ledger.query(ENTRY_SQL)]
    heads = ledger.query("SELECT size, hash, at, frontier FROM ledger_ledgerhead")
    nodes = ledger.query('SELECT level, "index", hash FROM ledger_treenode')
    checkpoints = ledger.query("SELECT size, root, note FROM ledger_checkpoint ORDER BY size")
    sites = ledger.query("SELECT id, code, name, version FROM accounts_site")
    out.entries, out.sites, out.checkpoints = len(entries), len(sites), len(checkpoints)

    _check_chain(out, entries)
    _check_head(out, entries, heads)
    leaves = [bytes.fromhex(e.hash) for e in entries]
    _check_tree_and_checkpoints(out, ledger.vkey, leaves, nodes, heads, checkpoints, entries)
    _check_sites(out, entries, sites, acks)
    return out


def _check_chain(out: LedgerCheck, entries: list[Entry]) -> None:
    prev_hash, prev_at, seen = ZERO_HASH, "", set()
    for n, e in enumerate(entries, 1):
        if e.seq != n:
            out.fail(f"seq: entry #{n} in order has seq {e.seq} (fork, gap or duplicate)")
        if e.prev_hash != prev_hash:
            out.fail(f"chain: seq {e.seq} prev_hash is not the hash of the entry before it")
        actual = sha256_hex(e.body())
        if actual != e.hash:
            out.fail(f"hash: seq {e.seq} stores {e.hash[:12]}…, its body hashes to {actual[:12]}…")
        if e.hash in seen:
            out.fail(f"hash: seq {e.seq} repeats an earlier entry's hash")
        seen.add(e.hash)
        if not AT.fullmatch(e.at or ""):
            out.fail(f"time: seq {e.seq} at {e.at!r} is not RFC 3339 UTC with microseconds")
        elif e.at <= prev_at:
            out.fail(f"time: seq {e.seq} at {e.at} is not after seq {e.seq - 1} at {prev_at}")
        prev_hash, prev_at = e.hash, e.at


def _check_head(out: LedgerCheck, entries: list[Entry], heads: list[tuple[Any, ...]]) -> None:
    if len(heads) != 1:
        out.fail(f"head: {len(heads)} rows in ledger_ledgerhead, expected 1")
        return
    size, hash_, at, _ = heads[0]
    want = (entries[-1].seq, entries[-1].hash, entries[-1].at) if entries else (0, ZERO_HASH, "")
    if (size, hash_, at) != want:
        out.fail(f"head: (size, hash, at) = {(size, hash_, at)}, the last entry gives {want}")


def _check_tree_and_checkpoints(
    out: LedgerCheck,
    vkey: str,
    leaves: list[bytes],
    nodes: list[tuple[Any, ...]],
    heads: list[tuple[Any, ...]],
    checkpoints: list[tuple[Any, ...]],
    entries: list[Entry],
) -> None:
    """Check the stored tree nodes, the head's frontier and every checkpoint in one pass.

    The pass builds the tree as `atmp verify` does, leaf by leaf with a stack of the roots of
    the complete subtrees on its right edge (the frontier): each complete subtree is compared
    with its stored node when it completes, and each checkpoint's root is the fold of the stack
    when the pass reaches its size. Linear in the ledger (the check used to recompute the root
    from scratch per checkpoint, quadratic: a 1,000-kill soak's ledger never finished). It
    shares only the hashing primitives of atmp.ledger.merkle with atmp, so it stays a second
    opinion on atmp.ledger.verify.
    """
    n = len(leaves)
    stored: dict[tuple[int, int], bytes] = {}
    for lv, i, h in nodes:
        if (int(lv), int(i)) in stored:
            out.fail("tree: duplicate (level, index) nodes")
        stored[int(lv), int(i)] = bytes(h)
    wanted: dict[int, list[tuple[str, str]]] = {}
    for size, root_hex, text in checkpoints:
        if size > n:
            out.fail(f"checkpoint {size}: beyond the ledger's {n} entries")
        else:
            wanted.setdefault(int(size), []).append((root_hex, text))
    roots: dict[int, bytes] = {0: merkle.EMPTY_ROOT}
    stack: list[tuple[int, bytes]] = []  # (level, hash) of the frontier, left to right

    def compare(level: int, index: int, node: bytes) -> None:
        where = f"tree: node level {level} index {index}"
        have = stored.pop((level, index), None)
        if have is None:
            out.fail(f"{where} is missing (a complete subtree of the {n} leaves)")
        elif have != node:
            out.fail(f"{where}: its hash is not the one the leaves give")

    for i, leaf in enumerate(leaves):
        node, level = merkle.leaf_hash(leaf), 0
        compare(0, i, node)
        while stack and stack[-1][0] == level:
            node, level = merkle.node_hash(stack.pop()[1], node), level + 1
            compare(level, i >> level, node)
        stack.append((level, node))
        if i + 1 in wanted:
            roots[i + 1] = merkle.hash_from_perfect([h for _, h in stack])
    for level, index in sorted(stored):
        out.fail(f"tree: node level {level} index {index} is stored but is not a complete subtree of the {n} leaves")
    if heads and n:
        frontier = bytes(heads[0][3])
        right_edge = [frontier[i : i + 32] for i in range(0, len(frontier), 32)]
        if right_edge != [h for _, h in stack]:
            out.fail(f"tree: the head's frontier is not the right edge of the {n}-leaf tree")

    verifier = note.parse_vkey(vkey) if vkey else None
    events = {e.record_id: e for e in entries if e.action == "checkpoint"}
    for size, found in sorted(wanted.items()):
        root = roots[size]
        for root_hex, text in found:
            where = f"checkpoint {size}"
            if root.hex() != root_hex:
                out.fail(f"{where}: stored root is not the Merkle root of the first {size} entries")
            if verifier is not None:
                try:
                    opened = note.open_checkpoint(text, verifier)
                except note.NoteError as exc:
                    out.fail(f"{where}: the signed note does not verify: {exc}")
                else:
                    if (opened.size, opened.root) != (size, root):
                        out.fail(f"{where}: the signed note names size {opened.size}, another root")
            if str(size) not in events:
                out.fail(f"{where}: no ledger entry records its signing")
    if len(events) != len(checkpoints):
        out.fail(f"checkpoint: {len(events)} checkpoint entries, {len(checkpoints)} checkpoints")


def _check_sites(out: LedgerCheck, entries: list[Entry], sites: list[tuple[Any, ...]], acks: Acks | None) -> None:
    by_id = {str(s[0]): s for s in sites}
    checkpoint_seqs = {e.seq for e in entries if e.action == "checkpoint"}
    history: dict[str | None, list[Entry]] = {}
    for e in entries:
        if e.record_type == "accounts.site":
            history.setdefault(e.record_id, []).append(e)
        elif e.action != "checkpoint":
            out.fail(f"entry: seq {e.seq} is {e.action} {e.record_type}, no load writer makes it")
    for rid in sorted(set(history) - set(by_id), key=str):
        seq = history[rid][0].seq
        out.fail(f"orphan entry: seq {seq} records accounts.site:{rid}, which does not exist")
    by_code: dict[str, int] = {}  # code -> stored version
    created: dict[str, int] = {}  # code -> seq of its create entry
    for rid, (_id, code, name, version) in by_id.items():
        by_code[code] = version
        trail = history.get(rid, [])
        key = f"accounts.site:{rid} ({code})"
        if not trail:
            out.fail(f"orphan record: {key} has no ledger entry (partial transaction)")
            continue
        if [e.record_version for e in trail] != list(range(1, len(trail) + 1)):
            out.fail(f"versions: {key} entries are {[(e.action, e.record_version) for e in trail]}")
        if trail[0].action != "create":
            out.fail(f"versions: {key} first entry is {trail[0].action}, not create")
        if version != len(trail):
            out.fail(f"versions: {key} is at version {version}, its entries reach {len(trail)}")
        out.updates += len(trail) - 1
        created[code] = trail[0].seq
        state: dict[str, Any] = {}
        for e in trail:
            for field_name, (old, new) in json.loads(e.changes).items():
                if state.get(field_name) != old:
                    out.fail(f"replay: seq {e.seq} says {field_name} was {old!r}, "
                             f"the entries before it leave {state.get(field_name)!r}")  # fmt: skip
                state[field_name] = new
            # The system actor creates the load's sites, so created_by_id is None (left out of
            # the create's changes, which hold only the fields that are not None).
            snapshot = {"created_by_id": None, **state, "version": e.record_version}
            if sha256_hex(dumps(snapshot)) != e.snapshot_hash:
                out.fail(f"snapshot: seq {e.seq} snapshot_hash is not the replayed record's")
        if (state.get("code"), state.get("name"), state.get("id")) != (code, name, int(rid)):
            out.fail(f"replay: {key} row (name {name!r}) is not what its entries say")
    for code, seq in created.items():
        # A pair is created in one transaction: both or neither, adjacent in the chain but for
        # the checkpoint that its first entry may have triggered.
        if code.endswith("p"):
            first = code[:-1]
            if first not in created:
                out.fail(f"partial transaction: {code} exists without its pair {first}")
            elif any(n not in checkpoint_seqs for n in range(created[first] + 1, seq)):
                out.fail(f"transaction split: {first} at seq {created[first]}, {code} at {seq}")
        elif code.endswith("9") and f"{code}p" not in created:
            out.fail(f"partial transaction: {code} exists without its pair {code}p")
    if acks is not None:
        for code in sorted(acks.created - set(by_code)):
            out.fail(f"lost write: site {code} was acknowledged but is not in the database")
        for code, version in sorted(acks.versions.items()):
            if by_code.get(code, 0) < version:
                out.fail(f"lost write: site {code} v{version} was acknowledged, "
                         f"the database has {by_code.get(code, 'no such site')}")  # fmt: skip
