"""FMEA rows: scores on the assessment's scale, RPN and class computed by atmp.quality.risk, residual risk."""

from __future__ import annotations

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.ledger.errors import Conflict, StaleRecord
from atmp.quality.factories import make_fmearow
from atmp.quality.services.risk import add_row, remove_row, update_row

pytestmark = pytest.mark.django_db


def test_the_rpn_and_class_are_computed_not_typed(qa_reviewer, draft_ra):
    row = add_row(
        actor=qa_reviewer,
        assessment=draft_ra,
        failure_mode="Endotoxin in medium",
        severity=3,
        occurrence=4,
        detectability=4,
        residual_severity=3,
        residual_occurrence=1,
        residual_detectability=2,
    )
    assert (row.rpn, row.risk_class) == (48, "critical")
    assert (row.residual_rpn, row.residual_class) == (6, "minor")
    assert row.position == 2  # the factory's assessment has one row already


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"severity": 6}, "severity"),
        ({"occurrence": 0}, "occurrence"),
        ({"detectability": "3"}, "detectability"),
        ({"residual_severity": 2}, "residual_occurrence"),
        ({"failure_mode": ""}, "failure_mode"),
        ({"rpn": 1}, "rpn"),
    ],
)
def test_it_refuses_a_bad_row_naming_the_field(qa_reviewer, draft_ra, fields, field):
    with pytest.raises(InvalidInput) as refused:
        make_fmearow(actor=qa_reviewer, assessment=draft_ra, **fields)
    assert refused.value.field == field


def test_an_update_computes_the_rpn_again(qa_reviewer, draft_ra):
    row = draft_ra.rows.get()
    changed = update_row(actor=qa_reviewer, row=row, reason="occurrence re-estimated", occurrence=1)
    assert changed.rpn == 4 * 1 * 3 and changed.version == 2


def test_an_update_of_a_version_not_seen_is_refused(qa_reviewer, draft_ra):
    row = draft_ra.rows.get()
    with pytest.raises(StaleRecord):
        update_row(actor=qa_reviewer, row=row, reason="r", version=7, occurrence=1)


def test_rows_change_only_while_the_assessment_is_a_draft(qa_reviewer, draft_ra):
    from atmp.workflow import engine

    row = draft_ra.rows.get()
    engine.transition(qa_reviewer, draft_ra, "submit", reason="ready")
    row.refresh_from_db()
    with pytest.raises(Conflict, match="only as a draft"):
        update_row(actor=qa_reviewer, row=row, reason="late", occurrence=1)
    with pytest.raises(Conflict, match="only as a draft"):
        make_fmearow(actor=qa_reviewer, assessment=draft_ra)
    with pytest.raises(Conflict, match="only as a draft"):
        remove_row(actor=qa_reviewer, row=row, reason="late")


def test_a_removed_row_is_voided_and_kept(qa_reviewer, draft_ra):
    row = remove_row(actor=qa_reviewer, row=draft_ra.rows.get(), reason="duplicate")
    assert row.voided and draft_ra.rows.count() == 1
