"""Cell banks and seed stocks (ICH Q5D): the kinds of bank, their lineage, and the testing panel each needs.

Pure Python (no Django), mypy --strict: the services, the bank page and the docs read one declaration.

Sources (the section numbers of ICH Q5D, Step 4, 16 July 1997, and ICH Q5A(R2), Step 4, 1 Nov 2023):

- Q5D §2.2.1 "Cell banking system": a two-tiered system, a Master Cell Bank (MCB) from which a
  Working Cell Bank (WCB) is made by expanding the cells of one or more MCB vials; the same for
  virus seeds (the Master and Working Virus Seed of a viral vector, by analogy, as the EMA's
  guideline on the quality of gene therapy medicinal products EMA/CAT/80183/2014 §4.2.2 frames them).
- Q5D §2.3.1 tests of identity; §2.3.2 tests of purity (bacteria and fungi (sterility), mycoplasma,
  adventitious viruses per Q5A); §2.3.3 cell substrate stability: the limit of in-vitro cell age for
  production is based on production cells expanded to the proposed in-vitro cell age or beyond, the
  end-of-production cells (EOPC, "cells at the limit of in vitro cell age") tested once.
- Q5A(R2) §III.A and its Table 1: virus tests once on the MCB (retroviruses and other endogenous
  viruses; non-endogenous viruses in vitro and in vivo), on the WCB (non-endogenous viruses, in
  vitro and in vivo, when not on the MCB's descendants), and on the cells at the limit of in-vitro
  cell age (endogenous and non-endogenous).
- Replication-competent virus (RCV: replication-competent adenovirus, AAV, lentivirus or retrovirus)
  for the cells and seeds that produce a viral vector: EMA/CAT/80183/2014 §4.2.2 (cell banks and
  virus seeds) and Ph. Eur. 5.14 "Gene transfer medicinal products for human use".
"""

from __future__ import annotations

from dataclasses import dataclass

MCB = "mcb"
WCB = "wcb"
MVS = "mvs"
WVS = "wvs"
EOPC = "eopc"

KINDS: dict[str, str] = {
    MCB: "Master cell bank",
    WCB: "Working cell bank",
    MVS: "Master virus seed",
    WVS: "Working virus seed",
    EOPC: "End-of-production cells",
}

# What a bank is banked from: a cell line (cells) or a virus (seed stocks); the trace material types.
CELL_KINDS = frozenset({MCB, WCB, EOPC})
SEED_KINDS = frozenset({MVS, WVS})

# Which bank each kind is made from (Q5D §2.2.1: a WCB from MCB vials; EOPC are cells of production
# expanded from the WCB, or from the MCB where there is no WCB); a master is made from none of ours.
PARENT_KINDS: dict[str, frozenset[str]] = {
    MCB: frozenset(),
    WCB: frozenset({MCB}),
    MVS: frozenset(),
    WVS: frozenset({MVS}),
    EOPC: frozenset({MCB, WCB}),
}

# The in-vitro cell age units (Q5D Glossary, "in vitro cell age": passage level or population doubling level).
PASSAGES = "passages"
PDL = "pdl"
AGE_UNITS: dict[str, str] = {PASSAGES: "passages", PDL: "population doublings"}


@dataclass(frozen=True)
class PanelTest:
    """A test a bank of a kind needs before QA releases it, and where that is asked."""

    code: str
    name: str
    basis: str


IDENTITY = PanelTest("identity", "Identity (e.g. STR profile, isoenzymes)", "ICH Q5D §2.3.1")
STERILITY = PanelTest("sterility", "Sterility (bacteria and fungi)", "ICH Q5D §2.3.2; Ph. Eur. 2.6.1")
MYCOPLASMA = PanelTest("mycoplasma", "Mycoplasma", "ICH Q5D §2.3.2; Ph. Eur. 2.6.7")
ENDOGENOUS = PanelTest("endogenous_viruses", "Retroviruses and other endogenous viruses", "ICH Q5A(R2) §III.A, Table 1")
IN_VITRO = PanelTest("adventitious_in_vitro", "Adventitious viruses, in vitro assays", "ICH Q5A(R2) §III.A, Table 1")
IN_VIVO = PanelTest("adventitious_in_vivo", "Adventitious viruses, in vivo assays", "ICH Q5A(R2) §III.A, Table 1")
RCV = PanelTest("rcv", "Replication-competent virus", "EMA/CAT/80183/2014 §4.2.2; Ph. Eur. 5.14")
VECTOR_IDENTITY = PanelTest(
    "seed_identity", "Identity of the seed (sequence of the vector genome)", "EMA/CAT/80183/2014 §4.2.2"
)
INFECTIOUS_TITRE = PanelTest("titre", "Infectious titre", "EMA/CAT/80183/2014 §4.2.2")

_PANELS: dict[str, tuple[PanelTest, ...]] = {
    MCB: (IDENTITY, STERILITY, MYCOPLASMA, ENDOGENOUS, IN_VITRO, IN_VIVO),
    WCB: (IDENTITY, STERILITY, MYCOPLASMA, IN_VITRO, IN_VIVO),
    EOPC: (IDENTITY, STERILITY, MYCOPLASMA, ENDOGENOUS, IN_VITRO, IN_VIVO),
    MVS: (VECTOR_IDENTITY, INFECTIOUS_TITRE, STERILITY, MYCOPLASMA, IN_VITRO, IN_VIVO, RCV),
    WVS: (VECTOR_IDENTITY, INFECTIOUS_TITRE, STERILITY, MYCOPLASMA, IN_VITRO, RCV),
}


# Every test of any panel, by code: what a bank specification's attribute may name.
ALL_TESTS: dict[str, PanelTest] = {t.code: t for tests in _PANELS.values() for t in tests}

# A test's status on the bank page and in the release's refusal (its results are lab's, read through
# the installed modules' bank_panel hook: trace does not import lab).
CONFORMS = "conforms"
FAILS = "fails"
AWAITING_REVIEW = "awaiting review"
NOT_TESTED = "not tested"


def panel(kind: str, *, vector_production: bool = False) -> tuple[PanelTest, ...]:
    """Return the tests a bank of the kind needs; cells that produce a viral vector add replication-competent virus."""
    if kind not in _PANELS:
        raise ValueError(f"{kind!r} is not a kind of bank ({', '.join(KINDS)})")
    tests = _PANELS[kind]
    if vector_production and kind in CELL_KINDS:
        tests = (*tests, RCV)
    return tests


def parent_rule(kind: str, parent_kind: str | None) -> str | None:
    """Return the lineage rule a bank of the kind made from a parent of that kind breaks, or None."""
    allowed = PARENT_KINDS[kind]
    if parent_kind is None:
        if allowed:
            names = " or ".join(KINDS[k] for k in sorted(allowed))
            return f"a {KINDS[kind].lower()} is made from a {names.lower()}: name the bank it was made from"
        return None
    if not allowed:
        return f"a {KINDS[kind].lower()} is the first of its line: it is made from no bank of ours"
    if parent_kind not in allowed:
        names = " or ".join(KINDS[k] for k in sorted(allowed))
        return f"a {KINDS[kind].lower()} is made from a {names.lower()}, not from a {KINDS[parent_kind].lower()}"
    return None


def age_rule(age: int, unit: str, limit: int, bank: str) -> str | None:
    """Return the rule a cell age (from the bank's thaw) beyond the bank's limit breaks, or None (inclusive)."""
    if age <= limit:
        return None
    name = AGE_UNITS[unit]
    return (
        f"cell age {age} {name} is beyond {bank} limit of {limit} {name} from the bank "
        "(ICH Q5D §2.3.3: the validated limit of in-vitro cell age for production)"
    )
