"""`disproportionality`, `ebgm` and `signals`: pharmacovigilance signal detection on report counts."""

from __future__ import annotations

from typing import Any

import numpy as np

from atmp.stats import disproportionality as dp
from atmp.stats import gps
from atmp.stats import signals as sig
from atmp.stats.catalogue import Analysis, Outcome, Param
from atmp.stats.errors import StatsInputError
from atmp.stats.report import number_or_word
from atmp.stats.table import Table

CELLS = {
    "a": "reports naming the product and the event",
    "b": "reports naming the product and not the event",
    "c": "reports naming the event and not the product",
    "d": "reports naming neither",
}
PRIOR_NAMES = ("a1", "b1", "a2", "b2", "p")


def compute_disproportionality(table: Table | None, options: dict[str, Any]) -> Outcome:
    """Compute PRR, ROR, χ², IC and Evans' signal of one 2×2 table."""
    r = dp.table(options["a"], options["b"], options["c"], options["d"])
    document = {
        "expected": number_or_word(r.expected),
        "prr": number_or_word(r.prr),
        "prr_ci": [number_or_word(v) for v in r.prr_ci],
        "ror": number_or_word(r.ror),
        "ror_ci": [number_or_word(v) for v in r.ror_ci],
        "chi2": number_or_word(r.chi2),
        "chi2_yates": number_or_word(r.chi2_yates),
        "ic": number_or_word(r.ic),
        "ic025": number_or_word(r.ic025),
        "ic975": number_or_word(r.ic975),
        "evans_signal": r.evans_signal,
    }
    return Outcome(
        document=document,
        method="disproportionality of a 2×2 table of reports",
        variant="PRR and ROR with 95 % Wald intervals on the log scale; IC with ½ shrinkage and Gamma credibility "
        "bounds (Norén 2013); Evans signal: PRR ≥ 2, Yates χ² ≥ 4, a ≥ 3",
        n=r.a + r.b + r.c + r.d,
    )


def read_prior(values: list[float]) -> gps.Prior:
    """Return the prior given as five numbers a1,b1,a2,b2,p."""
    if len(values) != len(PRIOR_NAMES):
        raise StatsInputError(
            "prior",
            f"needs five numbers a1,b1,a2,b2,p (two gammas' shapes and rates and the first one's weight), "
            f"not {len(values)}",
        )
    prior = gps.Prior(*values)
    prior.check()
    return prior


def compute_ebgm(table: Table | None, options: dict[str, Any]) -> Outcome:
    """Compute the posterior of one pair under a given prior."""
    prior = read_prior(options["prior"])
    post = gps.posterior(prior, np.array([float(options["n"])]), np.array([float(options["e"])]))
    document = {
        "qn": float(post.qn[0]),
        "ebgm": float(post.ebgm[0]),
        "eb05": float(post.eb05[0]),
        "eb95": float(post.eb95[0]),
    }
    return Outcome(
        document=document,
        method="gamma-Poisson shrinker posterior (DuMouchel 1999)",
        variant="EBGM = exp(E[ln λ]); EB05/EB95 the 5th/95th percentiles of the posterior mixture of gammas",
        n=int(options["n"]),
    )


def compute_signals(table: Table | None, options: dict[str, Any]) -> Outcome:
    """Count a report table and compute every pair's columns and the EB scores."""
    assert table is not None  # the catalogue requires the file
    products = table.labels(options["product"], option="product")
    events = table.labels(options["event"], option="event")
    reports = table.labels(options["report"], option="report") if options["report"] else None
    result = sig.signals(sig.count(products, events, reports))
    document: dict[str, Any] = {"reports": result.counts.reports, "prior": prior_document(result.fit)}
    if result.fit.message is not None:
        document["message"] = result.fit.message
    document["pairs"] = pairs_document(result, min_n=options["min_n"])
    return Outcome(
        document=document,
        method="report counts, disproportionality and the gamma-Poisson shrinker (DuMouchel 1999)",
        variant=fit_variant(result.fit),
        n=result.counts.reports,
    )


def prior_document(fit: gps.PriorFit) -> dict[str, Any] | None:
    """Return the fitted prior as the issue spells it, or None when it was not fitted."""
    if fit.prior is None:
        return None
    p = fit.prior
    return {"a1": p.a1, "b1": p.b1, "a2": p.a2, "b2": p.b2, "p": p.p, "converged": fit.converged}


def fit_variant(fit: gps.PriorFit) -> str:
    """Return how the prior was fitted, for the provenance."""
    if fit.prior is None:
        return "prior not fitted (the message says why): EB columns null"
    squashed = f", squashed in ln E bins of width {fit.squash_width:g}" if fit.squash_width is not None else ""
    return (
        f"prior by maximum marginal likelihood, truncated at n ≥ 1, over {fit.pairs} pairs "
        f"({fit.points} distinct (n, E) points{squashed}); −ln L {fit.neg_log_likelihood:.6f}; "
        f"{fit.starts_agreeing} of {fit.starts} starts reached this optimum"
    )


def _words(values: np.ndarray[Any, Any]) -> list[Any]:
    out: list[Any] = values.tolist()
    for i in np.flatnonzero(~np.isfinite(values)).tolist():
        out[i] = number_or_word(float(values[i]))
    return out


def pairs_document(result: sig.Signals, *, min_n: int) -> list[dict[str, Any]]:
    """Return the pairs with n ≥ min_n in the listing order, each with all its columns."""
    counts = result.counts
    order = result.order[counts.n[result.order] >= min_n]
    post = result.posterior
    nulls: list[Any] = [None] * order.size
    columns = zip(
        counts.products[counts.product[order]].tolist(),
        counts.events[counts.event[order]].tolist(),
        counts.n[order].tolist(),
        result.expected[order].tolist(),
        result.rr[order].tolist(),
        _words(result.prr[order]),
        _words(result.ror[order]),
        result.ic[order].tolist(),
        result.ic025[order].tolist(),
        post.ebgm[order].tolist() if post is not None else nulls,
        post.eb05[order].tolist() if post is not None else nulls,
        post.eb95[order].tolist() if post is not None else nulls,
        strict=True,
    )
    # A literal per pair: building hundreds of thousands of dicts is the cost here.
    return [
        {
            "product": product,
            "event": event,
            "n": n,
            "e": e,
            "rr": rr,
            "prr": prr,
            "ror": ror,
            "ic": ic,
            "ic025": ic025,
            "ebgm": ebgm,
            "eb05": eb05,
            "eb95": eb95,
        }
        for product, event, n, e, rr, prr, ror, ic, ic025, ebgm, eb05, eb95 in columns
    ]


COUNT = "a whole number of reports, 0 or more"

ANALYSES = (
    Analysis(
        name="disproportionality",
        title="Disproportionality of a product–event pair",
        summary="PRR and ROR with 95 % intervals, χ² (plain and Yates), the shrunk IC with its credibility "
        "bounds and Evans' signal, from the 2×2 table of report counts.",
        source="Evans et al. 2001 (PDS 10:483); Norén, Hopstadius & Bate 2013 (SMMR 22:57); "
        "Rothman et al. 2004 (PDS 13:519)",
        params=tuple(
            Param(cell, "int", f"{meaning} ({COUNT})", required=True, low=0, metavar="N")
            for cell, meaning in CELLS.items()
        ),
        compute=compute_disproportionality,
        file="none",
        example_options={"a": 27, "b": 95, "c": 44, "d": 443},
    ),
    Analysis(
        name="ebgm",
        title="Empirical Bayes geometric mean of a pair (gamma-Poisson shrinker)",
        summary="Qn, EBGM and the EB05/EB95 bounds of a pair's reporting ratio given its count, "
        "expected count and the prior.",
        source="DuMouchel 1999 (Am Stat 53:177), eqs. 5–11",
        params=(
            Param("n", "int", f"the pair's count: {COUNT}", required=True, low=0, metavar="N"),
            Param("e", "float", "the expected count n_product·n_event/N, above 0", required=True, low=0, open_low=True),
            Param(
                "prior",
                "floats",
                "the prior a1,b1,a2,b2,p: shapes and rates of the two gammas (above 0) and the first's weight "
                "(between 0 and 1)",
                required=True,
                metavar="A1,B1,A2,B2,P",
            ),
        ),
        compute=compute_ebgm,
        file="none",
        example_options={"n": 16, "e": 0.4064362336, "prior": "3.25379356,0.39988854,2.02612692,1.90807970,0.06534557"},
    ),
    Analysis(
        name="signals",
        title="Signal detection in a report database",
        summary="Counts every product–event pair of a report table (each report once per pair), fits the "
        "gamma-Poisson prior and lists n, E, RR, PRR, ROR, IC, IC025, EBGM, EB05 and EB95 of every pair.",
        source="DuMouchel 1999 (Am Stat 53:177); DuMouchel & Pregibon 2001 (KDD'01); Canida & Ihrie 2017 "
        "(openEBGM, R Journal 9:499); Norén et al. 2013; Evans et al. 2001",
        params=(
            Param("product", "column", "the column naming the product of each row", required=True),
            Param("event", "column", "the column naming the event (reaction) of each row", required=True),
            Param(
                "report",
                "column",
                "the column of report identifiers (a report may span several rows); without it every row is a report",
            ),
            Param(
                "min_n",
                "int",
                "list only pairs reported at least this many times (the prior is fitted on all pairs)",
                default=1,
                low=1,
                metavar="N",
            ),
        ),
        compute=compute_signals,
        example="signals-caers.csv",
        example_options={"product": "product", "event": "event", "report": "report"},
        # A report table is large, and parsed it takes ~40x its size (docs/performance.md): a server
        # accepts half a million rows per request; `atmp stats signals` reads a local file of any size.
        max_bytes=16 * 1024 * 1024,
        max_rows=500_000,
    ),
)
