"""`atmp print TYPE:ID --out FILE.pdf [--as USER]`: the record page's PDF, written by the command line."""

import io
import json

import pypdf
import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.printing import proofs
from atmp.testing import make_signed_history


def atmp(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def history(site, qa_reviewer, qa_approver):
    return make_signed_history(site, editor=qa_reviewer, signer=qa_approver, changes=2, signatures=1)


def test_it_writes_the_record_s_pdf_with_its_proofs(history, tmp_path):
    out = tmp_path / "site.pdf"
    done = atmp("print", f"accounts.site:{history.pk}", "--out", str(out), "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["bytes"] == out.stat().st_size
    reader = pypdf.PdfReader(io.BytesIO(out.read_bytes()))
    assert proofs.ENTRIES in reader.attachments
    text = reader.pages[0].extract_text()
    assert "atmp command line" in text  # no --as: the footer names the shell's user


def test_as_a_user_the_footer_names_them(history, inspector, tmp_path):
    out = tmp_path / "site.pdf"
    assert atmp("print", f"accounts.site:{history.pk}", "--out", str(out), "--as", "ines").exit_code == 0
    assert "Ines Inspector" in pypdf.PdfReader(out).pages[0].extract_text()


@pytest.mark.parametrize("key", ["accounts.site:999999", "nope.nope:1", "accounts.site", "accounts.site:x"])
def test_an_unknown_record_exits_2_and_writes_nothing(db, tmp_path, key):
    out = tmp_path / "x.pdf"
    done = atmp("print", key, "--out", str(out))
    assert done.exit_code == 2 and "atmp: error:" in done.stderr and not out.exists()


def test_an_unknown_or_unentitled_user_exits_2(history, sysadmin, tmp_path):
    out = tmp_path / "x.pdf"
    assert atmp("print", f"accounts.site:{history.pk}", "--out", str(out), "--as", "nobody").exit_code == 2
    done = atmp("print", f"accounts.site:{history.pk}", "--out", str(out), "--as", sysadmin.username)
    assert done.exit_code == (0 if sysadmin.can("records.view") else 2) and "Traceback" not in done.output
