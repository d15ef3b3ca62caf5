"""`atmp tick`: checkpoints signed by time, and copied to witnesses outside the database."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.config import ConfigError
from atmp.ledger import checkpoints, keys, note, verify, witness
from atmp.ledger.models import AuditEntry, Checkpoint, WitnessDelivery
from atmp.ledger.tests.test_tamper import execute, logins, rewrite_chain_from
from atmp.testing import make_site

pytestmark = pytest.mark.django_db


def atmp(*args: str, code: int = 0) -> str:
    """Run `atmp ARGS` in this process; assert its exit code and return stdout."""
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == code, result.output
    return result.stdout


@pytest.fixture
def folder(tmp_path, settings) -> Path:
    """A witness folder, configured."""
    path = tmp_path / "witness"
    path.mkdir()
    settings.ATMP_WITNESS_DIRS = [str(path)]
    settings.ATMP_WITNESS_URLS = []
    return path


class Recorder(http.server.BaseHTTPRequestHandler):
    """A witness endpoint: keeps every POST, or answers the status the test sets."""

    received: list[tuple[str, str, bytes]]
    status = 200

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.status == 200:
            self.received.append((self.path, self.headers["Content-Type"], body))
        self.send_response(self.status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        """Keep the test's output quiet."""


@pytest.fixture
def endpoint(settings) -> Iterator[type[Recorder]]:
    """A real HTTP server on a free local port, configured as the only witness."""
    handler = type("Handler", (Recorder,), {"received": [], "status": 200})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.ATMP_WITNESS_DIRS = []
    settings.ATMP_WITNESS_URLS = [f"http://127.0.0.1:{server.server_address[1]}/checkpoints?token=s3cret"]
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()


# --- signing by time ------------------------------------------------------------------------------


def test_it_signs_a_checkpoint_when_entries_accumulated(qa_reviewer, folder):
    for i in range(3):
        make_site(actor=qa_reviewer, code=f"K{i}")
    size = AuditEntry.objects.count()
    report = witness.tick()
    assert report.signed and report.checkpoint == size
    assert Checkpoint.objects.get(size=size)


def test_it_signs_nothing_when_nothing_was_appended_since_the_last_checkpoint(qa_reviewer, folder):
    make_site(actor=qa_reviewer)
    first = witness.tick()
    entries = AuditEntry.objects.count()  # the checkpoint's own entry is the last one
    second = witness.tick()
    assert first.signed and not second.signed
    assert (second.checkpoint, AuditEntry.objects.count()) == (first.checkpoint, entries)
    assert Checkpoint.objects.count() == 1


def test_it_signs_again_after_a_new_entry(qa_reviewer, folder):
    make_site(actor=qa_reviewer)
    first = witness.tick().checkpoint
    make_site(actor=qa_reviewer, code="AFTER")
    second = witness.tick()
    assert second.signed and second.checkpoint == first + 2


def test_an_empty_ledger_needs_no_checkpoint(folder):
    report = witness.tick()
    assert (report.signed, report.checkpoint, report.ok) == (False, None, True)
    assert not list(folder.iterdir())


# --- folder witnesses -----------------------------------------------------------------------------


def test_it_copies_every_new_checkpoint_to_the_folder_once(qa_reviewer, folder):
    make_site(actor=qa_reviewer)
    earlier = checkpoints.sign_now().size  # signed on demand, not by a tick: delivered all the same
    make_site(actor=qa_reviewer, code="SECOND")
    report = witness.tick()
    assert report.witnesses[0].delivered == [earlier, report.checkpoint]
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{s}.checkpoint" for s in (earlier, report.checkpoint))
    for size in (earlier, report.checkpoint):
        assert (folder / f"{size}.checkpoint").read_text() == Checkpoint.objects.get(size=size).note
    again = witness.tick()
    assert again.witnesses[0].delivered == [] and again.ok
    assert WitnessDelivery.objects.get(witness=f"dir:{folder.resolve()}").delivered_size == report.checkpoint


def test_atmp_verify_reads_the_witness_folder(qa_reviewer, folder):
    make_site(actor=qa_reviewer)
    witness.tick()
    names = [Path(p).name for p, _ in verify.read_checkpoint_files(folder)]
    assert names == [f"{checkpoints.latest().size}.checkpoint"]
    report = verify.run(checkpoint_dir=folder)
    assert report.ok and report.checkpoint_files == 1


def test_it_never_overwrites_a_different_checkpoint_in_the_folder(qa_reviewer, folder):
    make_site(actor=qa_reviewer)
    size = AuditEntry.objects.count()
    (folder / f"{size}.checkpoint").write_text("what the witness was given before\n")
    report = witness.tick()
    assert not report.ok
    assert "already holds another checkpoint" in report.witnesses[0].error
    assert (folder / f"{size}.checkpoint").read_text() == "what the witness was given before\n"
    assert not [p for p in folder.iterdir() if p.name.endswith(".partial")]


def test_a_missing_folder_is_a_failure_and_is_not_created(qa_reviewer, folder, settings, tmp_path):
    missing = tmp_path / "unmounted"
    settings.ATMP_WITNESS_DIRS = [str(missing)]
    make_site(actor=qa_reviewer)
    report = witness.tick()
    assert report.signed and not report.ok
    assert "does not exist" in report.witnesses[0].error and report.witnesses[0].pending == 1
    assert not missing.exists()
    missing.mkdir()  # mounted again: the next tick delivers what is pending
    retried = witness.tick()
    assert retried.ok and retried.witnesses[0].delivered == [report.checkpoint]


# --- HTTP witnesses -------------------------------------------------------------------------------


def test_it_posts_each_new_checkpoint_to_the_endpoint_as_text(qa_reviewer, endpoint):
    make_site(actor=qa_reviewer)
    report = witness.tick()
    assert report.ok and report.witnesses[0].delivered == [report.checkpoint]
    ((path, content_type, body),) = endpoint.received
    assert path == "/checkpoints?token=s3cret" and content_type == "text/plain; charset=utf-8"
    assert note.open_checkpoint(body.decode(), keys.verifier()).size == report.checkpoint
    # Reports and the delivery table name the endpoint without the token its URL carries.
    assert "s3cret" not in report.witnesses[0].witness and "s3cret" not in json.dumps(report.as_dict())
    assert witness.tick().witnesses[0].delivered == [] and len(endpoint.received) == 1


def test_a_refusing_endpoint_is_reported_and_retried_at_the_next_tick(qa_reviewer, endpoint):
    make_site(actor=qa_reviewer)
    endpoint.status = 503
    failed = witness.tick()
    assert not failed.ok and failed.witnesses[0].error.startswith("HTTP 503")
    assert failed.witnesses[0].pending == 1 and endpoint.received == []
    make_site(actor=qa_reviewer, code="MORE")
    endpoint.status = 200
    retried = witness.tick()
    assert retried.ok
    assert retried.witnesses[0].delivered == [failed.checkpoint, retried.checkpoint]
    assert [body.decode() for _, _, body in endpoint.received] == [
        Checkpoint.objects.get(size=s).note for s in (failed.checkpoint, retried.checkpoint)
    ]


def test_an_unreachable_endpoint_is_reported(qa_reviewer, settings):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.ATMP_WITNESS_DIRS, settings.ATMP_WITNESS_URLS = [], [f"http://127.0.0.1:{port}/"]
    make_site(actor=qa_reviewer)
    report = witness.tick()
    assert not report.ok and "refused" in report.witnesses[0].error.lower()


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "example.org/checkpoints"])
def test_it_refuses_a_witness_url_that_is_not_http(settings, url):
    settings.ATMP_WITNESS_DIRS, settings.ATMP_WITNESS_URLS = [], [url]
    with pytest.raises(ConfigError, match="ATMP_WITNESS_URLS"):
        witness.tick()


# --- the command ----------------------------------------------------------------------------------


def test_atmp_tick_reports_in_json_and_exits_0(qa_reviewer, folder):
    make_site(actor=qa_reviewer)
    document = json.loads(atmp("tick", "--json"))
    size = checkpoints.latest().size
    # Every installed module may register a task (manufacturing counts overdue equipment): these
    # are the kernel's and quality's, each reporting that it had nothing to do; none failed.
    tasks = document.pop("tasks")
    assert tasks["quality.document_reviews"] == {"due": 0, "opened": 0}
    assert tasks["workflow.reminders"] == {"overdue": 0, "reminded": 0}
    assert not [name for name, summary in tasks.items() if "error" in summary]
    assert document == {
        "ok": True,
        "entries": size + 1,
        "checkpoint": size,
        "signed": True,
        "witnesses": [{"witness": f"dir:{folder.resolve()}", "delivered": [size], "pending": 0, "error": None}],
    }
    assert "nothing to sign" in atmp("tick")


def test_a_failing_periodic_task_is_reported_and_the_checkpoint_still_signed(qa_reviewer, folder, monkeypatch):
    from atmp.ledger import periodic

    def broken(now):
        raise RuntimeError("mail server on fire")

    monkeypatch.setitem(periodic._tasks, "test.broken", broken)
    make_site(actor=qa_reviewer)
    out = atmp("tick", code=1)
    assert "FAILED test.broken: error RuntimeError: mail server on fire" in out
    assert "signed checkpoint" in out


def test_a_task_that_records_nothing_runs_after_the_checkpoint_is_signed(qa_reviewer, folder, monkeypatch):
    from atmp.ledger import checkpoints, periodic, tree

    seen = {}

    def before(now):
        seen["before"] = checkpoints.latest()
        return {}

    def after(now):
        seen["after"] = (checkpoints.latest().size, tree.size())
        return {"rendered": 1}

    monkeypatch.setitem(periodic._tasks, "test.before", before)
    monkeypatch.setitem(periodic._tasks, "test.after", after)
    monkeypatch.setattr(periodic, "_after_checkpoint", {"test.after"})
    make_site(actor=qa_reviewer)
    document = json.loads(atmp("tick", "--json"))
    assert seen["before"] is None  # the ledger's first checkpoint is signed after the recording tasks
    size, entries = seen["after"]
    assert document["signed"] and size == document["checkpoint"] and entries == size + 1
    assert document["tasks"]["test.after"] == {"rendered": 1} and "test.before" in document["tasks"]


def test_atmp_tick_exits_1_when_a_witness_failed(qa_reviewer, folder):
    make_site(actor=qa_reviewer)
    folder.rmdir()
    out = atmp("tick", code=1)
    assert "FAILED dir:" in out and "retried at the next tick" in out


def test_atmp_tick_says_when_no_witness_is_configured(qa_reviewer, settings):
    settings.ATMP_WITNESS_DIRS, settings.ATMP_WITNESS_URLS = [], []
    make_site(actor=qa_reviewer)
    assert "no witness configured" in atmp("tick")


# --- the server's own tick ------------------------------------------------------------------------


def test_the_server_ticks_every_interval_and_survives_a_failed_tick():
    stop, calls = threading.Event(), []

    def work() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the database was briefly unreachable")
        if len(calls) == 3:
            stop.set()

    runner = threading.Thread(target=witness.run_every, args=(0.01, stop, work))
    runner.start()
    runner.join(timeout=10)
    assert not runner.is_alive() and len(calls) == 3


def test_the_servers_tick_logs_a_witness_that_did_not_take_a_checkpoint(qa_reviewer, folder, caplog):
    make_site(actor=qa_reviewer)
    folder.rmdir()
    with caplog.at_level("WARNING", logger="atmp.ledger.witness"):
        witness._logged_tick()
    (record,) = caplog.records
    assert f"dir:{folder.resolve()}" in record.getMessage() and "checkpoints pending: 1" in record.getMessage()


def test_the_server_does_not_tick_when_the_interval_is_0(settings):
    settings.ATMP_TICK_SECONDS = 0
    assert witness.start_ticker() is None


# --- the window docs/tamper-evidence.md states ---------------------------------------------------


def test_a_rewrite_is_undetected_until_the_next_tick_and_caught_by_the_witness_after_it(qa_reviewer, folder):
    for i in range(4):
        make_site(actor=qa_reviewer, code=f"W{i}")
    witnessed = witness.tick().checkpoint
    logins(qa_reviewer, 4)
    # The window: entries after the last witnessed checkpoint (here witnessed + 2 onwards; witnessed + 1
    # is that checkpoint's own entry) are rewritten with a valid chain, tree and head.
    rewrite_chain_from(witnessed + 3, reason="rewritten inside the window")
    assert verify.run().ok
    assert verify.run(checkpoint_dir=folder).ok  # nothing outside the database knew these entries yet

    # The next tick signs the ledger as it stands and hands the checkpoint to the witness.
    later = witness.tick()
    assert later.signed and later.witnesses[0].delivered == [later.checkpoint]
    # Someone with the database and the key rewrites a witnessed entry, and re-signs the stored
    # checkpoints so that the database alone holds together again.
    rewrite_chain_from(witnessed + 3, reason="rewritten after the witness had it")
    execute("DELETE FROM ledger_checkpoint WHERE size > %s", [witnessed])
    execute("DELETE FROM ledger_auditentry WHERE action = 'checkpoint' AND seq > %s", [witnessed + 2])
    from atmp.ledger.tests.test_tamper import rebuild_tree_and_head

    rebuild_tree_and_head()
    checkpoints.sign_now()
    assert verify.run().ok, verify.run().failures
    report = verify.run(checkpoint_dir=folder)
    assert not report.ok
    first = report.failures[0]
    assert first.kind == "checkpoint_file" and f"{later.checkpoint}.checkpoint" in first.detail
