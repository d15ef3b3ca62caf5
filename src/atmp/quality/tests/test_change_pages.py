"""Change controls through their pages: opening, editing, tasks with evidence, the QP's approval."""

from __future__ import annotations

import pytest

from atmp.ledger import signatures
from atmp.quality.factories import make_changecontrol, make_changetask
from atmp.quality.models.changes import ChangeControl, ChangeTask
from atmp.quality.tests.helpers_change import move
from atmp.testing import PASSWORD, signed_in

pytestmark = pytest.mark.django_db


def test_a_change_opened_from_its_page_links_its_risk_assessment_and_takes_tasks(
    qa_reviewer, operator, site, approved_ra
):
    client = signed_in(qa_reviewer)

    opened = client.post(
        "/quality/change-controls/new/",
        {
            "site": site.code,
            "title": "New medium supplier",
            "description": "Replace the culture medium's supplier.",
            "affected_products": "CAR-T 01\nCAR-T 02",
            "regulatory_classification": "type_ib",
            "risk_assessment": approved_ra.number,
        },
    )
    change = ChangeControl.objects.get()
    assert opened.status_code == 302 and opened["Location"] == f"/records/quality.changecontrol/{change.pk}/"
    assert change.affected_products == ["CAR-T 01", "CAR-T 02"] and change.regulatory_classification == "type_ib"

    added = client.post(
        f"/quality/change-controls/{change.pk}/tasks/new/",
        {"title": "Qualify the supplier", "owner": operator.username, "due_date": "2027-02-01"},
    )
    assert added.status_code == 302 and added["Location"] == f"/records/quality.changecontrol/{change.pk}/"
    task = ChangeTask.objects.get()
    assert task.owner == operator

    page = client.get(f"/records/quality.changecontrol/{change.pk}/").content.decode()
    assert "Qualify the supplier" in page and approved_ra.record_key in page
    assert f"/quality/change-controls/{change.pk}/edit/" in page
    assert f"/quality/change-controls/{change.pk}/qp" not in page  # no certified product, and rita is no QP


def test_the_effectiveness_review_is_refused_before_the_review_and_nothing_is_written(qa_reviewer, change):
    client = signed_in(qa_reviewer)
    before = change.version

    refused = client.post(
        f"/quality/change-controls/{change.pk}/edit/",
        {**_current(change), "effectiveness_review": "Worked.", "reason": "review", "version": change.version},
    )

    assert refused.status_code == 400 and "effectiveness_review cannot change now" in refused.content.decode()
    change.refresh_from_db()
    assert change.version == before and change.effectiveness_review == ""


def test_a_task_is_edited_then_marked_done_from_its_page(qa_reviewer, qa_approver, operator, change):
    task = make_changetask(actor=qa_reviewer, change=change, owner=operator)
    client = signed_in(qa_reviewer)
    edited = client.post(
        f"/quality/change-tasks/{task.pk}/edit/",
        {"title": "Qualify the new supplier (audit)", "owner": operator.username, "reason": "scope", "version": 1},
    )
    assert edited.status_code == 302
    task.refresh_from_db()
    assert task.title == "Qualify the new supplier (audit)"

    early = client.get(f"/records/quality.changetask/{task.pk}/").content.decode()
    assert f"/quality/change-tasks/{task.pk}/done/" not in early  # done during implementation only
    move(qa_reviewer, change, "assess", "submit")
    move(qa_approver, change, "approve")
    mine = signed_in(operator)
    later = mine.get(f"/records/quality.changetask/{task.pk}/").content.decode()
    assert f"/quality/change-tasks/{task.pk}/done/" in later

    done = mine.post(
        f"/quality/change-tasks/{task.pk}/done/",
        {"evidence": "Audit report AR-7", "reason": "done", "version": task.version},
    )
    assert done.status_code == 302 and done["Location"] == f"/records/quality.changetask/{task.pk}/"
    task.refresh_from_db()
    assert task.done and task.evidence == "Audit report AR-7"


def test_the_qp_approval_is_offered_to_a_qp_on_an_assessed_change_to_certified_product(
    qa_reviewer, qp, site, approved_ra
):
    change = make_changecontrol(
        actor=qa_reviewer, site=site, risk_assessment=approved_ra, affects_certified_product=True
    )
    move(qa_reviewer, change, "assess")
    url = f"/quality/change-controls/{change.pk}/qp-approval/"
    assert url not in signed_in(qa_reviewer).get(f"/records/quality.changecontrol/{change.pk}/").content.decode()
    client = signed_in(qp)
    assert url in client.get(f"/records/quality.changecontrol/{change.pk}/").content.decode()

    wrong = client.post(url, {"password": "wrong", "version": change.version})
    assert wrong.status_code == 400 and not signatures.current(change, "approved")

    signed = client.post(url, {"password": PASSWORD, "version": change.version})
    assert signed.status_code == 302
    assert [s.signer_id for s in signatures.current(change, "approved")] == [qp.pk]


def _current(change: ChangeControl) -> dict[str, str]:
    """Return the edit form's fields as the page shows them (lists one per line)."""
    from atmp.quality.views.changes import change_initial

    shown = change_initial(change)
    fields = ("title", "description", "justification", "regulatory_classification", "classification_rationale")
    return {k: shown[k] for k in fields}


def test_a_change_page_reads_its_lists_as_words_and_its_state_by_name(qa_reviewer, site):
    change = make_changecontrol(
        actor=qa_reviewer, site=site, affected_products=["AAV9-SMN", "AAV2-RPE"], affected_documents=[]
    )

    page = signed_in(qa_reviewer).get(f"/records/quality.changecontrol/{change.pk}/").content.decode()

    # In the fields and in the history alike.
    assert page.count("AAV9-SMN; AAV2-RPE") == 2 and "[&#x27;" not in page and "[]" not in page
    assert '<dd data-field="status">Draft</dd>' in page
