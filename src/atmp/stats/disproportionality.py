"""Disproportionality of one product–event pair in a report database: PRR, ROR, χ², IC and Evans' signal.

The 2×2 table of reports (REGULATORY.md, "Pharmacovigilance"):

                      the event   other events
    the product           a            b
    other products        c            d

Every function takes the four counts as NumPy arrays (or numbers) and works on many pairs at once.
A zero cell can make a ratio infinite (a/0) or undefined (0/0); such values are returned as inf and
NaN here, never refused, and the entry points print them as "inf" and "undefined" (report.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from atmp.stats.errors import StatsInputError

Floats = NDArray[np.float64]

# Φ⁻¹(0.975): the 95 % Wald intervals of PRR and ROR (Evans et al. 2001, PDS 10:483, write it 1.96).
Z95 = 1.959963984540054
# Evans et al. 2001: a signal is PRR ≥ 2 with χ² (Yates-corrected) ≥ 4 and at least 3 reports.
EVANS_PRR = 2.0
EVANS_CHI2 = 4.0
EVANS_A = 3
# Norén, Hopstadius & Bate 2013 (Stat Methods Med Res 22:57): add ½ to the observed and the
# expected count; the 95 % credibility interval is the 2.5 % and 97.5 % quantiles of Gamma(O + ½, E + ½).
IC_SHRINKAGE = 0.5


@dataclass(frozen=True)
class Disproportionality:
    """Every measure of one 2×2 table; inf and NaN stand for "inf" and "undefined"."""

    a: int
    b: int
    c: int
    d: int
    expected: float
    prr: float
    prr_ci: tuple[float, float]
    ror: float
    ror_ci: tuple[float, float]
    chi2: float
    chi2_yates: float
    ic: float
    ic025: float
    ic975: float
    evans_signal: bool


def _floats(*values: ArrayLike) -> list[Floats]:
    return [np.asarray(v, dtype=np.float64) for v in values]


def expected_count(a: ArrayLike, b: ArrayLike, c: ArrayLike, d: ArrayLike) -> Floats:
    """Return E = (a + b)(a + c)/N, the reports of the pair expected if product and event were independent."""
    fa, fb, fc, fd = _floats(a, b, c, d)
    with np.errstate(divide="ignore", invalid="ignore"):
        out: Floats = (fa + fb) * (fa + fc) / (fa + fb + fc + fd)
    return out


def prr(a: ArrayLike, b: ArrayLike, c: ArrayLike, d: ArrayLike) -> tuple[Floats, Floats, Floats]:
    """Return PRR = [a/(a + b)] / [c/(c + d)] and its 95 % interval exp(ln PRR ± z·√(1/a − 1/(a+b) + 1/c − 1/(c+d))).

    Evans et al. 2001. The interval needs a > 0 and c > 0 (a zero makes ln PRR or its standard
    error infinite): otherwise both bounds are undefined.
    """
    fa, fb, fc, fd = _floats(a, b, c, d)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (fa / (fa + fb)) / (fc / (fc + fd))
        se = np.sqrt(1 / fa - 1 / (fa + fb) + 1 / fc - 1 / (fc + fd))
        ok = (fa > 0) & (fc > 0)
        low = np.where(ok, value * np.exp(-Z95 * se), np.nan)
        high = np.where(ok, value * np.exp(Z95 * se), np.nan)
    return value, low, high


def ror(a: ArrayLike, b: ArrayLike, c: ArrayLike, d: ArrayLike) -> tuple[Floats, Floats, Floats]:
    """Return ROR = ad/(bc) and its 95 % interval exp(ln ROR ± z·√(1/a + 1/b + 1/c + 1/d)) (Woolf 1955).

    Rothman, Lanes & Sacks 2004 (PDS 13:519) for the ROR in pharmacovigilance. The interval needs all four
    cells above 0; otherwise both bounds are undefined.
    """
    fa, fb, fc, fd = _floats(a, b, c, d)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = (fa * fd) / (fb * fc)
        se = np.sqrt(1 / fa + 1 / fb + 1 / fc + 1 / fd)
        ok = (fa > 0) & (fb > 0) & (fc > 0) & (fd > 0)
        low = np.where(ok, value * np.exp(-Z95 * se), np.nan)
        high = np.where(ok, value * np.exp(Z95 * se), np.nan)
    return value, low, high


def chi_square(a: ArrayLike, b: ArrayLike, c: ArrayLike, d: ArrayLike, *, yates: bool) -> Floats:
    """Return Pearson's χ² (1 df) N(|ad − bc| − k)²/[(a+b)(c+d)(a+c)(b+d)], k = 0, or min(N/2, |ad − bc|) with Yates.

    Yates 1934 (J R Stat Soc Suppl 1:217): each |O − E| is reduced by ½ but never below 0, as R's
    `chisq.test(correct = TRUE)` and SciPy's `chi2_contingency` do. Undefined when a margin is 0.
    """
    fa, fb, fc, fd = _floats(a, b, c, d)
    n = fa + fb + fc + fd
    diff = np.abs(fa * fd - fb * fc)
    if yates:
        diff = diff - np.minimum(n / 2, diff)
    with np.errstate(divide="ignore", invalid="ignore"):
        out: Floats = n * diff**2 / ((fa + fb) * (fc + fd) * (fa + fc) * (fb + fd))
    return out


def information_component(observed: ArrayLike, expected: ArrayLike) -> tuple[Floats, Floats, Floats]:
    """Return IC = log2((O + ½)/(E + ½)) and its 95 % credibility bounds, log2 of the Gamma(O + ½, E + ½) quantiles.

    Norén, Hopstadius & Bate 2013: the posterior of the observed-to-expected ratio is
    Gamma(O + ½, rate E + ½); IC025 and IC975 are the log2 of its 2.5 % and 97.5 % quantiles.
    """
    fo, fe = _floats(observed, expected)
    shape, rate = fo + IC_SHRINKAGE, fe + IC_SHRINKAGE
    with np.errstate(divide="ignore", invalid="ignore"):
        ic = np.log2(shape / rate)
        low = np.log2(special.gammaincinv(shape, 0.025) / rate)
        high = np.log2(special.gammaincinv(shape, 0.975) / rate)
    return ic, low, high


def evans_signal(prr_value: ArrayLike, chi2_yates: ArrayLike, a: ArrayLike) -> NDArray[np.bool_]:
    """Return Evans' criteria: PRR ≥ 2, Yates-corrected χ² ≥ 4 and a ≥ 3 (an undefined value fails)."""
    fp, fc, fa = _floats(prr_value, chi2_yates, a)
    with np.errstate(invalid="ignore"):
        out: NDArray[np.bool_] = (fp >= EVANS_PRR) & (fc >= EVANS_CHI2) & (fa >= EVANS_A)
    return out


def table(a: int, b: int, c: int, d: int) -> Disproportionality:
    """Return every measure of one 2×2 table of report counts (each a whole number ≥ 0)."""
    for name, count in (("a", a), ("b", b), ("c", c), ("d", d)):
        if count < 0:
            raise StatsInputError(
                name, f"a count of reports cannot be negative ({count}); the 2×2 table needs counts ≥ 0"
            )
    value, prr_low, prr_high = prr(a, b, c, d)
    ror_value, ror_low, ror_high = ror(a, b, c, d)
    e = expected_count(a, b, c, d)
    ic, ic025, ic975 = information_component(a, e)
    chi2_yates = chi_square(a, b, c, d, yates=True)
    return Disproportionality(
        a=a,
        b=b,
        c=c,
        d=d,
        expected=float(e),
        prr=float(value),
        prr_ci=(float(prr_low), float(prr_high)),
        ror=float(ror_value),
        ror_ci=(float(ror_low), float(ror_high)),
        chi2=float(chi_square(a, b, c, d, yates=False)),
        chi2_yates=float(chi2_yates),
        ic=float(ic),
        ic025=float(ic025),
        ic975=float(ic975),
        evans_signal=bool(evans_signal(value, chi2_yates, a)),
    )
