"""Shelf life invariants (hypothesis): row order, batch names, units of time and of the attribute."""

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from atmp.stats import shelf_life as q1e
from atmp.stats.errors import StatsInputError

SCHEDULE = (0.0, 1.0, 3.0, 6.0, 9.0, 12.0, 18.0, 24.0, 36.0)


@st.composite
def studies(draw):
    """Return (batches, times, values, lower, upper) of a plausible stability study of 1–4 batches."""
    k = draw(st.integers(1, 4))
    batches, times, values = [], [], []
    for i in range(k):
        points = draw(st.lists(st.sampled_from(SCHEDULE), min_size=3, max_size=len(SCHEDULE), unique=True))
        replicates = draw(st.lists(st.integers(1, 2), min_size=len(points), max_size=len(points)))
        start = draw(st.floats(98.0, 104.0))
        slope = draw(st.floats(-0.6, 0.3))
        for t, r in zip(points, replicates, strict=True):
            for _ in range(r):
                noise = draw(st.floats(-1.0, 1.0))
                batches.append(f"B{i}")
                times.append(t)
                values.append(start + slope * t + noise)
    lower = draw(st.one_of(st.none(), st.floats(85.0, 96.0)))
    upper = draw(st.floats(106.0, 115.0)) if lower is None else draw(st.one_of(st.none(), st.floats(106.0, 115.0)))
    return batches, np.array(times), np.array(values), lower, upper


def outcome(batches, times, values, **options):
    """Return the result, or the refusal's field and message: both must be reproducible."""
    try:
        return q1e.shelf_life(batches, times, values, **options)
    except StatsInputError as exc:
        return (exc.field, exc.message)


PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(studies(), st.randoms(use_true_random=False))
def test_a_shelf_life_does_not_depend_on_row_order(study, random):
    batches, times, values, lower, upper = study
    order = list(range(len(times)))
    random.shuffle(order)
    shuffled = ([batches[i] for i in order], times[order], values[order])
    # Rows are sorted before fitting, so the result is the same to the last bit, refusals included.
    assert outcome(*shuffled, lower=lower, upper=upper) == outcome(batches, times, values, lower=lower, upper=upper)


@PROPERTY
@given(studies())
def test_the_shelf_life_is_the_earliest_batch_crossing_and_the_bound_meets_the_limit_there(study):
    batches, times, values, lower, upper = study
    result = outcome(batches, times, values, lower=lower, upper=upper)
    if isinstance(result, tuple):
        return
    crossings = [b.shelf_life for b in result.batches if b.shelf_life is not None]
    if not crossings:
        assert math.isinf(result.shelf_life) and result.governing_batch is None
        return
    assert result.shelf_life == min(crossings)
    assert result.shelf_life == min(t for t in result.limits.values() if t is not None)
    for b in result.batches:
        for side, time in b.crossings.items():
            if time is None:
                continue
            limit = lower if side == "lower" else upper
            at = b.line.bound(np.array([time]), side, result.quantiles[b.batch])[0]
            assert at == pytest.approx(limit, abs=1e-9 * max(1.0, abs(limit)))


@PROPERTY
@given(studies(), st.floats(0.1, 40.0), st.floats(-50.0, 50.0))
def test_it_follows_a_change_of_time_unit_and_a_shift_of_the_attribute(study, factor, shift):
    batches, times, values, lower, upper = study
    before = outcome(batches, times, values, lower=lower, upper=upper)
    if isinstance(before, tuple):
        return
    # Values on an exact line (all noise drawn as 0) are refused, but only when the rounding noise of
    # the residual falls below the threshold, which a rescaling moves: that boundary is no invariant.
    assume(min(b.line.s for b in before.batches) > 1e-6)
    moved = [None if x is None else x + shift for x in (lower, upper)]
    after = outcome(batches, times * factor, values + shift, lower=moved[0], upper=moved[1])
    assert not isinstance(after, tuple)
    assert after.model == before.model
    if math.isinf(before.shelf_life):
        assert math.isinf(after.shelf_life)
    else:
        assert after.shelf_life == pytest.approx(before.shelf_life * factor, rel=1e-7)


@PROPERTY
@given(studies())
def test_renaming_batches_changes_only_the_names(study):
    batches, times, values, lower, upper = study
    before = outcome(batches, times, values, lower=lower, upper=upper)
    renamed = [name.replace("B", "lot-") for name in batches]
    after = outcome(renamed, times, values, lower=lower, upper=upper)
    if isinstance(before, tuple):
        assert isinstance(after, tuple) and after[0] == before[0]
        return
    assert (after.model, after.shelf_life) == (before.model, before.shelf_life)
    if before.governing_batch is not None:
        assert after.governing_batch == before.governing_batch.replace("B", "lot-")


@PROPERTY
@given(studies(), st.sampled_from([0.01, 0.05, 0.1]), st.sampled_from([0.05, 0.25, 0.5]))
def test_the_command_either_answers_in_plain_json_or_refuses_naming_an_option(study, alpha, pool_alpha):
    from atmp.stats.analyses.shelf_life import ANALYSES
    from atmp.stats.catalogue import run
    from atmp.stats.table import Table

    batches, times, values, lower, upper = study
    text = "lot,t,y\n" + "".join(f"{b},{t!r},{v!r}\n" for b, t, v in zip(batches, times, values, strict=True))
    options = {"batch": "lot", "time": "t", "value": "y", "lower": lower, "upper": upper}
    options |= {"alpha": alpha, "pool_alpha": pool_alpha}
    try:
        document = run(ANALYSES[0], options, Table.from_bytes(text.encode()), plot=False).document
    except StatsInputError as exc:
        assert exc.field in options
        return
    # run() refuses NaN and infinity anywhere in a document; the shelf life is a number or "inf".
    assert isinstance(document["shelf_life"], float) or document["shelf_life"] == "inf"
    assert document["model"] in ("cics", "dics", "dids", "single")
