"""Management reviews and the KPIs through their pages."""

from __future__ import annotations

import pytest

from atmp.quality.factories import make_deviation, make_management_review
from atmp.quality.models.reviews import ManagementReview
from atmp.testing import PASSWORD, make_site, make_user, signed_in

pytestmark = pytest.mark.django_db


def test_a_review_is_planned_and_written_from_its_pages(qa_approver, site):
    client = signed_in(qa_approver)

    planned = client.post(
        "/quality/management-reviews/new/",
        {"title": "Q4 review", "period_start": "2026-10-01", "period_end": "2026-12-31", "site": site.code},
    )
    review = ManagementReview.objects.get()
    assert planned.status_code == 302 and planned["Location"] == f"/records/quality.managementreview/{review.pk}/"

    written = client.post(
        f"/quality/management-reviews/{review.pk}/edit/",
        {
            "title": "Q4 review",
            "summary": "Deviations down.",
            "decisions": "Hire a QA reviewer.",
            "reason": "minutes",
            "version": review.version,
        },
    )
    assert written.status_code == 302
    review.refresh_from_db()
    assert (review.summary, review.decisions) == ("Deviations down.", "Hire a QA reviewer.")
    assert review.number in client.get("/quality/management-reviews/").content.decode()


def test_a_period_ending_before_it_starts_is_refused_beside_the_field(qa_approver):
    refused = signed_in(qa_approver).post(
        "/quality/management-reviews/new/",
        {"title": "Q4", "period_start": "2026-12-31", "period_end": "2026-10-01"},
    )
    assert refused.status_code == 400 and 'data-testid="error-period_end"' in refused.content.decode()
    assert not ManagementReview.objects.exists()


def test_only_qa_is_offered_to_plan_but_everyone_reads_the_kpis(qa_reviewer, operator, site):
    make_deviation(actor=operator, site=site)
    make_management_review(actor=make_user("qa_approver"), site=site)
    assert signed_in(operator).get("/quality/management-reviews/new/").status_code == 403

    page = signed_in(operator).get(f"/quality/kpis/?site={site.code}")
    text = page.content.decode()
    assert page.status_code == 200 and 'data-testid="kpis"' in text and site.code in text


def test_the_kpis_refuse_a_bad_day_and_a_site_that_is_not_yours(qa_reviewer, site):
    make_site(actor=qa_reviewer, code="AMS", name="Amsterdam")
    local = signed_in(make_user("qa_reviewer", username="lara", site=site, password=PASSWORD))

    bad_day = signed_in(qa_reviewer).get("/quality/kpis/?at=2026-13-45")
    assert bad_day.status_code == 400 and 'data-testid="error-at"' in bad_day.content.decode()
    elsewhere = local.get("/quality/kpis/?site=AMS")
    assert elsewhere.status_code == 400 and 'data-testid="error-site"' in elsewhere.content.decode()
    assert 'data-testid="kpis"' in local.get("/quality/kpis/").content.decode()  # her site by default
