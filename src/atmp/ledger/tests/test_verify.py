"""`atmp verify` on intact ledgers: it passes, counts what it checked, and speaks JSON and exit codes."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from click.testing import CliRunner

from atmp.accounts import signing
from atmp.accounts.models import Site
from atmp.cli.main import main
from atmp.ledger import checkpoints, verify, verify_pass
from atmp.ledger.models import AuditEntry, Checkpoint, Signature
from atmp.ledger.records import gmp_models
from atmp.ledger.tests.verify_modes import verify_modes  # noqa: F401  (the fixture)
from atmp.testing import PASSWORD, RECORD_FACTORIES, make_site, rename_site

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("verify_modes")]

REPORT_KEYS = {
    "ok", "entries", "records", "accounts", "signatures", "checkpoints", "checkpoint_files", "failures", "omitted",
    "files", "file_bytes",  # the installed files module's check (ledger.verify_hooks)
    "identities", "identities_opened", "identities_erased", "identity_keys",  # the trace module's sealed identities
}  # fmt: skip
FAILURE_KEYS = {"kind", "seq", "record", "detail"}


@dataclass
class History:
    """A small ledger with every kind of entry verify checks: creates, updates, a signature, checkpoints."""

    sites: list[Site]
    signed: Site
    signature: Signature
    first_checkpoint: Checkpoint
    last_checkpoint: Checkpoint


def populate(author, approver, *, sites: int = 4) -> History:
    """Write a history of sites, renames, one approval signature and two checkpoints through the ledger."""
    made = [make_site(actor=author, code=f"H{i}", name=f"Site {i}") for i in range(sites)]
    first = checkpoints.sign_now()
    rename_site(made[1], "Renamed once", actor=author, reason="typo")
    rename_site(made[1], "Renamed twice", actor=author, reason="another typo")
    signature = signing.sign(signer=approver, record=made[1], meaning="approved", password=PASSWORD)
    rename_site(made[2], "Changed later", actor=author, reason="new name")
    last = checkpoints.sign_now()
    make_site(actor=author, code="HTAIL", name="After the last checkpoint")
    return History(made, made[1], signature, first, last)


def record_count() -> int:
    return sum(m._base_manager.count() for m in gmp_models())


def test_an_empty_ledger_verifies():
    report = verify.run()
    assert report.ok and report.entries == 0 and report.failures == []


def test_an_intact_ledger_verifies_with_every_count_right(qa_reviewer, qa_approver):
    populate(qa_reviewer, qa_approver)
    report = verify.run()
    assert report.failures == []
    assert report.ok
    assert report.entries == AuditEntry.objects.count()
    assert report.records == record_count()
    assert report.signatures == Signature.objects.count() == 1
    assert report.checkpoints == Checkpoint.objects.count() == 2


def test_a_ledger_of_many_entries_with_automatic_checkpoints_verifies(qa_reviewer, settings):
    # Enough entries for a tree of several levels, and checkpoints signed inside appends.
    settings.ATMP_CHECKPOINT_INTERVAL = 5
    for i in range(40):
        make_site(actor=qa_reviewer, code=f"M{i}")
    report = verify.run()
    assert report.ok, report.failures
    assert report.checkpoints == Checkpoint.objects.count() >= 8


def test_it_reports_progress_while_it_streams(qa_reviewer, qa_approver):
    populate(qa_reviewer, qa_approver)
    calls: list[tuple[int, int]] = []
    verify.run(progress=lambda done, total: calls.append((done, total)))
    assert calls and calls[-1] == (AuditEntry.objects.count(), AuditEntry.objects.count())


def test_it_accepts_checkpoints_exported_from_the_same_ledger(qa_reviewer, qa_approver, tmp_path):
    populate(qa_reviewer, qa_approver)
    checkpoints.export(tmp_path)
    report = verify.run(checkpoint_dir=tmp_path)
    assert report.ok, report.failures
    assert report.checkpoint_files == 2


def test_a_missing_checkpoint_directory_is_bad_input(tmp_path):
    with pytest.raises(verify.VerifyInputError, match="does not exist"):
        verify.run(checkpoint_dir=tmp_path / "nowhere")


def test_a_directory_without_checkpoint_files_is_bad_input(tmp_path):
    (tmp_path / "notes.txt").write_text("not a checkpoint")
    with pytest.raises(verify.VerifyInputError, match=r"holds no \*\.checkpoint files"):
        verify.run(checkpoint_dir=tmp_path)


def test_the_json_report_has_the_documented_shape(qa_reviewer, qa_approver):
    populate(qa_reviewer, qa_approver)
    result = CliRunner().invoke(main, ["verify", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == REPORT_KEYS
    assert report["ok"] is True and report["failures"] == [] and report["omitted"] == {}
    assert report["entries"] == AuditEntry.objects.count()
    assert isinstance(report["records"], int) and report["signatures"] == 1 and report["checkpoints"] == 2


def test_it_exits_0_with_a_summary_when_intact(qa_reviewer, qa_approver):
    populate(qa_reviewer, qa_approver)
    result = CliRunner().invoke(main, ["verify"])
    assert result.exit_code == 0
    assert result.stdout.startswith("OK: ") and "1 signatures" in result.stdout


def test_it_exits_1_and_names_the_failure_when_not(qa_reviewer, qa_approver):
    from atmp.ledger.tests.test_tamper import execute

    history = populate(qa_reviewer, qa_approver)
    execute("UPDATE accounts_site SET name = 'Tampered' WHERE id = %s", [history.sites[0].pk])
    result = CliRunner().invoke(main, ["verify", "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert [set(f) for f in report["failures"]] == [FAILURE_KEYS]
    assert report["failures"][0]["record"] == f"accounts.site:{history.sites[0].pk}"
    text = CliRunner().invoke(main, ["verify"])
    assert text.exit_code == 1
    assert text.stdout.startswith("FAILED: ") and "record seq" in text.stdout


def test_it_exits_2_on_a_missing_checkpoint_directory(tmp_path):
    result = CliRunner().invoke(main, ["verify", "--checkpoints", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr and result.stdout == ""


def test_it_caps_the_failures_of_one_kind_and_counts_the_rest(qa_reviewer, monkeypatch):
    from atmp.ledger.tests.test_tamper import execute

    monkeypatch.setattr(verify_pass, "FAILURES_PER_KIND", 3)
    sites = [make_site(actor=qa_reviewer, code=f"C{i}") for i in range(8)]
    for site in sites:
        execute("UPDATE accounts_site SET name = 'Tampered' WHERE id = %s", [site.pk])
    report = verify.run()
    assert [f.record for f in report.failures] == [f"accounts.site:{s.pk}" for s in sites[:3]]
    assert report.omitted == {"record": 5}
    assert report.as_dict()["omitted"] == {"record": 5}


@pytest.mark.parametrize("record_type", sorted(RECORD_FACTORIES))
def test_its_record_hashing_shortcut_agrees_with_each_models_own_snapshot_hash(record_type, qa_approver):
    factory, _, _ = RECORD_FACTORIES[record_type]
    record = factory(qa_approver)
    hashes = {pk: digest for pk, _, digest in verify._record_snapshots(type(record))}
    assert hashes[record.pk] == type(record)._base_manager.get(pk=record.pk).snapshot_hash()


def test_it_passes_while_a_writer_appends(tmp_path, settings):
    # Run in subprocesses with committed data: verify reads one snapshot, so entries appended
    # while it runs (and their tree nodes and head) never look like tampering.
    from tests.helpers import postgres_ledger, run_atmp, sqlite_ledger

    def verify_during_writes(ledger) -> None:
        writer = ledger.writer(count=150, tag="LIVE")
        try:
            runs = [run_atmp(["verify", "--json"], ledger.env, check=False) for _ in range(3)]
        finally:
            _, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
        for done in runs:
            assert done.returncode == 0, done.stdout + done.stderr
        assert json.loads(run_atmp(["verify", "--json"], ledger.env).stdout)["records"] >= 150

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        with postgres_ledger(tmp_path) as ledger:
            verify_during_writes(ledger)
    else:
        verify_during_writes(sqlite_ledger(tmp_path))
