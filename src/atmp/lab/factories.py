"""Factories of laboratory records for tests, benchmarks and the demo (each through its service)."""

from __future__ import annotations

import io
import itertools
from typing import Any

from atmp.accounts.models import Site, User
from atmp.testing import PASSWORD, make_site, make_user

_n = itertools.count(1)


def step_fields(**fields: Any) -> dict[str, Any]:
    """Return a counted, detected MuLV low-pH run (LRV 4.0) unless told otherwise."""
    fields.setdefault("name", "Low pH hold")
    fields.setdefault("mechanism", "low_ph")
    fields.setdefault("virus", "MuLV")
    fields.setdefault("virus_family", "Retroviridae")
    fields.setdefault("enveloped", True)
    fields.setdefault("virus_size_nm", "80-110")
    fields.setdefault("run", 1)
    fields.setdefault("titre_unit", "tcid50_ml")
    fields.setdefault("load_log10_titre", "6.5")
    fields.setdefault("load_volume_ml", "100")
    fields.setdefault("output_detected", True)
    fields.setdefault("output_log10_titre", "2.5")
    fields.setdefault("output_volume_ml", "100")
    fields.setdefault("counted", True)
    return fields


def make_viralclearancestudy(*, actor: User, site: Site | None = None, product: Any = None, **fields: Any) -> Any:
    """Open a draft viral clearance study of a product (a new one unless given) at a site."""
    from atmp.lab.services.viral import open_study
    from atmp.manufacturing.factories import make_product

    n = next(_n)
    fields.setdefault("title", f"Viral clearance study {n}")
    fields.setdefault("laboratory", "Virus Safety CRO GmbH")
    fields.setdefault("model_viruses", "MuLV, MMV")
    return open_study(
        actor=actor, site=site or make_site(actor=actor), product=product or make_product(actor=actor), **fields
    )


def make_viralclearancestep(*, actor: User, study: Any = None, **fields: Any) -> Any:
    """Add a step (a MuLV low-pH run unless told otherwise) to a draft study (a new one unless given)."""
    from atmp.lab.services.viral import add_step

    return add_step(actor=actor, study=study or make_viralclearancestudy(actor=actor), **step_fields(**fields))


def make_study_ready_for_approval(*, actor: User, **fields: Any) -> Any:
    """Open a study with a counted step and its final report, submitted for review."""
    from atmp.lab.services.viral import attach_report, submit

    study = make_viralclearancestudy(actor=actor, **fields)
    make_viralclearancestep(actor=actor, study=study)
    attach_report(actor=actor, study=study, stream=io.BytesIO(b"%PDF-1.4 final report"), name="report.pdf")
    return submit(actor=actor, study=study, reason="ready for review")


def make_approved_viralclearancestudy(*, actor: User, **fields: Any) -> Any:
    """Open, fill, submit and approve a study (signed by a new QA Approver who authored nothing)."""
    from atmp.lab.services.viral import approve

    study = make_study_ready_for_approval(actor=actor, **fields)
    signer = make_user("qa_approver", password=PASSWORD)
    return approve(actor=signer, study=study, password=PASSWORD, reason="clearance claim accepted")
