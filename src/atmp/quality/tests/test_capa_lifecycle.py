"""CAPA: actions with owners and due dates, closure only when all are done and effectiveness was assessed."""

from __future__ import annotations

import pytest

from atmp.ledger.errors import Conflict, RuleViolation
from atmp.quality.factories import make_capa, make_capa_action
from atmp.quality.models.capa import Capa
from atmp.quality.services.capa import record_effectiveness, record_evidence
from atmp.testing import PASSWORD
from atmp.workflow import engine, links

pytestmark = pytest.mark.django_db


@pytest.fixture
def capa(operator, site):
    return make_capa(actor=operator, site=site)


def finish(actor, action):
    record_evidence(actor=actor, action=action, evidence="done as planned", reason="done")
    engine.transition(actor, action, "complete", reason="done")


def test_it_cannot_move_on_with_an_open_action(capa, operator):
    make_capa_action(actor=operator, capa=capa, owner=operator)
    with pytest.raises(RuleViolation, match="not done"):
        engine.transition(operator, capa, "implemented", reason="done?")


def test_an_action_needs_evidence_to_be_done(capa, operator):
    from atmp.accounts.errors import InvalidInput

    action = make_capa_action(actor=operator, capa=capa)
    with pytest.raises(InvalidInput) as refused:
        engine.transition(operator, action, "complete", reason="done")
    assert refused.value.field == "evidence"


def test_it_closes_as_effective_with_qa_signature(capa, operator, qa_approver):
    finish(operator, make_capa_action(actor=operator, capa=capa))
    engine.transition(operator, capa, "implemented", reason="actions done")
    with pytest.raises(Exception, match="effective"):
        engine.transition(qa_approver, capa, "close", reason="ok", password=PASSWORD)
    record_effectiveness(
        actor=operator, capa=capa, outcome="effective", evidence="no recurrence in 3 months", reason="check"
    )
    engine.transition(qa_approver, capa, "close", reason="effective", password=PASSWORD)
    assert capa.status == "closed"


def test_an_ineffective_capa_spawns_a_follow_up(capa, operator, qa_approver):
    finish(operator, make_capa_action(actor=operator, capa=capa))
    engine.transition(operator, capa, "implemented", reason="actions done")
    record_effectiveness(actor=operator, capa=capa, outcome="not_effective", evidence="two recurrences", reason="check")
    with pytest.raises(RuleViolation, match="effective"):
        engine.transition(qa_approver, capa, "close", reason="ok", password=PASSWORD)
    engine.transition(qa_approver, capa, "close_with_follow_up", reason="new approach", password=PASSWORD)
    (follow,) = links.linking(capa, relation="follows_up")
    assert isinstance(follow, Capa) and follow.status == "open" and follow.number != capa.number


def test_an_ineffective_capa_can_be_reopened(capa, operator, qa_approver):
    finish(operator, make_capa_action(actor=operator, capa=capa))
    engine.transition(operator, capa, "implemented", reason="actions done")
    record_effectiveness(actor=operator, capa=capa, outcome="not_effective", evidence="recurrence", reason="check")
    engine.transition(qa_approver, capa, "reopen", reason="more actions needed")
    make_capa_action(actor=operator, capa=capa, description="Add a torque check")
    assert capa.status == "open"


def test_no_action_is_added_after_the_actions_are_done(capa, operator):
    finish(operator, make_capa_action(actor=operator, capa=capa))
    engine.transition(operator, capa, "implemented", reason="actions done")
    with pytest.raises(Conflict, match="while it is open"):
        make_capa_action(actor=operator, capa=capa)


def test_the_effectiveness_check_comes_after_the_actions(capa, operator):
    with pytest.raises(Conflict, match="after the actions"):
        record_effectiveness(actor=operator, capa=capa, outcome="effective", evidence="x", reason="r")


def test_an_owner_must_work_at_the_site(capa, operator):
    from atmp.accounts.errors import InvalidInput
    from atmp.testing import make_site, make_user

    elsewhere = make_user("operator", site=make_site())
    with pytest.raises(InvalidInput) as refused:
        make_capa_action(actor=operator, capa=capa, owner=elsewhere)
    assert refused.value.field == "owner"
