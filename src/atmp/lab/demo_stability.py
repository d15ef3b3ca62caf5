"""The demo's stability study of AAV9-SMN at Leiden (ICH Q1E): three batches stored at -65 °C or
colder (the long-term condition of a frozen AAV drug product), pulled at 0, 3, 6, 9, 12 and 18 months,
potency and full capsids tested at every pull, the report signed by QA with the shelf-life estimate
frozen into it.

The values are illustrative, not real data: potency falls about 1.2 % a month with a little scatter
(the batches' slopes and intercepts pool), full capsids barely move. The estimate's bound meets the
potency limit after the 18 months of data, but a frozen product is given no extrapolation beyond the
long-term data (ICH Q1E Appendix A), so the supported shelf life is 18 months.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from atmp.accounts.models import Site, User

PRODUCT = "AAV9-SMN"
BATCHES = 3
TIME_POINTS = (0, 3, 6, 9, 12, 18)
# Per batch, the scatter added at each time point (%), so the data are measured-looking, not a line.
SCATTER = (
    (0.6, -0.4, 0.3, -0.7, 0.5, -0.2),
    (-0.3, 0.5, -0.6, 0.4, -0.1, 0.6),
    (0.2, -0.6, 0.7, -0.2, -0.5, 0.3),
)
START = (100.0, 98.5, 101.0)  # potency at release (%), per batch


def potency(batch: int, point: int) -> str:
    """Return the demo potency (%) of a batch at a time point's index."""
    return f"{START[batch] - 1.2 * TIME_POINTS[point] + SCATTER[batch][point]:.0f}"


def full_capsids(batch: int, point: int) -> str:
    """Return the demo full capsids (%) of a batch at a time point's index."""
    return f"{78.0 - 0.15 * TIME_POINTS[point] + SCATTER[batch][point]:.1f}"


def load(people: dict[str, User], sites: dict[str, Site]) -> None:
    """Rita writes the protocol, Alex approves it; the batches are placed 19 months ago, Quentin pulls and
    tests each time point, Alex signs the report (the estimate frozen)."""
    from atmp.demo import PASSWORD
    from atmp.lab.models import Specification
    from atmp.lab.services import stability as svc
    from atmp.ledger import clock
    from atmp.manufacturing.models import Batch

    rita, alex, quentin = people.get("rita"), people.get("alex"), people.get("quentin")
    if rita is None or alex is None or quentin is None:
        return
    batches = list(
        Batch.objects.filter(product__code=PRODUCT, status__in=("executed", "reviewed"), voided=False).order_by("pk")
    )[:BATCHES]
    spec = Specification.objects.filter(product__code=PRODUCT, phase="iii", status="approved", voided=False).first()
    if len(batches) < BATCHES or spec is None or spec.product is None:
        return
    site = batches[0].site
    study = svc.add_study(
        actor=rita, site=site, product=spec.product, specification=spec,
        title="Long-term stability of AAV9-SMN drug product at -65 °C", reason="stability protocol",
    )  # fmt: skip
    svc.add_condition(
        actor=rita, study=study, condition="minus65", kind="long_term",
        time_points=",".join(map(str, TIME_POINTS)), reason="stability protocol",
    )  # fmt: skip
    svc.add_attribute(actor=rita, study=study, attribute="Potency (relative to reference)", reason="stability protocol")
    svc.add_attribute(
        actor=rita, study=study, attribute="Full capsids", limit=">=60", reason="stability protocol: purity limit"
    )
    study.refresh_from_db()
    svc.approve(actor=alex, study=study, password=PASSWORD, reason="protocol approved")
    today = clock.now().date()
    for n, batch in enumerate(batches):
        placed = svc.due_date(today, -19) - dt.timedelta(days=7 * n)
        svc.place(actor=rita, study=study, batch=batch, placed_on=placed, reason="placed on stability")
    svc.start(actor=rita, study=study, reason="three batches placed")
    numbers = [b.number for b in batches]
    for pull in svc.pulls(study):
        n, point = numbers.index(pull.placement.batch.number), TIME_POINTS.index(pull.months)
        taken = dt.datetime.combine(pull.due_on, dt.time(9), tzinfo=dt.UTC)
        svc.pull_sample(actor=quentin, pull=pull, taken_at=taken, location="QC stability freezer -80 °C")
        for attribute, value in (
            ("Potency (relative to reference)", potency(n, point)),
            ("Full capsids", full_capsids(n, point)),
        ):
            svc.record(actor=quentin, pull=pull, attribute=attribute, value=value, tested_on=pull.due_on)
    study.refresh_from_db()
    svc.sign_report(actor=alex, study=study, password=PASSWORD, reason="stability report reviewed")


def summary() -> dict[str, Any]:
    """Return what the stability demo holds."""
    from atmp.lab.models import StabilityPull, StabilityStudy

    return {
        "studies": {
            s.number: {"status": s.status, "shelf_life_months": (s.estimate or {}).get("shelf_life_months")}
            for s in StabilityStudy.objects.order_by("number")
        },
        "pulls": StabilityPull.objects.count(),
    }


def describe(data: dict[str, Any]) -> list[str]:
    """Return the stability demo's lines of the printed summary."""
    studies = ", ".join(
        f"{k} ({v['status']}, shelf life {v['shelf_life_months']} months)" for k, v in data.get("studies", {}).items()
    )
    return [
        f"lab stability: {studies or 'none'}; {data.get('pulls', 0)} pulls",
        "  try: atmp lab stability list --as quentin; /lab/stability/",
    ]
