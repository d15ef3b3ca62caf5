"""Factories of the quality system's records, for tests, the contract test and the random walks."""

from __future__ import annotations

import itertools
from typing import Any

from atmp.accounts.models import Site, User
from atmp.testing import PASSWORD, make_site, make_user

_counter = itertools.count(1)


def _site(actor: User | None, site: Site | None) -> Site:
    return site if site is not None else make_site(actor=actor)


def make_riskscale(*, actor: User, site: Site | None = None, **fields: Any) -> Any:
    """Create a site's risk scale (a new site unless one is given) through the service."""
    from atmp.quality.services import risk

    return risk.set_scale(actor=actor, site=_site(actor, site), reason="", **fields)


def make_riskassessment(*, actor: User, site: Site | None = None, rows: int = 1, **fields: Any) -> Any:
    """Create a draft FMEA with a product, a conclusion and scored rows, ready to submit."""
    from atmp.quality.services import risk

    fields.setdefault("title", f"Risk assessment {next(_counter)}")
    fields.setdefault("product", "AAV9-SMN")
    fields.setdefault("conclusion", "Residual risk acceptable with the listed controls.")
    assessment = risk.open_assessment(actor=actor, site=_site(actor, site), **fields)
    for n in range(rows):
        make_fmearow(actor=actor, assessment=assessment, failure_mode=f"Failure mode {n + 1}")
    return assessment


def make_fmearow(*, actor: User, assessment: Any = None, **fields: Any) -> Any:
    """Add a scored FMEA row (to a new draft assessment unless one is given)."""
    from atmp.quality.services import risk

    if assessment is None:
        assessment = make_riskassessment(actor=actor, rows=0)
    fields.setdefault("failure_mode", "Filter integrity test fails")
    fields.setdefault("effect", "Non-sterile product")
    for name, value in (("severity", 4), ("occurrence", 2), ("detectability", 3)):
        fields.setdefault(name, value)
    return risk.add_row(actor=actor, assessment=assessment, **fields)


def make_approved_riskassessment(*, actor: User, site: Site | None = None, **fields: Any) -> Any:
    """Create an FMEA and have it reviewed and approved (by a QA Approver made for it)."""
    from atmp.workflow import engine

    assessment = make_riskassessment(actor=actor, site=site, **fields)
    engine.transition(actor, assessment, "submit", reason="ready for review")
    approver = make_user("qa_approver", password=PASSWORD)
    engine.transition(approver, assessment, "approve", reason="risk accepted", password=PASSWORD)
    return assessment


def make_changecontrol(
    *, actor: User, site: Site | None = None, risk_assessment: Any = "approved", **fields: Any
) -> Any:
    """Create a change control, described and classified, with an approved risk assessment linked.

    risk_assessment: "approved" (the default: one is made), None (none linked) or an assessment.
    """
    from atmp.quality.services import changes

    site = _site(actor, site)
    if risk_assessment == "approved":
        risk_assessment = make_approved_riskassessment(actor=actor, site=site)
    fields.setdefault("title", f"Change {next(_counter)}")
    fields.setdefault("description", "Replace the culture-medium supplier.")
    fields.setdefault("justification", "The current supplier discontinues the medium.")
    fields.setdefault("regulatory_classification", "none")
    fields.setdefault("classification_rationale", "No change to the registered process or specifications.")
    return changes.open_change(actor=actor, site=site, risk_assessment=risk_assessment, **fields)


def make_changetask(*, actor: User, change: Any = None, owner: User | None = None, **fields: Any) -> Any:
    """Add an implementation task (to a new change unless one is given), owned by the actor unless named."""
    from atmp.quality.services import changes

    if change is None:
        change = make_changecontrol(actor=actor, risk_assessment=None)
    fields.setdefault("title", "Qualify the new supplier")
    return changes.add_task(actor=actor, change=change, owner=owner or actor, **fields)
