"""Counting a report database into product–event pairs, and every signal column of every pair.

The unit is the report (DuMouchel 1999: N_ij is the number of reports naming drug i and event j;
DuMouchel & Pregibon 2001, KDD'01: items counted once per "transaction"). A report may span
several rows, each naming a product and an event; the products and events of a report are crossed,
so that a report naming products P, Q and events X, Y counts once for each of PX, PY, QX and QY,
however many rows repeat them. Then

    n          reports naming the product and the event (the pair's count, a of the 2×2 table)
    n_product  reports naming the product            (a + b)
    n_event    reports naming the event              (a + c)
    N          distinct reports                      (a + b + c + d)
    E          = n_product · n_event / N             (the expected count under independence)

and b = n_product − n, c = n_event − n, d = N − n_product − n_event + n ≥ 0, the reports naming
neither (inclusion–exclusion holds because every count is of the same reports). openEBGM's
`processRaw` pairs a product only with the events on its own rows; the two agree whenever each
report's rows cross its products and events, as in openEBGM's `caers` data, and on one-product
reports. Only pairs reported at least once are listed (openEBGM's default, `zeroes = FALSE`).
Everything is vectorised: a million reports are a few array sorts and one join.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from atmp.stats import disproportionality as dp
from atmp.stats import gps
from atmp.stats.errors import StatsInputError

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]
INT64_MAX = 2**63 - 1


@dataclass(frozen=True)
class Counts:
    """The product–event pairs of a report database with their counts (one entry per pair with n ≥ 1)."""

    products: NDArray[np.object_]  # the product names, sorted; `product` indexes into them
    events: NDArray[np.object_]
    product: Ints
    event: Ints
    n: Ints
    n_product: Ints
    n_event: Ints
    reports: int

    @property
    def expected(self) -> Floats:
        """Return E = n_product · n_event / N of every pair."""
        out: Floats = self.n_product.astype(np.float64) * self.n_event.astype(np.float64) / self.reports
        return out


@dataclass(frozen=True)
class Signals:
    """Every column of every pair, the prior fit, and where the time went (seconds by stage)."""

    counts: Counts
    expected: Floats
    rr: Floats
    prr: Floats
    ror: Floats
    ic: Floats
    ic025: Floats
    fit: gps.PriorFit
    posterior: gps.Posterior | None
    order: Ints  # the listing order: EB05 (IC025 without a prior) descending, then product, event
    timings: dict[str, float] = field(default_factory=dict)


def _codes(labels: Sequence[str], *, sort: bool = True) -> tuple[Ints, NDArray[np.object_]]:
    codes, uniques = pd.factorize(np.asarray(labels, dtype=object), sort=sort)
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def _distinct(*columns: Ints) -> Ints:
    """Return the row numbers of the first occurrence of each distinct combination of the code columns."""
    sizes = [int(c.max()) + 1 if c.size else 1 for c in columns]
    total = 1
    for size in sizes:
        total *= size
    if total <= INT64_MAX:
        key = np.zeros(columns[0].size, dtype=np.int64)
        for column, size in zip(columns, sizes, strict=True):
            key = key * size + column
        order = np.argsort(key, kind="stable")
        ordered = key[order]
        first = np.ones(ordered.size, dtype=bool)
        first[1:] = ordered[1:] != ordered[:-1]
    else:  # pragma: no cover - needs more than 9·10^18 report × product × event combinations
        order = np.lexsort(columns[::-1])
        first = np.ones(order.size, dtype=bool)
        first[1:] = np.any([c[order][1:] != c[order][:-1] for c in columns], axis=0)
    out: Ints = order[first]
    return out


def count(products: Sequence[str], events: Sequence[str], reports: Sequence[str] | None = None) -> Counts:
    """Count the pairs of a report table: one row per product–event mention, `reports` the report of each row.

    Without `reports`, every row is a report of its own.
    """
    if len(products) == 0:
        raise StatsInputError("file", "has no rows: signals needs one row per product–event mention of a report")
    product, product_names = _codes(products)
    event, event_names = _codes(events)
    if reports is None:
        report = np.arange(product.size, dtype=np.int64)
        total = int(product.size)
    else:
        report, report_names = _codes(reports, sort=False)  # report order matters nowhere: no sort
        total = int(report_names.size)
    with_product = _distinct(report, product)
    with_event = _distinct(report, event)
    per_product = np.bincount(product[with_product], minlength=product_names.size).astype(np.int64)
    per_event = np.bincount(event[with_event], minlength=event_names.size).astype(np.int64)
    # Every product of a report with every event of it: a join on the report.
    crossed = pd.merge(
        pd.DataFrame({"report": report[with_product], "product": product[with_product]}),
        pd.DataFrame({"report": report[with_event], "event": event[with_event]}),
        on="report",
    )
    keys = crossed["product"].to_numpy(np.int64) * event_names.size + crossed["event"].to_numpy(np.int64)
    keys.sort()
    first = np.ones(keys.size, dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    starts = np.flatnonzero(first)
    n = np.diff(np.append(starts, keys.size)).astype(np.int64)
    pair_product, pair_event = keys[starts] // event_names.size, keys[starts] % event_names.size
    return Counts(
        products=product_names,
        events=event_names,
        product=pair_product,
        event=pair_event,
        n=n,
        n_product=per_product[pair_product],
        n_event=per_event[pair_event],
        reports=total,
    )


def signals(counts: Counts, *, max_points: int = gps.MAX_POINTS) -> Signals:
    """Return every column of every pair: E, RR = n/E, PRR, ROR, IC and IC025, and the EB columns.

    The 2×2 table of a pair is a = n, b = n_product − n, c = n_event − n, d = N − n_product − n_event + n.
    The gamma-Poisson prior is fitted on all pairs (n ≥ 1; gps.fit_prior); when it cannot be, the EB
    columns are left out (posterior None) and the other columns are still given.
    """
    clock = time.perf_counter()
    timings: dict[str, float] = {}
    e = counts.expected
    a = counts.n
    b = counts.n_product - a
    c = counts.n_event - a
    d = counts.reports - counts.n_product - counts.n_event + a
    rr = a / e
    prr_value = dp.prr(a, b, c, d)[0]
    ror_value = dp.ror(a, b, c, d)[0]
    ic, ic025, _ = dp.information_component(a, e)
    timings["columns"] = time.perf_counter() - clock
    clock = time.perf_counter()
    # Identical (n, n_product·n_event) pairs have identical E: grouping them on integers is exact.
    pn, pkey, pw = gps.collapse(a, counts.n_product * counts.n_event)
    fit = gps.fit_prior(pn, pkey.astype(np.float64) / counts.reports, pw, max_points=max_points)
    timings["prior_fit"] = time.perf_counter() - clock
    clock = time.perf_counter()
    posterior = None
    if fit.prior is not None:
        # The posterior depends on (n, E) only: compute it once per distinct point and spread it back.
        un, ukey, inverse = _unique_points(a, counts.n_product * counts.n_event)
        point = gps.posterior(fit.prior, un.astype(np.float64), ukey.astype(np.float64) / counts.reports)
        posterior = gps.Posterior(
            qn=point.qn[inverse], ebgm=point.ebgm[inverse], eb05=point.eb05[inverse], eb95=point.eb95[inverse]
        )
    timings["posterior"] = time.perf_counter() - clock
    rank = posterior.eb05 if posterior is not None else ic025
    order = np.lexsort((counts.event, counts.product, -rank)).astype(np.int64)
    return Signals(
        counts=counts,
        expected=e,
        rr=rr,
        prr=prr_value,
        ror=ror_value,
        ic=ic,
        ic025=ic025,
        fit=fit,
        posterior=posterior,
        order=order,
        timings=timings,
    )


def _unique_points(n: Ints, key: Ints) -> tuple[Ints, Ints, Ints]:
    order = np.lexsort((key, n))
    ns, ks = n[order], key[order]
    first = np.ones(ns.size, dtype=bool)
    first[1:] = (ns[1:] != ns[:-1]) | (ks[1:] != ks[:-1])
    group = np.cumsum(first) - 1
    inverse = np.empty(n.size, dtype=np.int64)
    inverse[order] = group
    return ns[first], ks[first], inverse
