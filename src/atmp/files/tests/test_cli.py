"""`atmp files add / list / get`: attach as a named user with their password, read, fetch; bad input exits 2."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.files.models import Attachment
from atmp.testing import PASSWORD

from .conftest import HTML, PDF

pytestmark = pytest.mark.django_db


def atmp(*args: str, code: int = 0, env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(main, list(args), env={"ATMP_PASSWORD": PASSWORD, **(env or {})})
    assert result.exit_code == code, result.output
    return result.stdout if code == 0 else result.stderr


@pytest.fixture
def sop(tmp_path):
    path = tmp_path / "SOP-QA-001.pdf"
    path.write_bytes(PDF)
    return path


def test_add_attaches_the_file_as_the_named_user_and_list_and_get_give_it_back(qa_reviewer, site, sop, tmp_path):
    ref = f"accounts.site:{site.pk}"
    added = json.loads(atmp("files", "add", ref, str(sop), "--as", "rita", "--reason", "effective SOP", "--json"))
    assert added["file"]["name"] == "SOP-QA-001.pdf" and added["attached_by"] == "rita"
    listed = json.loads(atmp("files", "list", ref, "--json"))
    assert [a["id"] for a in listed["attachments"]] == [added["id"]]
    out = tmp_path / "copy.pdf"
    atmp("files", "get", str(added["file"]["id"]), "--out", str(out))
    assert out.read_bytes() == PDF
    assert "does not overwrite" in atmp("files", "get", str(added["file"]["id"]), "--out", str(out), code=2)


def test_add_refuses_a_wrong_password_and_writes_no_file(qa_reviewer, site, sop):
    ref = f"accounts.site:{site.pk}"
    error = atmp("files", "add", ref, str(sop), "--as", "rita", "--reason", "r", code=2, env={"ATMP_PASSWORD": "nope"})
    assert "password is wrong" in error and not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("ref", "rule"),
    [("accounts.site:999", "there is no record accounts.site:999"), ("site-1", "is not TYPE:ID")],
)
def test_add_refuses_an_unknown_record_with_exit_2(qa_reviewer, site, sop, ref, rule):
    assert rule in atmp("files", "add", ref, str(sop), "--as", "rita", "--reason", "r", code=2)
    assert not Attachment.objects.exists()


def test_add_refuses_a_disguised_file_with_exit_2(qa_reviewer, site, tmp_path):
    fake = tmp_path / "protocol.pdf"
    fake.write_bytes(HTML)
    error = atmp("files", "add", f"accounts.site:{site.pk}", str(fake), "--as", "rita", "--reason", "r", code=2)
    assert "is HTML or SVG, not a PDF" in error and not Attachment.objects.exists()


def test_get_of_an_unknown_file_exits_2(db, tmp_path):
    assert "there is no stored file 42" in atmp("files", "get", "42", "--out", str(tmp_path / "x"), code=2)
