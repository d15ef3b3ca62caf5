"""/trace/recall/: the impact of recalling a lot or person as a table, and the one action that opens the
recall (QA only, reason required); an unknown root is a 404 naming it."""

from __future__ import annotations

import pytest

from atmp.quality.models.recalls import Recall
from atmp.testing import make_site, signed_in
from atmp.trace import factories
from atmp.trace.models import Lot

pytestmark = pytest.mark.django_db


@pytest.fixture
def hub(qa_reviewer, qa_approver, site):
    centre = make_site(actor=qa_reviewer, code="AMC", name="Treatment centre Amsterdam")
    return factories.make_hub_genealogy(actor=qa_reviewer, approver=qa_approver, site=site, centre=centre)


def test_the_page_shows_every_lot_where_it_is_and_whom_to_reach(hub, qa_reviewer):
    response = signed_in(qa_reviewer).get("/trace/recall/", {"root": hub["R"].number})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-testid="recall-lot"') == 6 and hub["X"].number not in page
    assert "70 mL" in page and "Freezer F-3" in page
    for p in ("P1", "P2", "P3"):
        assert hub[p].coi in page
    assert 'data-testid="recall-open-form"' in page and f'action="/trace/recall/{hub["R"].number}/open/"' in page


def test_an_unknown_root_is_a_404_naming_it(qa_reviewer):
    response = signed_in(qa_reviewer).get("/trace/recall/", {"root": "NO-SUCH-LOT"})
    assert response.status_code == 404 and "NO-SUCH-LOT" in response.content.decode()


def test_an_operator_sees_the_impact_but_not_the_action(hub, operator):
    page = signed_in(operator).get("/trace/recall/", {"root": hub["R"].number}).content.decode()
    assert 'data-testid="recall-lot"' in page and 'data-testid="recall-open-form"' not in page
    assert signed_in(operator).post(f"/trace/recall/{hub['R'].number}/open/", {}).status_code == 403


def test_the_action_opens_the_recall_and_recalls_the_lots(hub, qa_reviewer):
    client = signed_in(qa_reviewer)
    response = client.post(
        f"/trace/recall/{hub['B2'].number}/open/", {"classification": "class_ii", "reason": "sterility failure"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rc = Recall.objects.get()
    assert response["Location"] == f"/records/quality.recall/{rc.pk}/"
    assert {Lot.objects.get(pk=hub[n].pk).status for n in ("B2", "DP2")} == {"recalled"}
    page = client.get("/trace/recall/", {"root": hub["B2"].number}).content.decode()
    assert 'data-testid="recall-already"' in page and rc.number in page


def test_the_action_without_a_reason_writes_nothing_and_says_why(hub, qa_reviewer):
    response = signed_in(qa_reviewer).post(f"/trace/recall/{hub['R'].number}/open/", {"classification": "class_ii"})
    assert response.status_code == 400 and 'data-testid="error-reason"' in response.content.decode()
    assert not Recall.objects.exists() and Lot.objects.get(pk=hub["R"].pk).status == "released"


def test_a_lot_page_shows_its_retention_end_and_links_its_recall_impact(hub, qa_reviewer):
    from atmp.trace.retention import retention_end

    page = signed_in(qa_reviewer).get(f"/records/trace.lot/{hub['R'].pk}/").content.decode()
    assert f'data-testid="retention-end">{retention_end(hub["R"]).isoformat()}<' in page
    assert 'data-testid="recall-impact-link"' in page
