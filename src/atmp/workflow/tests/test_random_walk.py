"""Random walks over every declared workflow: no sequence of calls reaches an undeclared state or skips a rule.

Hypothesis drives each machine with random transitions (declared or not) by random personas; after
every step the stored state must be declared, and a step must have succeeded exactly when the
engine's own check said it could. Runs on SQLite and on PostgreSQL (the suite's two passes).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from atmp.ledger.errors import LedgerError
from atmp.ledger.records import gmp_models
from atmp.testing import PASSWORD, RECORD_FACTORIES, WALK_FACTORIES, make_user, shared_search, walk_examples
from atmp.workflow import engine
from atmp.workflow.models import WorkflowRecord

pytestmark = pytest.mark.django_db(transaction=False)

MACHINES = [m for m in gmp_models() if issubclass(m, WorkflowRecord)]
PERSONAS = ["operator", "qa_reviewer", "qa_approver", "qualified_person", "inspector"]


@pytest.fixture
def people(db):
    return {role: make_user(role, password=PASSWORD) for role in PERSONAS}


@pytest.mark.parametrize("model", MACHINES, ids=lambda m: m.record_type())
def test_no_walk_reaches_an_undeclared_state_or_skips_a_rule(model, people):
    wf = model.workflow
    names = [t.name for t in wf.transitions] + ["undeclared"]
    factory = WALK_FACTORIES.get(model.record_type()) or RECORD_FACTORIES[model.record_type()][0]
    reached: set[str] = set()

    # Besides the random walks, two explicit ones try every declared transition by every persona with
    # a password, in the declared order and in reverse: a machine whose way forward needs one signer
    # among five (a QA approval) is then walked forward whatever the random draw (it once drew none).
    declared = [(name, who, True) for name in names[:-1] for who in PERSONAS]
    backwards = [(name, who, True) for name in reversed(names[:-1]) for who in PERSONAS]

    @shared_search
    @settings(
        max_examples=walk_examples(model.record_type()),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @example(declared)
    @example(backwards)
    @given(st.lists(st.tuples(st.sampled_from(names), st.sampled_from(PERSONAS), st.booleans()), max_size=12))
    def walk(steps):
        record = factory(people["qa_reviewer"])
        assert wf.state(record.status) is not None
        for name, who, with_password in steps:
            actor = people[who]
            before = (record.status, record.version)
            try:
                engine.check(actor, record, name)
                allowed = True
            except LedgerError:
                allowed = False
            try:
                engine.transition(actor, record, name, reason="walk", password=PASSWORD if with_password else None)
                moved = True
            except LedgerError:
                moved = False
            stored = type(record)._base_manager.get(pk=record.pk)
            reached.add(stored.status)
            assert wf.state(stored.status) is not None, f"undeclared state {stored.status!r}"
            assert (stored.status, stored.version) == (record.status, record.version)
            if moved:
                step = wf.transition(name)
                assert allowed and step is not None and before[0] in step.sources and stored.status == step.target
                for field in step.required:
                    assert getattr(stored, field) not in (None, "")
                assert all(p(stored) is None for p in step.preconditions)
            else:
                assert (stored.status, stored.version) == before

    walk()
    # The walks must have moved: a machine stuck in its initial state would prove nothing.
    assert len(reached) >= min(3, len(wf.states)), reached
