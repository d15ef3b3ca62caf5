"""`atmp verify` re-hashes every stored file and names a missing or altered one; --no-files skips it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.ledger import verify
from atmp.testing import make_stored_file

from .conftest import PDF

pytestmark = pytest.mark.django_db


def blob(file_home, stored):
    return file_home / stored.sha256[:2] / stored.sha256[2:4] / stored.sha256


def test_verify_re_hashes_every_stored_file_and_counts_them(operator):
    make_stored_file(actor=operator, name="a.pdf", content=PDF)
    make_stored_file(actor=operator, name="b.pdf", content=PDF)  # the same content: one blob, hashed once
    make_stored_file(actor=operator, name="c.txt", content=b"other\n")
    report = verify.run(processes=1)
    assert report.ok, report.failures
    assert (report.as_dict()["files"], report.as_dict()["file_bytes"]) == (3, len(PDF) + len(b"other\n"))


def test_an_altered_blob_turns_verify_red_naming_the_record(operator, file_home):
    stored = make_stored_file(actor=operator, content=PDF)
    path = blob(file_home, stored)
    path.chmod(0o600)
    path.write_bytes(PDF.replace(b"Catalog", b"Catalo9"))
    report = verify.run(processes=1)
    assert [(f.kind, f.record) for f in report.failures] == [("file_altered", f"files.storedfile:{stored.pk}")]
    assert "its content was altered" in report.failures[0].detail


def test_a_missing_blob_turns_verify_red_naming_the_record(operator, file_home):
    stored = make_stored_file(actor=operator)
    blob(file_home, stored).unlink()
    report = verify.run(processes=1)
    assert [(f.kind, f.record) for f in report.failures] == [("file_missing", f"files.storedfile:{stored.pk}")]


def test_no_files_skips_the_re_hashing_on_the_command_line(operator, file_home):
    stored = make_stored_file(actor=operator)
    blob(file_home, stored).unlink()
    red = CliRunner().invoke(main, ["verify", "--json"])
    assert red.exit_code == 1 and "file_missing" in red.stdout
    green = CliRunner().invoke(main, ["verify", "--no-files", "--json"])
    assert green.exit_code == 0, green.output
    assert "files" not in json.loads(green.stdout)
