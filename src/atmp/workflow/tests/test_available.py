"""workflow.available: what a user may do now, and why not the rest."""

from __future__ import annotations

import pytest

from atmp.testing import make_sample_case
from atmp.workflow import engine

pytestmark = pytest.mark.django_db


def by_name(options):
    return {o.name: o for o in options}


def test_it_lists_the_transitions_from_the_current_state(case, author):
    assert list(by_name(engine.available(author, case))) == ["submit", "cancel"]


def test_it_says_why_a_transition_is_not_possible(author, inspector):
    empty = make_sample_case(actor=author, summary="")
    options = by_name(engine.available(inspector, empty))
    assert not options["submit"].allowed
    reasons = " ".join(options["submit"].reasons)
    assert "records.write" in reasons and "must be filled in" in reasons


def test_it_tells_the_author_that_they_cannot_approve(in_review, author, qa_approver):
    mine = by_name(engine.available(author, in_review))["approve"]
    assert not mine.allowed and "segregation of duties" in " ".join(mine.reasons)
    theirs = by_name(engine.available(qa_approver, in_review))["approve"]
    assert theirs.allowed and theirs.meaning_label == "Approved"
