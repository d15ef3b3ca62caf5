"""A random walk of batch execution: no sequence of calls skips a step, completes a step with entries
missing or unverified, or executes a batch with a step not done; and the whole life ends reviewed."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from atmp.ledger.errors import LedgerError
from atmp.manufacturing import factories
from atmp.manufacturing.models import BatchStep, StepProgress
from atmp.manufacturing.selectors.batches import is_verified, live_entries, missing_entries, needs_verification
from atmp.manufacturing.services import batch_entries, batch_materials, batch_steps, batches
from atmp.testing import PASSWORD, shared_search

pytestmark = pytest.mark.django_db

# "entries" records all three kinds at once, and the calls of a whole step come more often than the
# others, so that walks get far enough to complete steps (and try to skip them).
ACTIONS = ["parameters", "controls", "materials", "clean", "complete_batch"] + 3 * [
    "start",
    "entries",
    "verify",
    "complete",
]


def _act(action: str, step: BatchStep, world: dict) -> None:
    floor, olga = world["floor"], world["floor"]["operator"]
    mbr_step = step.mbr_step
    if action == "start":
        batch_steps.start_step(actor=olga, step=step, room=floor["room"], equipment=[floor["bsc"]])
    elif action == "parameters":
        for p in mbr_step.parameters.all():
            batch_entries.record_parameter(actor=olga, step=step, parameter=p, value="37.0")
    elif action == "controls":
        for c in mbr_step.controls.all():
            batch_entries.record_control(actor=olga, step=step, control=c, value="95")
    elif action == "materials":
        for m in mbr_step.materials.all():
            batch_materials.add_material(actor=olga, step=step, line=m, lot=world["stock"].number, quantity="500")
    elif action == "entries":
        for name in ("parameters", "controls", "materials"):
            _act(name, step, world)
    elif action == "verify":
        for e in live_entries(step):
            if needs_verification(e, mbr_step) and not is_verified(e):
                batch_entries.verify_entry(actor=floor["checker"], entry=e, password=PASSWORD)
    elif action == "complete":
        batch_steps.complete_step(actor=olga, step=step)
    elif action == "clean":
        factories.clean(actor=floor["qa"], equipment=floor["bsc"])
    else:
        batches.complete_batch(actor=olga, batch=step.batch)


def _check_invariants(batch) -> None:
    batch.refresh_from_db()
    steps = list(batch.steps.order_by("number"))
    for step in steps:
        if step.progress != StepProgress.PENDING:
            earlier = [s for s in steps if s.parallel_group < step.parallel_group]
            assert all(s.progress == StepProgress.DONE for s in earlier), f"step {step.number} skipped the order"
        if step.progress == StepProgress.DONE:
            assert missing_entries(step) == [], f"step {step.number} is done with {missing_entries(step)}"
    if batch.status in ("executed", "reviewed"):
        assert all(s.progress == StepProgress.DONE for s in steps)


def test_no_walk_skips_a_step_or_completes_one_with_entries_missing(qa_reviewer):
    mbr = factories.make_effective_mbr(actor=qa_reviewer)
    reached: set[str] = set()

    @shared_search
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    # The whole life, in order, is always among the walks (so the coverage below never rests on chance).
    @example(
        [(a, 0) for a in ("start", "entries", "verify", "complete", "clean")]
        + [(a, 1) for a in ("start", "entries", "verify", "complete", "complete_batch")]
    )
    @given(st.lists(st.tuples(st.sampled_from(ACTIONS), st.sampled_from([0, 0, 1])), min_size=10, max_size=30))
    def walk(calls):
        batch = factories.make_batch(actor=qa_reviewer, mbr=mbr)
        floor = factories.make_floor(batch=batch)
        material = mbr.steps.first().materials.get().material
        world = {
            "floor": floor,
            "stock": factories.make_stock(actor=floor["qa"], material=material, site=batch.site, quantity="100000"),
        }
        for action, index in calls:
            step = batch.steps.order_by("number")[index]
            with contextlib.suppress(LedgerError):  # a refusal: the invariants say nothing was skipped
                _act(action, step, world)
            _check_invariants(batch)
            reached.add(batch.status)
            reached.update(f"step {s.number} {s.progress}" for s in batch.steps.all())

    walk()
    # The walks must have moved: steps started, and some finished with every entry.
    assert {"in_progress", "executed", "step 10 in_progress", "step 20 done"} <= reached, reached


def test_a_batch_runs_its_whole_life_to_qa_review(qa_reviewer, qa_approver, batch, floor, steps):
    from atmp.manufacturing.selectors.batches import exceptions

    for n, step in enumerate(steps):
        if n:
            factories.clean(actor=floor["qa"], equipment=floor["bsc"])
        batch_steps.start_step(actor=floor["operator"], step=step, room=floor["room"], equipment=[floor["bsc"]])
        factories.execute_step(step=step, floor=floor)
    batches.complete_batch(actor=floor["operator"], batch=batch)
    assert batch.status == "executed" and batches.open_uses(batch) == []
    assert exceptions(batch) == []
    batches.review_batch(actor=qa_approver, batch=batch, password=PASSWORD)
    assert batch.status == "reviewed"


def test_a_batch_with_a_step_not_done_is_not_executed(running, floor, batch, ledger_size):
    before = ledger_size()
    with pytest.raises(LedgerError, match="steps not done: step 10 .* is in progress"):
        batches.complete_batch(actor=floor["operator"], batch=batch)
    assert ledger_size() == before


def test_qa_cancels_a_planned_batch_and_no_step_starts_after(qa_approver, floor, batch, steps):
    from atmp.workflow import engine

    engine.transition(qa_approver, batch, "cancel", reason="the patient withdrew")
    with pytest.raises(LedgerError, match="batch not in progress: .* is cancelled"):
        batch_steps.start_step(actor=floor["operator"], step=steps[0], room=floor["room"], equipment=[floor["bsc"]])
