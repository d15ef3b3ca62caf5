"""Generate a large, VALID atmp ledger fast, for the benchmarks (never for real data).

Writing a million entries through the service path would take hours of fsyncs, so this writes
what the service path would have written, directly, in big transactions:

* users (24, with roles) are created through the real write path (atmp.testing.make_user), with
  the ledger's clock moved back a year so the generated history can follow them;
* then entries: sites created and updated with reasons (a few thousand records with hundreds of
  versions each), signatures on site versions (with their `Signature` rows, counter-signed by the
  server key), sign-ins, sign-outs and failed sign-ins, and, every ATMP_CHECKPOINT_INTERVAL
  entries, a signed checkpoint with its `checkpoint` entry, exactly as `writer.Change` does it:
  seq from the head, `at` strictly increasing, `prev_hash` chaining, hash =
  SHA-256(canonical.entry_bytes(...)), the changes and snapshot hashes from canonical.dumps;
* the tree nodes each entry completes, from the writer's own frontier function
  (`writer._extend_frontier`), and the head row (size, hash, at, frontier);
* the record rows (accounts_site) as their last entry recorded them;
* finally one checkpoint through the real `checkpoints.sign_now()`, which refuses to sign unless
  the stored tree is consistent with the previous checkpoint.

Entries, nodes and rows are inserted with executemany (SQLite) or COPY (PostgreSQL): the
append-only triggers refuse UPDATE and DELETE, not INSERT. `atmp verify` must pass on the result:
bench/run.py runs it on every ledger it generates, and the generator is only valid if it does.

    python bench/ledger_gen.py --entries 100000 [--database-url postgresql://…] [--home DIR]

(standalone: makes a fresh ATMP_HOME in the temp dir unless --home is given, and prints where.)
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from atmp.ledger.canonical import dumps_text  # pure module: no Django needed to import it

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
DAY_US = 86_400_000_000
SITE_TYPE = "accounts.site"
USER_TYPE = "accounts.user"
CHECKPOINT_TYPE = "ledger.checkpoint"

# (role, how many users hold it): 24 users, QA and QP write and sign sites (sites.manage).
STAFF = [
    ("qa_approver", 5), ("qa_reviewer", 5), ("qualified_person", 3), ("operator", 5),
    ("qc_analyst", 3), ("pv_officer", 1), ("inspector", 1), ("system_admin", 1),
]  # fmt: skip
FIRST = ["Anna", "Bram", "Chiara", "Daan", "Elif", "Femke", "Gijs", "Hanna", "Ines", "Jonas", "Katja", "Lars",
         "Mira", "Noah", "Olga", "Pieter", "Quinn", "Rosa"]  # fmt: skip
LAST = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "de Boer", "Bos", "Vos", "Peters",
        "Hendriks", "van Dijk", "Kok", "Dekker", "Brouwer", "de Graaf", "van der Meer", "Koster", "Prins"]  # fmt: skip
CITIES = ["Leiden", "Utrecht", "Gent", "Leuven", "Basel", "Lyon", "Milano", "Uppsala", "Aarhus", "Porto", "Graz",
          "Tartu", "Cork", "Lund", "Nijmegen", "Mainz", "Pavia", "Rennes", "Bergen", "Turku"]  # fmt: skip
ZONES = ["Europe/Amsterdam", "Europe/Brussels", "Europe/Zurich", "Europe/Paris", "Europe/Rome", "Europe/Stockholm",
         "Europe/Copenhagen", "Europe/Lisbon", "Europe/Vienna", "Europe/Tallinn", "Europe/Dublin"]  # fmt: skip
REASONS = [
    "correct the site name per change control {ref}",
    "address updated after relocation of the QC laboratory ({ref})",
    "typo in master data found at periodic review {ref}",
    "align with the quality agreement, {ref}",
    "time zone corrected after DST incident {ref}",
    "site renamed after merger; approved in {ref}",
    "master data harmonised across sites ({ref})",
    "correction requested by the QP during batch review {ref}",
]
STREETS = ["Zernikedreef", "Bio Science Park", "Galileiweg", "Technologiepark", "Hochbergerstrasse", "Via Golgi"]
# action weights for the realistic mix (creates are spread over the first 60 % of the run)
MIX = [("update", 58), ("login", 24), ("logout", 6), ("sign", 5), ("login_failed", 2)]


_json = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode
_checked = itertools.count()


def canonical_text(value: Any) -> str:
    """Return the RFC 8785 text of a generated value, fast.

    The generator only builds objects with ASCII keys whose values are None, booleans, small
    integers, strings and lists of them: for those, sorted-key json.dumps with the C encoder gives
    exactly RFC 8785 (code-point order is UTF-16 order for ASCII; strings are escaped alike). Every
    97th value is compared with canonical.dumps, the writer's own serialiser, and a difference stops
    the generator.
    """
    text: str = _json(value)
    if next(_checked) % 97 == 0 and dumps_text(value) != text:
        raise AssertionError(f"fast canonical JSON differs from canonical.dumps for {value!r}")
    return text


def snapshot_hash(snapshot: dict[str, Any]) -> str:
    """Return the snapshot hash the writer computes (writer.sha256_hex_of), via canonical_text."""
    return hashlib.sha256(canonical_text(snapshot).encode("utf-8")).hexdigest()


def at_text(us: int) -> str:
    """Return microseconds since the epoch as the writer's RFC 3339 text (records.rfc3339)."""
    return (EPOCH + dt.timedelta(microseconds=us)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def at_us(text: str) -> int:
    """Return the microseconds since the epoch of an RFC 3339 text written by the ledger."""
    moment = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


@dataclass(frozen=True)
class GenActor:
    """An actor as the ledger freezes it into entries, plus what the generator lets them do."""

    id: int | None
    name: str
    roles_text: str  # canonical JSON array, as writer.Change._write stores it
    username: str
    writes_sites: bool
    meanings: tuple[str, ...]


def create_users(start: dt.datetime) -> None:
    """Create the staff through the real write path, with the ledger's clock at `start`."""
    from atmp import testing
    from atmp.accounts.models import User
    from atmp.ledger import clock

    if User.objects.exists():
        return
    real_now = clock.now
    clock.now = lambda: start  # the writer keeps times strictly increasing from here
    try:
        n = 0
        for role, count in STAFF:
            for _ in range(count):
                name = f"{FIRST[n % len(FIRST)]} {LAST[(n * 7) % len(LAST)]}"
                username = f"{name.split()[0].lower()}.{role.replace('_', '')}{n}"
                testing.make_user(role, username=username, full_name=name)
                n += 1
    finally:
        clock.now = real_now


class LedgerGenerator:
    """Appends generated entries to the ledger of the configured database, as the writer would."""

    def __init__(self, *, seed: int = 20261125, batch: int = 50_000, log: Callable[[str], None] | None = None) -> None:
        from django.conf import settings
        from django.db import connection

        from atmp.ledger import keys

        self.rng = random.Random(seed)
        self.batch = batch
        self.log = log or (lambda message: None)
        self.interval = int(settings.ATMP_CHECKPOINT_INTERVAL)
        self.vendor = connection.vendor
        self.origin = keys.origin()
        self.key = keys.private_key()
        self._load_state()
        self._reset_buffers()

    # --- state -------------------------------------------------------------------------------

    def _load_state(self) -> None:
        from atmp.accounts.models import Site, User
        from atmp.accounts.roles import meanings_of, permissions_of
        from atmp.ledger.models import Signature

        self.actors: list[GenActor] = []
        for user in User.objects.filter(is_active=True).order_by("pk"):
            roles = sorted(user.ledger_roles())
            self.actors.append(
                GenActor(
                    id=user.pk, name=user.ledger_name(), roles_text=canonical_text(roles), username=user.username,
                    writes_sites="sites.manage" in permissions_of(roles),
                    meanings=tuple(sorted(meanings_of(roles) - {"audit_trail_reviewed"})),
                )
            )  # fmt: skip
        self.system = GenActor(None, "atmp system", "[]", "", False, ())
        self.writers = [a for a in self.actors if a.writes_sites]
        self.signers = [a for a in self.actors if a.meanings and a.writes_sites]
        if not self.writers:
            raise RuntimeError("no user may write sites: run create_users() first")
        self.sites: list[dict[str, Any]] = [s.snapshot() for s in Site._base_manager.order_by("pk")]
        self.snap_hash: list[str] = [self._hash_snapshot(s) for s in self.sites]
        self.site_pos = {s["id"]: i for i, s in enumerate(self.sites)}
        self.codes = {s["code"] for s in self.sites}
        self.next_site_id = max((s["id"] for s in self.sites), default=0) + 1
        self.used_meanings = set(
            Signature.objects.filter(record_type=SITE_TYPE).values_list("record_id", "record_version", "meaning")
        )
        self._load_head()

    def _load_head(self) -> None:
        from atmp.ledger.models import LedgerHead
        from atmp.ledger.writer import frontier_from_bytes

        head = LedgerHead.objects.get(pk=1)
        self.size, self.hash, self.at = head.size, head.hash, head.at
        self.at_us = at_us(head.at) if head.at else None
        self.frontier = frontier_from_bytes(bytes(head.frontier))

    def _reset_buffers(self) -> None:
        self.entries: list[tuple[Any, ...]] = []
        self.nodes: list[tuple[int, int, bytes]] = []
        self.checkpoints: list[Any] = []
        self.signatures: list[Any] = []
        self.new_sites: set[int] = set()  # positions in self.sites
        self.dirty_sites: set[int] = set()

    @staticmethod
    def _hash_snapshot(snapshot: dict[str, Any]) -> str:
        return snapshot_hash(snapshot)

    # --- time ----------------------------------------------------------------------------------

    def _tick(self) -> str:
        """Return the next entry time: strictly after the previous one, ~mean_step apart."""
        step = max(1, int(self.rng.expovariate(1.0 / self.mean_step_us))) if self.mean_step_us > 1 else 1
        self.at_us = step + (self.at_us if self.at_us is not None else self.start_us)
        self.at = at_text(self.at_us)
        return self.at

    # --- entries -------------------------------------------------------------------------------

    def _entry(
        self, actor: GenActor, action: str, rtype: str, rid: str | None, rver: int | None, reason: str,
        changes: str, snap: str, *, at: str | None = None, checkpoint: bool = True,
    ) -> tuple[int, str]:  # fmt: skip
        """Append one entry as writer.Change._write does; return its (seq, at)."""
        from atmp.ledger.canonical import entry_bytes
        from atmp.ledger.writer import _extend_frontier

        seq = self.size + 1
        at = at if at is not None else self._tick()
        body = entry_bytes(seq, at, actor.id, actor.name, actor.roles_text, action, rtype, rid, rver, reason,
                           changes, snap, self.hash)  # fmt: skip
        digest = hashlib.sha256(body).hexdigest()
        self.entries.append(
            (seq, at, actor.id, actor.name, actor.roles_text, action, rtype, rid, rver, reason, changes, snap,
             self.hash, digest)
        )  # fmt: skip
        self.nodes.extend(_extend_frontier(self.frontier, self.size, bytes.fromhex(digest)))
        self.size, self.hash = seq, digest
        if checkpoint and self.auto_checkpoints and seq % self.interval == 0:
            self._checkpoint(actor)
        return seq, at

    def _checkpoint(self, actor: GenActor) -> None:
        """Sign a checkpoint at the current size inside the 'change', as checkpoints.sign_in_change does."""
        from atmp.ledger import merkle, note
        from atmp.ledger.models import Checkpoint

        size = self.size
        root = merkle.hash_from_perfect(self.frontier)
        signed = note.sign_note(note.checkpoint_text(self.origin, size, root), name=self.origin, private_key=self.key)
        signed_at = self._tick()
        self.checkpoints.append(Checkpoint(size=size, root=root.hex(), note=signed, signed_at=signed_at))
        changes = canonical_text({"root": [None, base64.b64encode(root).decode()], "size": [None, size]})
        self._entry(actor, "checkpoint", CHECKPOINT_TYPE, str(size), 1, "", changes,
                    hashlib.sha256(signed.encode()).hexdigest(), checkpoint=False)  # fmt: skip

    def _create_site(self) -> None:
        from atmp.accounts.models import Site
        from atmp.ledger.records import parse_rfc3339

        actor = self.rng.choice(self.writers)
        site_id = self.next_site_id
        self.next_site_id += 1
        code = f"G{site_id:05d}"
        while code in self.codes:
            code += "X"
        self.codes.add(code)
        city = CITIES[site_id % len(CITIES)]
        at = self._tick()  # Change.save takes the time first: it is also the record's created_at
        site = Site(
            id=site_id, code=code, name=f"{city} cell therapy unit {site_id}", timezone=self.rng.choice(ZONES),
            address=f"{self.rng.choice(STREETS)} {self.rng.randint(1, 400)}, {city}", version=1,
            created_at=parse_rfc3339(at), created_by_id=actor.id,
        )  # fmt: skip
        snapshot = site.snapshot()
        changes = {k: [None, v] for k, v in snapshot.items() if v is not None and k != "version"}
        snap = self._hash_snapshot(snapshot)
        self.sites.append(snapshot)
        self.snap_hash.append(snap)
        self.site_pos[site_id] = len(self.sites) - 1
        self.new_sites.add(len(self.sites) - 1)
        self._entry(actor, "create", SITE_TYPE, str(site_id), 1, "", canonical_text(changes), snap, at=at)

    def _pick_site(self) -> int:
        # Older sites are busier: a mild skew towards the first ones (at 1M entries and 3,000 sites:
        # a median of ~170 versions, the busiest ~1,000).
        return int(len(self.sites) * self.rng.random() ** 1.25)

    def _update_site(self) -> None:

        pos = self._pick_site()
        old = self.sites[pos]
        new = dict(old)
        new["version"] = old["version"] + 1
        what = self.rng.random()
        if what < 0.7:
            new["name"] = f"{CITIES[old['id'] % len(CITIES)]} cell therapy unit {old['id']} (rev {new['version']})"
        elif what < 0.9:
            new["address"] = f"{self.rng.choice(STREETS)} {self.rng.randint(1, 400)}, {CITIES[old['id'] % len(CITIES)]}"
        else:
            new["timezone"] = self.rng.choice([z for z in ZONES if z != old["timezone"]])
        changes = {k: [old.get(k), v] for k, v in new.items() if old.get(k) != v and k != "version"}
        if not changes:  # the same address drawn again: nothing changed, so nothing to record
            return
        reason = self.rng.choice(REASONS).format(ref=f"CC-{self.rng.randint(1, 9999):04d}")
        snap = self._hash_snapshot(new)
        self.sites[pos], self.snap_hash[pos] = new, snap
        if pos not in self.new_sites:
            self.dirty_sites.add(pos)
        self._entry(self.rng.choice(self.writers), "update", SITE_TYPE, str(old["id"]), new["version"], reason,
                    canonical_text(changes), snap)  # fmt: skip

    def _sign_site(self) -> None:
        from atmp.ledger import signatures
        from atmp.ledger.models import Signature

        pos = self._pick_site()
        site, snap = self.sites[pos], self.snap_hash[pos]
        rid, version = str(site["id"]), site["version"]
        signer = self.rng.choice(self.signers)
        free = [m for m in signer.meanings if (rid, version, m) not in self.used_meanings]
        if not free:
            return
        meaning = self.rng.choice(free)
        self.used_meanings.add((rid, version, meaning))
        changes = canonical_text({"meaning": [None, meaning], "signer": [None, signer.name]})
        seq, at = self._entry(signer, "sign", SITE_TYPE, rid, version, "", changes, snap)
        sig = Signature(
            record_type=SITE_TYPE, record_id=rid, record_version=version, snapshot_hash=snap, meaning=meaning,
            signer_id=signer.id, signer_name=signer.name, signed_at=at, entry_seq=seq,
        )  # fmt: skip
        sig.server_signature = signatures.counter_sign(sig)
        self.signatures.append(sig)

    def _user_event(self, action: str) -> None:

        user = self.rng.choice(self.actors)
        if action == "login_failed":  # authenticate → register_failure: the system records it
            changes = canonical_text({"username": [None, user.username]})
            self._entry(self.system, action, USER_TYPE, str(user.id), None, "", changes, "")
        else:  # login, logout: the user acts
            self._entry(user, action, USER_TYPE, str(user.id), None, "", "{}", "")

    # --- writing -------------------------------------------------------------------------------

    def extend(
        self, target_size: int, *, mean_step_us: float, start_us: int | None = None, sites: int = 0,
        mix: str = "realistic", auto_checkpoints: bool = True,
    ) -> None:  # fmt: skip
        """Append entries until the ledger holds target_size (or one more, for a checkpoint entry).

        mix "realistic": sites created until there are `sites`, updated, signed, sign-ins…;
        mix "events": sign-ins only (cheap; for growing the ledger between checkpoint timings).
        """
        self._load_head()  # someone (sign_now) may have appended since
        self.mean_step_us = mean_step_us
        self.start_us = start_us if start_us is not None else 0
        if start_us is not None and self.at_us is not None and start_us > self.at_us:
            self.at_us = start_us
        self.auto_checkpoints = auto_checkpoints
        todo = target_size - self.size
        if todo <= 0:
            return
        actions = [a for a, _ in MIX]
        weights = [w for _, w in MIX]
        create_p = (sites - len(self.sites)) / max(1.0, 0.6 * todo) if sites else 0.0
        handlers = {
            "update": self._update_site,
            "sign": self._sign_site,
            "login": lambda: self._user_event("login"),
            "logout": lambda: self._user_event("logout"),
            "login_failed": lambda: self._user_event("login_failed"),
        }
        rng = self.rng
        started, flushed_at = time.perf_counter(), self.size
        while self.size < target_size:
            if mix == "events":
                self._user_event("login")
            elif len(self.sites) < sites and (not self.sites or rng.random() < create_p):
                self._create_site()
            else:
                handlers[rng.choices(actions, weights)[0]]()
            if len(self.entries) >= self.batch:
                self.flush()
                rate = (self.size - flushed_at) / (time.perf_counter() - started)
                self.log(f"generated {self.size:,} / {target_size:,} entries ({rate:,.0f}/s)")
        self.flush()

    def flush(self) -> None:
        """Write the buffered entries, nodes, checkpoints, signatures, record rows and head in one transaction."""
        from django.db import connection, transaction

        from atmp.accounts.models import Site
        from atmp.ledger.models import Checkpoint, Signature
        from atmp.ledger.records import parse_rfc3339

        if not self.entries:
            return
        with transaction.atomic(), connection.cursor() as cursor:
            if self.vendor == "postgresql":
                self._copy(cursor, "ledger_auditentry", ENTRY_COLUMNS, self.entries)
                self._copy(cursor, "ledger_treenode", NODE_COLUMNS, self.nodes)
            else:
                cursor.executemany(_insert_sql("ledger_auditentry", ENTRY_COLUMNS), self.entries)
                cursor.executemany(_insert_sql("ledger_treenode", NODE_COLUMNS), self.nodes)
            Checkpoint.objects.bulk_create(self.checkpoints)
            Signature.objects.bulk_create(self.signatures, batch_size=2000)
            for pos in sorted(self.new_sites):
                fields = dict(self.sites[pos])
                fields["created_at"] = parse_rfc3339(fields["created_at"])
                Site(**fields)._save_unaudited(force_insert=True)
            if self.dirty_sites:
                cursor.executemany(
                    "UPDATE accounts_site SET version = %s, name = %s, timezone = %s, address = %s, status = %s, "
                    "voided = %s WHERE id = %s",
                    [
                        (s["version"], s["name"], s["timezone"], s["address"], s["status"], s["voided"], s["id"])
                        for s in (self.sites[p] for p in sorted(self.dirty_sites))
                    ],
                )
            if self.new_sites and self.vendor == "postgresql":
                cursor.execute(
                    "SELECT setval(pg_get_serial_sequence('accounts_site', 'id'), (SELECT max(id) FROM accounts_site))"
                )
            cursor.execute(
                "UPDATE ledger_ledgerhead SET size = %s, hash = %s, at = %s, frontier = %s WHERE id = 1",
                [self.size, self.hash, self.at, b"".join(self.frontier)],
            )
        self._reset_buffers()

    @staticmethod
    def _copy(cursor: Any, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(r)


ENTRY_COLUMNS = ("seq", "at", "actor_id", "actor_name", "actor_roles", "action", "record_type", "record_id",
                 "record_version", "reason", "changes", "snapshot_hash", "prev_hash", "hash")  # fmt: skip
NODE_COLUMNS = ("level", '"index"', "hash")


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"


def _fast_loading(enable: bool) -> None:
    """SQLite only, this connection only: no fsync and a 1 GiB page cache while bulk loading."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        if enable:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-1048576")
        else:
            cursor.execute("PRAGMA synchronous=FULL")  # what atmp.config sets on every connection
            cursor.execute("PRAGMA cache_size=-2000")  # SQLite's default, what atmp runs with
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def build(
    entries: int, *, seed: int = 20261125, sites: int | None = None, log: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Initialise the configured (fresh) database and fill it with a valid ledger of `entries` entries.

    The history spans the year before now (entries ~30 s apart at 1M); the last entry is the
    checkpoint signed by checkpoints.sign_now() at the real current time.
    """
    import sys

    from django.db import connection

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
    from common import init_database

    from atmp.ledger import checkpoints, tree

    say = log or (lambda message: None)
    t0 = time.perf_counter()
    init_database()
    now = dt.datetime.now(dt.UTC)
    start = (now - dt.timedelta(days=366)).replace(microsecond=0)
    create_users(start)
    gen = LedgerGenerator(seed=seed, log=say)
    sites = sites if sites is not None else max(50, entries // 330)
    span_us = (now - dt.timedelta(days=1) - start) // dt.timedelta(microseconds=1)
    target = entries - 1  # sign_now() appends the last one
    _fast_loading(True)
    try:
        gen.extend(target, mean_step_us=span_us / max(1, target - gen.size), sites=sites)
    finally:
        _fast_loading(False)
    checkpoints.sign_now()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # what autovacuum would have done by now
            # Flush the bulk load's dirty buffers now, not in the background while pages are timed.
            cursor.execute("CHECKPOINT")
    seconds = time.perf_counter() - t0
    size = tree.size()
    say(f"ledger of {size:,} entries, {len(gen.sites):,} sites, ready in {seconds:.0f} s")
    return {"entries": size, "sites": len(gen.sites), "seconds": seconds, "generator": gen}


def main() -> int:
    import argparse
    import os
    import sys
    import tempfile

    parser = argparse.ArgumentParser(description="Generate a valid atmp ledger in a fresh database.")
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--sites", type=int, default=None, help="records to create (default entries/330)")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--home", help="ATMP_HOME to fill (default: a new temp dir); must not hold a ledger yet")
    parser.add_argument("--database-url", help="an EMPTY PostgreSQL database (default: SQLite under the home)")
    args = parser.parse_args()
    home = args.home or tempfile.mkdtemp(prefix="atmp-ledger-")
    os.environ["ATMP_HOME"] = home
    os.environ["DJANGO_SETTINGS_MODULE"] = "atmp.settings"
    if args.database_url:
        os.environ["ATMP_DATABASE_URL"] = args.database_url
    import django

    django.setup()
    result = build(args.entries, seed=args.seed, sites=args.sites, log=lambda m: print(m, file=sys.stderr))
    print(f"{result['entries']} entries, {result['sites']} sites in {result['seconds']:.0f} s; ATMP_HOME={home}")
    print("check it with:  ATMP_HOME=... atmp verify")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
