"""CAPAs through their pages: opening from a deviation, actions with evidence, the effectiveness check."""

from __future__ import annotations

import pytest

from atmp.quality.factories import make_deviation
from atmp.quality.models.capa import Capa, CapaAction
from atmp.testing import signed_in

pytestmark = pytest.mark.django_db


def test_a_capa_opened_from_its_page_is_linked_to_its_source_and_lists_its_actions(qa_reviewer, operator, site):
    deviation = make_deviation(actor=operator, site=site)
    client = signed_in(qa_reviewer)

    opened = client.post(
        "/quality/capas/new/",
        {
            "site": site.code,
            "title": "Replace the door closer",
            "description": "The closer failed.",
            "kind": "corrective",
            "source": deviation.record_key,
            "effectiveness_criteria": "No open-door alarm in 3 months",
        },
    )
    capa = Capa.objects.get()
    assert opened.status_code == 302 and opened["Location"] == f"/records/quality.capa/{capa.pk}/"

    added = client.post(
        f"/quality/capas/{capa.pk}/actions/new/",
        {"description": "Fit a new closer", "owner": operator.username, "due_date": "2027-01-15"},
    )
    assert added.status_code == 302 and added["Location"] == f"/records/quality.capa/{capa.pk}/"
    action = CapaAction.objects.get()
    assert action.assignee == operator and str(action.due_date) == "2027-01-15"

    page = client.get(f"/records/quality.capa/{capa.pk}/").content.decode()
    assert 'data-testid="parts-actions"' in page and "Fit a new closer" in page
    assert deviation.record_key in page  # the link to its source


def test_an_unknown_owner_is_refused_beside_the_owner_field(qa_reviewer, site):
    from atmp.quality.factories import make_capa

    capa = make_capa(actor=qa_reviewer, site=site)
    client = signed_in(qa_reviewer)

    refused = client.post(f"/quality/capas/{capa.pk}/actions/new/", {"description": "x", "owner": "nobody"})

    assert refused.status_code == 400 and 'data-testid="error-owner"' in refused.content.decode()
    assert not CapaAction.objects.exists()


def test_the_evidence_of_an_action_is_recorded_from_its_page(qa_reviewer, operator, site):
    from atmp.quality.factories import make_capa
    from atmp.quality.services.capa import add_action

    capa = make_capa(actor=qa_reviewer, site=site)
    action = add_action(actor=qa_reviewer, capa=capa, description="Fit a new closer", owner=operator)
    client = signed_in(operator)

    done = client.post(
        f"/quality/capa-actions/{action.pk}/evidence/",
        {"evidence": "Closer replaced, work order 77", "reason": "done", "version": action.version},
    )

    assert done.status_code == 302
    action.refresh_from_db()
    assert action.evidence == "Closer replaced, work order 77"
