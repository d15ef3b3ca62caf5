"""Cell banks through the API, the command line and the pages: the same rules, 4xx / exit 2 naming the
field or the rule, nothing written on a refusal; the bank page shows the vials, the limit, the
required panel and the lineage."""

from __future__ import annotations

import pytest

from atmp.ledger.models import AuditEntry
from atmp.testing import ApiClient, signed_in, token_for
from atmp.trace import factories as tf
from atmp.trace.models import CellBank
from atmp.trace.tests.clirunner import atmp, doc

pytestmark = pytest.mark.django_db

BANK = {
    "storage": "LN2 vapour phase, dewar D1",
    "age_unit": "passages",
    "age_at_banking": 8,
    "age_limit": 20,
    "limit_basis": "VAL-CB-004",
}


@pytest.fixture
def hek(qa_reviewer):
    return tf.make_cell_line(actor=qa_reviewer, code="CL-HEK293", name="HEK293")


@pytest.fixture
def lots(qa_reviewer, site, hek):
    return [tf.make_lot(actor=qa_reviewer, number=n, material=hek, site=site) for n in ("MCB-1", "WCB-1")]


def test_banks_through_the_api(qa_reviewer, qa_approver, lots):
    api = ApiClient(token_for(qa_reviewer))
    made = api.post("/trace/cell-banks", {"lot": "MCB-1", "kind": "mcb", "vector_production": True, **BANK})
    assert made.status_code == 201, made.content
    assert made.json()["kind"] == "mcb" and "rcv" in [t["code"] for t in made.json()["panel"]]
    before = AuditEntry.objects.count()
    refused = api.post("/trace/cell-banks", {"lot": "WCB-1", "kind": "wcb", **BANK})
    assert (
        refused.status_code == 400
        and refused.json()["field"] == "parent"
        and "name the bank it was made from" in str(refused.json())
    ), refused.content
    missing = api.post("/trace/cell-banks", {"lot": "NOPE", "kind": "mcb", **BANK})
    assert missing.status_code == 400 and "NOPE" in str(missing.json())
    assert AuditEntry.objects.count() == before
    tf.release(lots[0], approver=qa_approver)
    wcb = api.post("/trace/cell-banks", {"lot": "WCB-1", "kind": "wcb", "parent": "MCB-1", "parent_vials": "2", **BANK})
    assert wcb.status_code == 201, wcb.content
    shown = api.get("/trace/cell-banks/MCB-1").json()
    assert (shown["vials_remaining"], [b["number"] for b in shown["banks"]]) == ("98", ["WCB-1"])
    assert api.get("/trace/cell-banks/NOPE").status_code == 404
    listed = api.get("/trace/cell-banks?kind=wcb").json()
    assert [row["lot"] for row in listed["items"]] == ["WCB-1"]


def test_banks_on_the_command_line(qa_reviewer, qa_approver, lots):
    args = ["--storage", "LN2", "--age-unit", "passages", "--age-at-banking", "8", "--age-limit", "20",
            "--limit-basis", "VAL-CB-004", "--as", "rita"]  # fmt: skip
    made = doc(atmp("bank", "add", "MCB-1", "--kind", "mcb", *args, "--json"))
    assert made["kind"] == "mcb"
    bad = atmp("bank", "add", "WCB-1", "--kind", "wcb", *args[:-2], "--age-limit", "zero", "--as", "rita")
    assert bad.exit_code == 2 and "age_limit" in bad.stderr
    orphan = atmp("bank", "add", "WCB-1", "--kind", "wcb", *args)
    assert orphan.exit_code == 2 and "parent" in orphan.stderr and "name the bank it was made from" in orphan.stderr
    assert not CellBank.objects.filter(lot=lots[1]).exists()
    tf.release(lots[0], approver=qa_approver)
    doc(atmp("bank", "add", "WCB-1", "--kind", "wcb", "--parent", "MCB-1", *args, "--json"))
    shown = doc(atmp("bank", "show", "MCB-1", "--json"))
    assert shown["vials_remaining"] == "99" and shown["banks"][0]["number"] == "WCB-1"
    text = atmp("bank", "show", "WCB-1").stdout
    assert "limit for production 20 passages" in text and "made from MCB-1" in text
    assert [x["lot"] for x in doc(atmp("bank", "list", "--as", "rita", "--json"))["items"]] == ["MCB-1", "WCB-1"]
    unknown = atmp("bank", "show", "NOPE")
    assert unknown.exit_code == 2 and "NOPE" in unknown.stderr


def test_the_bank_list_and_the_bank_page(qa_reviewer, qa_approver, site, hek):
    mcb = tf.make_cell_bank(actor=qa_reviewer, material=hek, site=site, vector_production=True)
    tf.release(mcb.lot, approver=qa_approver)
    wcb = tf.make_cell_bank(actor=qa_reviewer, kind="wcb", parent=mcb.lot)
    browser = signed_in(qa_approver)
    listed = browser.get("/trace/cell-banks/").content.decode()
    assert mcb.lot.number in listed and wcb.lot.number in listed and "Working cell bank" in listed
    page = browser.get(f"/records/trace.cellbank/{mcb.pk}/").content.decode()
    assert 'data-testid="bank-panel"' in page and "99 of 100 remain" in page
    assert "20 passages" in page and "ICH Q5D §2.3.1" in page and "Replication-competent virus" in page
    assert wcb.lot.number in page  # the lineage: MCB → WCB
    lot_page = browser.get(f"/records/trace.lot/{wcb.lot_id}/").content.decode()
    assert 'data-testid="bank-panel"' in lot_page and mcb.lot.number in lot_page
    assert "Cell banks and seed stocks" in browser.get("/trace/").content.decode()
