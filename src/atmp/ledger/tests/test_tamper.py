"""The tamper suite: each way of changing the ledger behind atmp's back, and how `atmp verify` names it.

Every tampering is done with direct SQL, as someone with database access would, after lifting the
append-only triggers inside the test's transaction (its rollback restores them). The careful forger
recomputes hashes, tree nodes and head, so that only the signed checkpoints (made with a key that is
not in the database) reveal the rewrite. docs/tamper-evidence.md is the table of these cases.
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import connection

from atmp.accounts.models import Site
from atmp.ledger import checkpoints, keys, note, verify, writer
from atmp.ledger.canonical import ZERO_HASH, entry_bytes, sha256_hex
from atmp.ledger.models import AuditEntry
from atmp.ledger.selectors import ENTRY_COLUMNS
from atmp.ledger.tests.test_verify import populate
from atmp.ledger.tests.verify_modes import verify_modes  # noqa: F401  (the fixture)
from atmp.testing import make_site

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("verify_modes")]

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
LEDGER_TABLES = ("ledger_auditentry", "ledger_treenode", "ledger_checkpoint", "ledger_signature")


# --- tampering, with SQL --------------------------------------------------------------------------


def execute(sql: str, params: list[Any] | tuple[Any, ...] | None = None) -> None:
    """Run one statement on the test's connection."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def query(sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """Return the rows of one query on the test's connection."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def lift_append_only(*tables: str) -> None:
    """Remove the append-only triggers of the ledger tables for the rest of the test's transaction."""
    for table in tables or LEDGER_TABLES:
        if ON_POSTGRES:
            execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")


def entry_row(seq: int) -> dict[str, Any]:
    """Return an entry's stored columns."""
    (row,) = query(f"SELECT {', '.join(ENTRY_COLUMNS)} FROM ledger_auditentry WHERE seq = %s", [seq])
    return dict(zip(ENTRY_COLUMNS, row, strict=True))


def body_hash(row: dict[str, Any]) -> str:
    """Return the hash an entry's fields give (what a forger without the key can recompute)."""
    return sha256_hex(entry_bytes(*(row[c] for c in ENTRY_COLUMNS[:-1])))


def overwrite_entry(seq: int, row: dict[str, Any]) -> None:
    """Replace every column but seq of the stored entry seq."""
    columns = [c for c in ENTRY_COLUMNS if c != "seq"]
    assignments = ", ".join(f"{c} = %s" for c in columns)
    execute(f"UPDATE ledger_auditentry SET {assignments} WHERE seq = %s", [*(row[c] for c in columns), seq])


def insert_entry(row: dict[str, Any]) -> None:
    """Insert an entry row as given."""
    placeholders = ", ".join(["%s"] * len(ENTRY_COLUMNS))
    execute(
        f"INSERT INTO ledger_auditentry ({', '.join(ENTRY_COLUMNS)}) VALUES ({placeholders})",
        [row[c] for c in ENTRY_COLUMNS],
    )


def last_seq() -> int:
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def rebuild_tree_and_head() -> None:
    """Recompute every stored tree node and the head from the stored entry hashes, as a careful forger would."""
    lift_append_only("ledger_treenode")
    hashes = query("SELECT hash, at FROM ledger_auditentry ORDER BY seq")
    execute("DELETE FROM ledger_treenode")
    frontier: list[bytes] = []
    nodes = []
    for size, (hash_, _) in enumerate(hashes):
        nodes += writer._extend_frontier(frontier, size, bytes.fromhex(hash_))
    with connection.cursor() as cursor:
        cursor.executemany('INSERT INTO ledger_treenode (level, "index", hash) VALUES (%s, %s, %s)', nodes)
    last_hash, last_at = hashes[-1] if hashes else (ZERO_HASH, "")
    execute(
        "UPDATE ledger_ledgerhead SET size = %s, hash = %s, at = %s, frontier = %s WHERE id = 1",
        [len(hashes), last_hash, last_at, b"".join(frontier)],
    )


def rewrite_chain_from(seq: int, **edits: Any) -> None:
    """Edit entry seq and re-chain every later entry with valid hashes, then fix the tree and head."""
    lift_append_only()
    prev = entry_row(seq - 1)["hash"] if seq > 1 else ZERO_HASH
    for current in range(seq, last_seq() + 1):
        row = entry_row(current)
        if current == seq:
            row.update(edits)
        row["prev_hash"] = prev
        row["hash"] = prev = body_hash(row)
        overwrite_entry(current, row)
    rebuild_tree_and_head()


def truncate_after(size: int) -> None:
    """Delete every entry after size and fix the tree and head, as a careful forger would."""
    lift_append_only()
    execute("DELETE FROM ledger_auditentry WHERE seq > %s", [size])
    rebuild_tree_and_head()


def logins(user, count: int) -> None:
    """Append entries that touch no record (sign-ins), so a tail can be cut without orphaning records."""
    for _ in range(count):
        with writer.change(actor=user, reason="") as ch:
            ch.event(action="login", record_type="accounts.user", record_id=str(user.pk))


# --- reading the report ----------------------------------------------------------------------------


def failed(report: verify.Report) -> verify.Failure:
    """Return the first failure (lowest seq), asserting there is one."""
    assert not report.ok, "verify passed a tampered ledger"
    return report.failures[0]


def kinds(report: verify.Report) -> set[str]:
    return {f.kind for f in report.failures}


# --- (1) a record row edited ----------------------------------------------------------------------


def test_it_names_a_record_edited_behind_the_ledgers_back(qa_reviewer, qa_approver):
    history = populate(qa_reviewer, qa_approver)
    site = history.sites[0]
    execute("UPDATE accounts_site SET name = 'Edited in SQL' WHERE id = %s", [site.pk])
    first = failed(verify.run())
    assert (first.kind, first.record) == ("record", f"accounts.site:{site.pk}")
    assert first.seq == AuditEntry.objects.get(record_type="accounts.site", record_id=str(site.pk)).seq


def test_it_names_a_record_whose_version_was_rolled_back(qa_reviewer, qa_approver):
    history = populate(qa_reviewer, qa_approver)
    execute("UPDATE accounts_site SET version = 1 WHERE id = %s", [history.signed.pk])
    report = verify.run()
    assert any("is at version 1" in f.detail for f in report.failures)
    assert failed(report).record == f"accounts.site:{history.signed.pk}"


def test_it_names_a_record_written_without_an_entry(qa_reviewer, qa_approver):
    populate(qa_reviewer, qa_approver)
    sneaky = Site(code="SNEAK", name="Never audited", version=1)
    sneaky._save_unaudited(force_insert=True)
    report = verify.run()
    assert [(f.kind, f.record, f.seq) for f in report.failures] == [
        ("unaudited_record", f"accounts.site:{sneaky.pk}", None)
    ]


def test_it_names_a_record_deleted_in_sql(qa_reviewer, qa_approver):
    history = populate(qa_reviewer, qa_approver)
    site = history.sites[3]
    execute("DELETE FROM accounts_site WHERE id = %s", [site.pk])
    first = failed(verify.run())
    assert (first.kind, first.record) == ("record_missing", f"accounts.site:{site.pk}")


# --- (2) an entry edited ----------------------------------------------------------------------------


def test_it_names_the_first_edited_entry(qa_reviewer, qa_approver):
    populate(qa_reviewer, qa_approver)
    lift_append_only("ledger_auditentry")
    execute("UPDATE ledger_auditentry SET reason = 'a better reason' WHERE seq IN (%s, %s)", [9, 12])
    report = verify.run()
    assert (failed(report).kind, failed(report).seq) == ("hash", 9)
    assert [f.seq for f in report.failures if f.kind == "hash"] == [9, 12]
    assert kinds(report) == {"hash"}  # the stored hashes still chain and still build the stored tree


def test_it_names_an_edited_entry_whose_hash_was_recomputed(qa_reviewer, qa_approver):
    populate(qa_reviewer, qa_approver)
    lift_append_only("ledger_auditentry")
    row = entry_row(9) | {"reason": "a better reason"}
    row["hash"] = body_hash(row)
    overwrite_entry(9, row)
    report = verify.run()
    assert (failed(report).kind, failed(report).seq) == ("tree", 9)
    assert any(f.kind == "chain" and f.seq == 10 for f in report.failures)
    # The signed checkpoints covering it fail too, and name the same entry.
    assert [f.seq for f in report.failures if f.kind == "checkpoint"] == [9]


# --- (3) an entry deleted ---------------------------------------------------------------------------


def test_it_names_a_deleted_entry(qa_reviewer, qa_approver):
    populate(qa_reviewer, qa_approver)
    lift_append_only("ledger_auditentry")
    execute("DELETE FROM ledger_auditentry WHERE seq = 7")
    report = verify.run()
    first = failed(report)
    assert (first.kind, first.seq) == ("seq", 7)
    assert "entry 7 is missing" in first.detail
    # Every later leaf shifts: one tree failure for the run, not one per node.
    assert [f.seq for f in report.failures if f.kind == "tree"] == [7]


# --- (4) a forged entry inserted --------------------------------------------------------------------


def test_it_names_a_forged_entry_appended_with_a_valid_chain(qa_reviewer, qa_approver):
    populate(qa_reviewer, qa_approver)
    n = last_seq()
    head = entry_row(n)
    forged = head | {
        "seq": n + 1,
        "at": "2099-01-01T00:00:00.000000Z",
        "action": "login",
        "record_type": "accounts.user",
        "record_id": str(qa_approver.pk),
        "record_version": None,
        "changes": "{}",
        "snapshot_hash": "",
        "reason": "",
        "prev_hash": head["hash"],
    }
    forged["hash"] = body_hash(forged)
    insert_entry(forged)  # inserting needs no trigger lifted: the table is append-only, not closed
    report = verify.run()
    assert (failed(report).seq, failed(report).kind) == (n + 1, "tree")
    assert {"tree", "head"} <= kinds(report) and "hash" not in kinds(report) and "chain" not in kinds(report)


# --- (5) two entries swapped -----------------------------------------------------------------------


def test_it_names_the_first_of_two_swapped_entries(qa_reviewer, qa_approver):
    populate(qa_reviewer, qa_approver)
    lift_append_only("ledger_auditentry")
    a, b = entry_row(6), entry_row(11)
    overwrite_entry(6, a | {"hash": "f" * 64})  # the hash column is unique: park one first
    overwrite_entry(11, a | {"seq": 11})
    overwrite_entry(6, b | {"seq": 6})
    report = verify.run()
    assert (failed(report).kind, failed(report).seq) == ("hash", 6)
    assert any(f.kind == "hash" and f.seq == 11 for f in report.failures)


# --- (6) an entry replayed -------------------------------------------------------------------------


def test_it_names_a_replayed_entry(qa_reviewer, qa_approver):
    history = populate(qa_reviewer, qa_approver)
    n = last_seq()
    # Replay the first rename of the signed site: a valid chained entry, but old content.
    original = AuditEntry.objects.filter(record_id=str(history.signed.pk), action="update").order_by("seq").first()
    replay = entry_row(original.seq) | {"seq": n + 1, "prev_hash": entry_row(n)["hash"]}
    replay["hash"] = body_hash(replay)
    insert_entry(replay)
    report = verify.run()
    assert failed(report).seq == n + 1
    assert {"time", "tree", "record"} <= kinds(report)
    assert any(f.kind == "time" and f.seq == n + 1 for f in report.failures)


# --- (7) a timestamp changed -----------------------------------------------------------------------


def test_it_names_an_entry_whose_time_was_changed(qa_reviewer, qa_approver):
    populate(qa_reviewer, qa_approver)
    lift_append_only("ledger_auditentry")
    execute("UPDATE ledger_auditentry SET at = '2020-01-01T00:00:00.000000Z' WHERE seq = 8")
    report = verify.run()
    assert (failed(report).kind, failed(report).seq) == ("hash", 8)
    assert any(f.kind == "time" and f.seq == 8 for f in report.failures)


def test_it_names_an_impossible_date_even_when_rehashed(qa_reviewer):
    for i in range(3):
        make_site(actor=qa_reviewer, code=f"D{i}")
    n = last_seq()
    lift_append_only("ledger_auditentry")
    row = entry_row(n) | {"at": "2999-02-30T00:00:00.000000Z"}
    row["hash"] = body_hash(row)
    overwrite_entry(n, row)
    rebuild_tree_and_head()
    report = verify.run()
    assert [(f.kind, f.seq) for f in report.failures] == [("time", n)]
    assert "not a real date" in report.failures[0].detail


# --- (8) a signature moved --------------------------------------------------------------------------


def test_it_names_a_signature_moved_to_another_record(qa_reviewer, qa_approver):
    history = populate(qa_reviewer, qa_approver)
    other = history.sites[3]
    lift_append_only("ledger_signature")
    execute("UPDATE ledger_signature SET record_id = %s", [str(other.pk)])
    report = verify.run()
    first = failed(report)
    assert (first.kind, first.seq, first.record) == (
        "signature",
        history.signature.entry_seq,
        f"accounts.site:{other.pk}",
    )
    assert "counter-signature" in first.detail
    assert kinds(report) == {"signature"}


def test_it_names_a_signature_deleted_from_its_table(qa_reviewer, qa_approver):
    history = populate(qa_reviewer, qa_approver)
    lift_append_only("ledger_signature")
    execute("DELETE FROM ledger_signature")
    first = failed(verify.run())
    assert (first.kind, first.seq) == ("signature", history.signature.entry_seq)
    assert "no longer stored" in first.detail


def test_it_names_a_signature_whose_entry_was_rewritten(qa_reviewer, qa_approver):
    history = populate(qa_reviewer, qa_approver)
    seq = history.signature.entry_seq
    lift_append_only("ledger_auditentry")
    row = entry_row(seq) | {"actor_id": qa_reviewer.pk}  # claim someone else signed
    overwrite_entry(seq, row)
    report = verify.run()
    assert (failed(report).kind, failed(report).seq) == ("hash", seq)
    assert any(f.kind == "signature" and f.seq == seq for f in report.failures)


# --- the stored tree and head -----------------------------------------------------------------------


def test_it_names_the_first_entry_under_an_edited_tree_node(qa_reviewer, qa_approver):
    populate(qa_reviewer, qa_approver)
    lift_append_only("ledger_treenode")
    execute("""UPDATE ledger_treenode SET hash = %s WHERE level = 2 AND "index" = 1""", [b"\x00" * 32])
    report = verify.run()
    assert [(f.kind, f.seq) for f in report.failures] == [("tree", 5)]
    assert "entries 5..8" in report.failures[0].detail


def test_it_names_edited_leaf_nodes_on_both_sides_of_a_range_boundary_as_one_run(qa_reviewer, qa_approver):
    # verify_modes also runs this in ranges of 8 entries: leaves 6..8 straddle the first boundary,
    # and the range after it has a second, separate run (leaf 10).
    populate(qa_reviewer, qa_approver)
    lift_append_only("ledger_treenode")
    for index in (6, 7, 8, 10):
        execute("""UPDATE ledger_treenode SET hash = %s WHERE level = 0 AND "index" = %s""", [b"\x00" * 32, index])
    report = verify.run()
    assert [(f.kind, f.seq) for f in report.failures] == [("tree", 7), ("tree", 11)]
    assert "entries 7..9 is not the tree of the entries (3 stored nodes disagree" in report.failures[0].detail


def test_it_names_stored_nodes_whose_hashes_only_concatenate_to_the_right_bytes(qa_reviewer, qa_approver):
    # Chunks are compared as the concatenation of their stored hashes: each must also be 32 bytes.
    populate(qa_reviewer, qa_approver)
    lift_append_only("ledger_treenode")
    sql = 'SELECT hash FROM ledger_treenode WHERE level = 0 AND "index" = %s'
    four, five = (bytes(query(sql, [i])[0][0]) for i in (4, 5))
    execute("""UPDATE ledger_treenode SET hash = %s WHERE level = 0 AND "index" = 4""", [four + five[:1]])
    execute("""UPDATE ledger_treenode SET hash = %s WHERE level = 0 AND "index" = 5""", [five[1:]])
    report = verify.run()
    assert [(f.kind, f.seq) for f in report.failures] == [("tree", 5)]
    assert "entries 5..6" in report.failures[0].detail


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite-only: PostgreSQL's bigint index holds no fraction")
def test_it_names_a_stored_node_moved_to_an_index_that_is_not_a_whole_number(qa_reviewer, qa_approver):
    populate(qa_reviewer, qa_approver)
    lift_append_only("ledger_treenode")
    execute("""UPDATE ledger_treenode SET "index" = 4.5 WHERE level = 0 AND "index" = 4""")
    report = verify.run()
    assert [(f.kind, f.seq) for f in report.failures] == [("tree", 5)]
    assert "node 0/4 is missing" in report.failures[0].detail


def test_it_reports_a_head_that_disagrees_with_the_entries(qa_reviewer, qa_approver):
    populate(qa_reviewer, qa_approver)
    execute("UPDATE ledger_ledgerhead SET size = size - 1")
    assert kinds(verify.run()) == {"head"}


# --- (9) the chain recomputed without the key ------------------------------------------------------


def test_only_a_signed_checkpoint_reveals_a_chain_rewritten_with_valid_hashes(qa_reviewer, qa_approver):
    history = populate(qa_reviewer, qa_approver)
    k = history.first_checkpoint.size + 4
    assert k <= history.last_checkpoint.size
    rewrite_chain_from(k, reason="history as the forger wants it")
    report = verify.run()
    first = failed(report)
    assert kinds(report) == {"checkpoint"}  # chain, tree, head, records and signatures all hold
    assert first.record == f"ledger.checkpoint:{history.last_checkpoint.size}"
    # The signed heads bracket the change: entries up to the first checkpoint are proven intact.
    assert first.seq == history.first_checkpoint.size + 1 <= k <= history.last_checkpoint.size
    assert "not the ones it signed" in first.detail


def test_a_rewrite_after_the_last_checkpoint_is_protected_only_by_the_next_one(qa_reviewer, qa_approver):
    # The limit docs/tamper-evidence.md states: entries after the last checkpoint are protected by
    # the chain and the stored tree alone, and a careful forger recomputes both.
    history = populate(qa_reviewer, qa_approver)
    rewrite_chain_from(history.last_checkpoint.size + 2, reason="rewritten before any checkpoint covered it")
    assert verify.run().ok


# --- (10) the tail truncated -----------------------------------------------------------------------


@pytest.fixture
def tail(qa_reviewer, qa_approver) -> tuple[int, int]:
    """A ledger whose last checkpoint covers a tail of sign-ins; return (first size, last size)."""
    populate(qa_reviewer, qa_approver)
    first = checkpoints.sign_now().size
    logins(qa_approver, 6)
    last = checkpoints.sign_now().size
    return first, last


def test_a_stored_checkpoint_reveals_a_truncated_tail(tail):
    first, last = tail
    truncate_after(first + 3)
    report = verify.run()
    head = failed(report)
    assert (head.kind, head.seq, head.record) == ("checkpoint", first + 4, f"ledger.checkpoint:{last}")
    assert "ends at entry" in head.detail


def test_an_exported_checkpoint_reveals_a_truncated_tail_when_the_stored_ones_are_gone(tail, tmp_path):
    first, last = tail
    checkpoints.export(tmp_path)  # kept elsewhere, out of the forger's reach
    truncate_after(first + 3)
    execute("DELETE FROM ledger_checkpoint WHERE size > %s", [first + 3])
    assert verify.run().ok  # the database alone is self-consistent again
    report = verify.run(checkpoint_dir=tmp_path)
    head = failed(report)
    assert (head.kind, head.seq) == ("checkpoint_file", first + 4)
    assert str(tmp_path / f"{last}.checkpoint") in head.detail


def test_an_exported_checkpoint_reveals_a_rewrite_when_the_stored_ones_were_replaced(tail, tmp_path):
    first, _ = tail
    checkpoints.export(tmp_path)
    rewrite_chain_from(first + 2, reason="forged")
    execute("DELETE FROM ledger_checkpoint WHERE size > %s", [first])
    report = verify.run(checkpoint_dir=tmp_path)
    assert (failed(report).kind, failed(report).seq) == ("checkpoint_file", first + 1)
    assert any(f.kind == "checkpoint" and "no longer stored" in f.detail for f in report.failures)


# --- stored and exported checkpoints themselves -----------------------------------------------------


def forged_checkpoint(size: int, root: bytes) -> str:
    """Return a checkpoint for our origin signed by a key that is not the server's."""
    text = note.checkpoint_text(keys.origin(), size, root)
    return note.sign_note(text, name=keys.origin(), private_key=Ed25519PrivateKey.generate())


def test_a_checkpoint_signed_by_another_key_in_the_directory_is_reported(tail, tmp_path):
    first, _ = tail
    checkpoints.export(tmp_path)
    (tmp_path / "999.checkpoint").write_text(forged_checkpoint(first, bytes(32)))
    report = verify.run(checkpoint_dir=tmp_path)
    assert [(f.kind, f.seq) for f in report.failures] == [("checkpoint_file", None)]
    assert "999.checkpoint" in report.failures[0].detail and "not signed by" in report.failures[0].detail


def test_a_malformed_checkpoint_file_is_reported(tail, tmp_path):
    checkpoints.export(tmp_path)
    (tmp_path / "broken.checkpoint").write_bytes(b"\xff\xfe not a note")
    report = verify.run(checkpoint_dir=tmp_path)
    assert [f.kind for f in report.failures] == ["checkpoint_file"]
    assert "broken.checkpoint" in report.failures[0].detail and "malformed" in report.failures[0].detail


def test_a_stored_checkpoint_replaced_by_a_forgery_is_reported(tail):
    first, _ = tail
    lift_append_only("ledger_checkpoint")
    row = query("SELECT root FROM ledger_checkpoint WHERE size = %s", [first])[0]
    execute(
        "UPDATE ledger_checkpoint SET note = %s WHERE size = %s",
        [forged_checkpoint(first, bytes.fromhex(row[0])), first],
    )
    report = verify.run()
    assert any(f.kind == "checkpoint" and f.record == f"ledger.checkpoint:{first}" and "does not verify" in f.detail
               for f in report.failures)  # fmt: skip


def test_a_deleted_stored_checkpoint_is_named_by_its_entry(tail):
    first, _ = tail
    lift_append_only("ledger_checkpoint")
    execute("DELETE FROM ledger_checkpoint WHERE size = %s", [first])
    report = verify.run()
    entry_seq = AuditEntry.objects.get(action="checkpoint", record_id=str(first)).seq
    assert [(f.kind, f.seq) for f in report.failures] == [("checkpoint", entry_seq)]


# --- (11) an older copy of the database restored ---------------------------------------------------


def _subprocess_ledger_writes(ledger, tag: str, count: int) -> None:
    proc = ledger.writer(count=count, tag=tag)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err


def _restored_copy_scenario(ledger, restore) -> None:
    """Write, checkpoint, keep a copy; write more, checkpoint, export; restore the copy; verify both ways."""
    from tests.helpers import run_atmp

    _subprocess_ledger_writes(ledger, "OLD", 4)
    run_atmp(["ledger", "checkpoint"], ledger.env)
    old_size = int(ledger.query("SELECT size FROM ledger_ledgerhead")[0][0])
    keep = restore.keep()
    _subprocess_ledger_writes(ledger, "NEW", 4)
    run_atmp(["ledger", "checkpoint"], ledger.env)
    exported = ledger.home / "exported-checkpoints"
    run_atmp(["ledger", "checkpoints", "--export", str(exported)], ledger.env)
    env = restore.put_back(keep)

    alone = run_atmp(["verify", "--json"], env, check=False)
    assert alone.returncode == 0, alone.stdout + alone.stderr  # a copy is self-consistent
    against = run_atmp(["verify", "--json", "--checkpoints", str(exported)], env, check=False)
    assert against.returncode == 1, against.stdout + against.stderr
    report = json.loads(against.stdout)
    first = report["failures"][0]
    assert (first["kind"], first["seq"]) == ("checkpoint_file", old_size + 1)
    assert "older copy" in first["detail"]


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite-only: restores a copy of the database file")
def test_a_restored_older_database_file_is_caught_only_by_exported_checkpoints(tmp_path):
    from tests.helpers import sqlite_ledger

    ledger = sqlite_ledger(tmp_path)
    database = Path(ledger.database)

    class FileCopy:
        def keep(self) -> Path:
            # Every process has exited, so the file (and a WAL, if one was left) is a whole copy.
            aside = tmp_path / "older"
            aside.mkdir()
            for path in (database, Path(f"{database}-wal")):
                if path.exists():
                    shutil.copy2(path, aside / path.name)
            return aside

        def put_back(self, aside: Path) -> dict[str, str]:
            for suffix in ("-wal", "-shm"):
                Path(f"{database}{suffix}").unlink(missing_ok=True)
            for path in aside.iterdir():
                shutil.copy2(path, database.parent / path.name)
            return ledger.env

    _restored_copy_scenario(ledger, FileCopy())


@pytest.mark.postgres
def test_a_restored_older_postgres_database_is_caught_only_by_exported_checkpoints(tmp_path):
    import psycopg

    from tests.helpers import PG_HOST, PG_PORT, PG_USER, postgres_ledger

    def admin(sql: str) -> None:
        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]  # generated names only

    copy = f"atmp_restore_{uuid.uuid4().hex[:12]}"
    with postgres_ledger(tmp_path) as ledger:

        class TemplateCopy:
            def keep(self) -> str:
                # CREATE DATABASE … TEMPLATE is PostgreSQL's exact copy: what restoring a dump gives.
                admin(f'CREATE DATABASE "{copy}" TEMPLATE "{ledger.database}"')
                return copy

            def put_back(self, name: str) -> dict[str, str]:
                return ledger.env | {"ATMP_DATABASE_URL": f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"}

        try:
            _restored_copy_scenario(ledger, TemplateCopy())
        finally:
            admin(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
