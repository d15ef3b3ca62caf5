"""Counting a report database into product–event pairs, against openEBGM's `processRaw` and by hand."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atmp.stats import signals as sig
from atmp.stats.catalogue import example_files
from atmp.stats.errors import StatsInputError
from atmp.stats.table import Table


def by_pair(counts, values):
    names_p, names_e = counts.products[counts.product], counts.events[counts.event]
    return {(p, e): v for p, e, v in zip(names_p, names_e, values, strict=True)}


def test_it_reproduces_openebgms_hand_calculation():
    # openEBGM tests/testthat/testA_Counts.R, "results match hand calculations, unstratified": ten
    # single-row reports (shipped as examples/signals-openebgm-hand.csv); N, E, RR and PRR of the pairs
    # reported at least once, to the 4 decimals the test rounds to.
    table = Table.from_bytes(example_files()["signals-openebgm-hand.csv"])
    counts = sig.count(table.labels("product", option="p"), table.labels("event", option="e"), None)
    result = sig.signals(counts)
    hand = {
        ("product_A", "event_1"): (1, 0.6, 1.6667, 2.3333),
        ("product_A", "event_2"): (1, 0.9, 1.1111, 1.1667),
        ("product_A", "event_3"): (1, 1.5, 0.6667, 0.5833),
        ("product_B", "event_2"): (2, 1.5, 1.3333, 2.0),
        ("product_B", "event_3"): (3, 2.5, 1.2, 1.5),
        ("product_C", "event_1"): (1, 0.4, 2.5, 4.0),
        ("product_C", "event_3"): (1, 1.0, 1.0, 1.0),
    }
    n, e = by_pair(counts, counts.n), by_pair(counts, result.expected)
    rr, prr = by_pair(counts, result.rr), by_pair(counts, result.prr)
    assert set(n) == set(hand)
    for key, (hn, he, hrr, hprr) in hand.items():
        assert (n[key], e[key]) == (hn, pytest.approx(he, abs=1e-12))
        assert round(rr[key], 4) == hrr and round(prr[key], 4) == hprr
    assert result.fit.prior is None and result.posterior is None


def test_it_reproduces_the_processraw_vignette():
    # openEBGM vignette "Processing Raw Data" (vignette02): 17 single-row reports; N and E printed to 7 decimals.
    products = list("BABAAAAAAAABBBBBC")
    events = [f"event_{k}" for k in "11211122122212121"]
    counts = sig.count([f"product_{p}" for p in products], events)
    e = by_pair(counts, counts.expected)
    n = by_pair(counts, counts.n)
    published = {
        ("product_A", "event_1"): (5, 4.7647059),
        ("product_A", "event_2"): (4, 4.2352941),
        ("product_B", "event_1"): (3, 3.7058824),
        ("product_B", "event_2"): (4, 3.2941176),
        ("product_C", "event_1"): (1, 0.5294118),
    }
    assert {k: (n[k], round(e[k], 7)) for k in n} == published


def test_it_counts_distinct_reports_as_processraw_does_on_caers():
    # openEBGM vignette03, processRaw(caers): 17,189 pairs; the first four E to 10 decimals.
    table = Table.from_bytes(example_files()["signals-caers.csv"])
    counts = sig.count(
        table.labels("product", option="p"), table.labels("event", option="e"), table.labels("report", option="r")
    )
    assert counts.reports == 3356 and counts.n.size == 17189
    assert counts.products.size == 2874 and counts.events.size == 1328  # ?caers: 2874 products, 1328 events
    assert counts.expected[:4] == pytest.approx([0.0360548272, 0.0038736591, 0.0002979738, 0.0360548272], abs=5e-11)


def test_a_report_crosses_its_products_and_events():
    # A report naming P and Q with X and Y (on any rows) counts for all four pairs (DuMouchel 1999).
    counts = sig.count(["P", "Q"], ["X", "Y"], ["R1", "R1"])
    assert by_pair(counts, counts.n) == {("P", "X"): 1, ("P", "Y"): 1, ("Q", "X"): 1, ("Q", "Y"): 1}


def test_a_report_counts_once_per_pair_however_many_rows_repeat_it():
    rows = [("R1", "P", "X"), ("R1", "P", "X"), ("R1", "P", "Y"), ("R2", "P", "X"), ("R3", "Q", "X")]
    reports, products, events = zip(*rows, strict=True)
    counts = sig.count(products, events, reports)
    assert counts.reports == 3
    assert by_pair(counts, counts.n) == {("P", "X"): 2, ("P", "Y"): 1, ("Q", "X"): 1}
    assert by_pair(counts, counts.n_product)[("P", "X")] == 2  # R1 and R2, not 4 rows
    assert by_pair(counts, counts.n_event)[("P", "X")] == 3  # R1, R2, R3
    assert by_pair(counts, counts.expected)[("P", "X")] == pytest.approx(2 * 3 / 3)


def test_pairs_are_listed_by_eb05_then_ic025_without_a_prior():
    table = Table.from_bytes(example_files()["signals-openebgm-hand.csv"])
    result = sig.signals(sig.count(table.labels("product", option="p"), table.labels("event", option="e")))
    ranked = result.ic025[result.order]
    assert np.all(np.diff(ranked) <= 0)


def test_an_empty_report_table_is_refused():
    with pytest.raises(StatsInputError, match="has no rows"):
        sig.count([], [], None)


names = st.sampled_from(["P1", "P2", "P3", "P4"])
reactions = st.sampled_from(["E1", "E2", "E3"])
report_ids = st.sampled_from(["R1", "R2", "R3", "R4", "R5", "R6"])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(report_ids, names, reactions), min_size=1, max_size=40))
def test_the_two_by_two_tables_are_consistent(rows):
    reports, products, events = zip(*rows, strict=True)
    counts = sig.count(products, events, reports)
    a = counts.n
    b, c = counts.n_product - a, counts.n_event - a
    d = counts.reports - counts.n_product - counts.n_event + a
    assert np.all(a >= 1) and np.all(b >= 0) and np.all(c >= 0) and np.all(d >= 0)
    assert counts.reports == len(set(reports))
    for (p, e), n in by_pair(counts, counts.n).items():
        naming_p = {r for r, pp, _ in rows if pp == p}
        naming_e = {r for r, _, ee in rows if ee == e}
        assert n == len(naming_p & naming_e)
    result = sig.signals(counts)
    for column in (result.expected, result.rr, result.ic, result.ic025):
        assert np.all(np.isfinite(column))
