"""The recall impact on the command line and through the API, and the API's action that opens the recall;
an unknown root exits 2 / answers 404 naming it; the action needs QA's decision and a reason."""

from __future__ import annotations

import pytest

from atmp.quality.models.recalls import Recall
from atmp.testing import ApiClient, make_site, token_for
from atmp.trace import factories
from atmp.trace.models import Lot
from atmp.trace.tests.clirunner import atmp, doc

pytestmark = pytest.mark.django_db


@pytest.fixture
def hub(qa_reviewer, qa_approver, site):
    centre = make_site(actor=qa_reviewer, code="AMC", name="Treatment centre Amsterdam")
    return factories.make_hub_genealogy(actor=qa_reviewer, approver=qa_approver, site=site, centre=centre)


def test_the_cli_prints_the_impact_with_each_lots_whereabouts(hub):
    found = doc(atmp("recall", hub["R"].number, "--json"))
    assert set(found) == {"root", "lots", "patients", "consignees", "elapsed_ms"}
    assert found["root"] == hub["R"].number and isinstance(found["elapsed_ms"], float)
    lots = {x["lot"]: x for x in found["lots"]}
    assert len(lots) == 6 and hub["X"].number not in lots
    reagent = lots[hub["R"].number]
    assert reagent["status"] == "released" and reagent["level"] == 0
    assert reagent["whereabouts"]["places"] == ["in stock", "consumed"]
    assert reagent["whereabouts"]["in_stock"] == {"quantity": "70", "site": "LEI", "location": "Freezer F-3"}
    given = lots[hub["DP2"].number]["whereabouts"]["administered_to"]
    assert given == [
        {"coi": hub[p].coi, "quantity": "1", "unit": "{bag}"} for p in sorted(("P2", "P3"), key=lambda p: hub[p].coi)
    ]
    assert lots[hub["DP2"].number]["whereabouts"]["in_stock"] is None
    assert [p["coi"] for p in found["patients"]] == sorted(hub[p].coi for p in ("P1", "P2", "P3"))
    assert {(c["site"], c["kind"]) for c in found["consignees"]} == {("AMC", "hospital"), ("LEI", "hospital")}
    text = atmp("recall", hub["R"].number).stdout
    assert "6 lots affected" in text and "3 patients to reach" in text


def test_the_cli_refuses_an_unknown_root_with_exit_2_naming_it(db):
    result = atmp("recall", "NO-SUCH-LOT", "--json")
    assert result.exit_code == 2 and "NO-SUCH-LOT" in result.stderr and not result.stdout


def test_the_api_answers_the_impact_and_404_naming_an_unknown_root(hub, qa_reviewer):
    api = ApiClient(token_for(qa_reviewer))
    found = api.get(f"/trace/recall/{hub['DP1'].number}")
    assert found.status_code == 200, found.json()
    assert [x["lot"] for x in found.json()["lots"]] == [hub["DP1"].number]
    assert found.json()["patients"] == [{"coi": hub["P1"].coi, "site": "LEI"}]
    missing = api.get("/trace/recall/NO-SUCH-LOT")
    assert missing.status_code == 404 and "NO-SUCH-LOT" in missing.json()["detail"]


def test_the_api_opens_the_recall_and_recalls_the_lots(hub, qa_reviewer):
    api = ApiClient(token_for(qa_reviewer))
    body = {"classification": "class_ii", "reason": "endotoxin above limit"}
    opened = api.post(f"/trace/recall/{hub['B1'].number}", body)
    assert opened.status_code == 201, opened.json()
    doc_ = opened.json()
    assert doc_["record"].startswith("quality.recall:") and doc_["root"] == hub["B1"].number
    assert sorted(doc_["recalled"]) == sorted([hub["B1"].number, hub["DP1"].number])
    assert Lot.objects.get(pk=hub["DP1"].pk).status == "recalled"
    again = api.post(f"/trace/recall/{hub['B1'].number}", body)
    assert again.status_code == 409 and doc_["number"] in again.json()["detail"]


def test_the_api_action_needs_qas_decision_and_a_reason(hub, operator, qa_reviewer):
    refused = ApiClient(token_for(operator)).post(
        f"/trace/recall/{hub['R'].number}", {"classification": "class_ii", "reason": "x"}
    )
    assert refused.status_code == 403
    blank = ApiClient(token_for(qa_reviewer)).post(
        f"/trace/recall/{hub['R'].number}", {"classification": "class_ii", "reason": ""}
    )
    assert blank.status_code in (400, 422) and "reason" in str(blank.json())
    unknown = ApiClient(token_for(qa_reviewer)).post(
        "/trace/recall/NOPE-1", {"classification": "class_ii", "reason": "x"}
    )
    assert unknown.status_code == 404 and "NOPE-1" in unknown.json()["detail"]
    assert not Recall.objects.exists()
