"""Risk assessments through their pages: the register, FMEA rows scored, edited and removed, the sites' scales."""

from __future__ import annotations

import pytest

from atmp.quality.factories import make_riskassessment, make_riskscale
from atmp.quality.models.risk import FmeaRow, RiskAssessment, RiskScale
from atmp.testing import drawn_form, signed_in

pytestmark = pytest.mark.django_db


def test_an_fmea_opened_from_its_page_takes_scored_rows_and_shows_in_the_register(qa_reviewer, site):
    client = signed_in(qa_reviewer)

    opened = client.post(
        "/quality/risk-assessments/new/",
        {"site": site.code, "title": "Fill line", "product": "CAR-T 01", "process": "Aseptic fill"},
    )
    assessment = RiskAssessment.objects.get()
    assert opened.status_code == 302 and opened["Location"] == f"/records/quality.riskassessment/{assessment.pk}/"

    added = client.post(
        f"/quality/risk-assessments/{assessment.pk}/rows/new/",
        {"failure_mode": "Glove breach", "severity": "4", "occurrence": "3", "detectability": "2"},
    )
    assert added.status_code == 302
    row = FmeaRow.objects.get()
    assert row.rpn == 24

    register = client.get("/quality/risk-assessments/?product=car-t").content.decode()
    assert assessment.number in register and ">24<" in register
    assert "/quality/risk-scales/" in register
    assert assessment.number not in client.get("/quality/risk-assessments/?process=lyophil").content.decode()


def test_a_score_off_the_scale_is_refused_beside_its_field(qa_reviewer, site):
    assessment = make_riskassessment(actor=qa_reviewer, site=site, rows=0)
    client = signed_in(qa_reviewer)

    refused = client.post(
        f"/quality/risk-assessments/{assessment.pk}/rows/new/",
        {"failure_mode": "Glove breach", "severity": "9", "occurrence": "3", "detectability": "2"},
    )

    assert refused.status_code == 400 and 'data-testid="error-severity"' in refused.content.decode()
    assert not FmeaRow.objects.exists()


def test_a_row_is_edited_and_removed_from_its_page_while_the_fmea_is_a_draft(qa_reviewer, site):
    assessment = make_riskassessment(actor=qa_reviewer, site=site, rows=1)
    row = FmeaRow.objects.get()
    client = signed_in(qa_reviewer)
    page = client.get(f"/records/quality.fmearow/{row.pk}/").content.decode()
    assert f"/quality/fmea-rows/{row.pk}/edit/" in page and f"/quality/fmea-rows/{row.pk}/void/" in page

    edited = client.post(
        f"/quality/fmea-rows/{row.pk}/edit/",
        {
            "failure_mode": row.failure_mode,
            "severity": "5",
            "occurrence": "2",
            "detectability": "3",
            "reason": "re-scored",
        },
    )
    assert edited.status_code == 302
    row.refresh_from_db()
    assert (row.severity, row.rpn) == (5, 30)

    removed = client.post(f"/quality/fmea-rows/{row.pk}/void/", {"reason": "duplicate"})
    assert removed.status_code == 302 and removed["Location"] == f"/records/quality.riskassessment/{assessment.pk}/"
    assert FmeaRow._base_manager.get(pk=row.pk).voided


def test_a_site_scale_is_set_from_its_page_and_only_qa_sees_the_button(qa_reviewer, operator, site):
    make_riskscale(actor=qa_reviewer, site=site, major_rpn=20)
    assert "/quality/risk-scales/LEI/" not in signed_in(operator).get("/quality/risk-scales/").content.decode()
    client = signed_in(qa_reviewer)
    listed = client.get("/quality/risk-scales/").content.decode()
    assert "/quality/risk-scales/LEI/" in listed

    form = client.get("/quality/risk-scales/LEI/").content.decode()
    assert 'value="20"' in form  # the scale in force is the form's starting point

    refused = client.post(
        "/quality/risk-scales/LEI/", {"levels": "5", "major_rpn": "20", "critical_rpn": "10", "reason": "x"}
    )
    assert refused.status_code == 400 and 'data-testid="error-critical_rpn"' in refused.content.decode()
    assert RiskScale.objects.get(site=site).critical_rpn != 10

    changed = client.post(
        "/quality/risk-scales/LEI/",
        {
            "levels": "5",
            "major_rpn": "30",
            "critical_rpn": "60",
            "major_severity": "3",
            "critical_severity": "5",
            "reason": "recalibrated",
            "version": RiskScale.objects.get().version,
        },
    )
    assert changed.status_code == 302
    assert RiskScale.objects.get(site=site).major_rpn == 30


def _numbers_in_order(page: str, assessments) -> list[str]:
    """Return the assessments' numbers in the order the page shows them."""
    return sorted((a.number for a in assessments), key=page.index)


def test_the_register_sorts_by_highest_and_remaining_rpn_and_pages_through_them(qa_reviewer, site):
    from atmp import lists
    from atmp.quality.factories import make_fmearow
    from atmp.quality.views.risk import REGISTER

    def scored(*rows: dict) -> RiskAssessment:
        assessment = make_riskassessment(actor=qa_reviewer, site=site, rows=0)
        for scores in rows:
            make_fmearow(actor=qa_reviewer, assessment=assessment, **scores)
        return assessment

    low = scored({"severity": 1, "occurrence": 1, "detectability": 2})  # RPN 2
    # RPN 60, brought down to 1 by its actions: the highest at first, the lowest remaining.
    high = scored(
        {
            **{"severity": 5, "occurrence": 4, "detectability": 3},
            **{"residual_severity": 1, "residual_occurrence": 1, "residual_detectability": 1},
        }
    )
    middle = scored({"severity": 4, "occurrence": 3, "detectability": 2})  # RPN 24
    unscored = scored()  # no rows: no RPN, after every value ascending
    every = (low, high, middle, unscored)
    client = signed_in(qa_reviewer)

    register = client.get("/quality/risk-assessments/")
    assert 'data-testid="sort-highest"' in register.content.decode()
    assert 'data-testid="sort-remaining"' in register.content.decode()
    ascending = client.get("/quality/risk-assessments/", {"sort": "highest"})
    assert ascending.status_code == 200
    assert _numbers_in_order(ascending.content.decode(), every) == [a.number for a in (low, middle, high, unscored)]
    descending = client.get("/quality/risk-assessments/", {"sort": "-highest"}).content.decode()
    assert _numbers_in_order(descending, every) == [a.number for a in (unscored, high, middle, low)]

    # One row a page: the cursors carry the aggregate's value, and every assessment comes once.
    for sort, expected in (
        ("remaining", [high, low, middle, unscored]),
        ("-remaining", [unscored, middle, low, high]),
        ("-highest", [unscored, high, middle, low]),
    ):
        seen, raw = [], {"sort": sort, "limit": "1"}
        for _ in range(10):
            found = lists.page(REGISTER, qa_reviewer, lists.select(REGISTER, qa_reviewer, raw))
            seen += [row.number for row in found.rows]
            if found.next is None:
                break
            raw = {"sort": sort, "limit": "1", "after": found.next}
        assert seen == [a.number for a in expected], sort
        csv = b"".join(client.get("/quality/risk-assessments/", {"sort": sort, "format": "csv"}).streaming_content)
        assert _numbers_in_order(csv.decode(), every) == [a.number for a in expected], sort


def test_clearing_one_residual_score_is_refused_beside_it_and_clearing_all_three_clears_them(qa_reviewer, site):
    from atmp.quality.factories import make_fmearow

    assessment = make_riskassessment(actor=qa_reviewer, site=site, rows=0)
    row = make_fmearow(
        actor=qa_reviewer,
        assessment=assessment,
        **{"residual_severity": 2, "residual_occurrence": 1, "residual_detectability": 1},
    )
    client = signed_in(qa_reviewer)
    url = f"/quality/fmea-rows/{row.pk}/edit/"
    drawn = drawn_form(client.get(url).content.decode()) | {"reason": "actions not effective"}

    # The API refuses a residual score without the other two: the refusal is beside the cleared field.
    refused = client.post(url, drawn | {"residual_severity__clear": "on"})
    assert refused.status_code == 400 and 'data-testid="error-residual_severity"' in refused.content.decode()
    assert 'name="residual_severity__clear" id="id_residual_severity__clear" checked' in refused.content.decode()
    row.refresh_from_db()
    assert row.residual_rpn == 2

    every = {f"residual_{score}__clear": "on" for score in ("severity", "occurrence", "detectability")}
    cleared = client.post(url, drawn | every)
    assert cleared.status_code == 302
    row.refresh_from_db()
    assert (row.residual_severity, row.residual_rpn, row.rpn) == (None, None, 24)
