"""The demo's potency assay runs of the first AAV9-SMN batch at Leiden (illustrative values).

The cell-based potency method QC-POT-CELL (SMN expression in transduced cells) is read with a 4PL
(USP <1034>): 8 two-fold doses of the reference standard and the test preparation, triplicates, 48 wells.
Parallelism by equivalence (USP <1032> §4.3): the slope ratio's 90 % interval within 0.80–1.25 and the
asymptote differences within ±0.20; system suitability: the standard's top-dose response within
1.2–1.8; precision: the upper/lower 95 % limit ratio at most 1.6 (illustrative limits of a method in
development, not taken from a monograph). Three runs by Quentin (QC), reviewed by Rita: the third is
not parallel (its slope ratio interval leaves the margins), invalid and excluded; the two valid runs
are combined into the batch's reportable potency (Ph. Eur. 5.3 §6.2).
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from atmp.accounts.models import Site, User

METHOD = "QC-POT-CELL"
REFERENCE_LOT = "RS-AAV9-SMN-01"
REAGENT_LOT = "CR-ANTI-SMN-26-02"
RUNS = ((1, 0.95, 1.0), (2, 1.05, 1.0), (3, 1.0, 1.6))  # seed, potency, test slope (1.6: not parallel)


def load(people: dict[str, User], sites: dict[str, Site]) -> None:
    """Criteria of QC-POT-CELL, a released reference standard and reagent lot, three runs, the combined potency."""
    from atmp.demo import PASSWORD
    from atmp.lab.factories import potency_plate
    from atmp.lab.models import Method
    from atmp.lab.services import potency
    from atmp.ledger import clock
    from atmp.manufacturing.models import Batch
    from atmp.quality.models import Supplier
    from atmp.quality.services import suppliers
    from atmp.trace.services.lots import receive_lot, release_lot
    from atmp.trace.services.materials import add_material
    from atmp.workflow import engine

    batch = Batch.objects.filter(product__code="AAV9-SMN", voided=False).order_by("pk").first()
    method = Method.objects.filter(code=METHOD).first()
    if batch is None or method is None:
        return
    rita, alex, olga, quentin = people["rita"], people["alex"], people["olga"], people["quentin"]
    leiden = batch.site
    today = clock.now().date()
    potency.set_criteria(
        actor=rita, method=method, reference_low="1.2", reference_high="1.8", max_ci_ratio="1.6",
        slope_ratio_low="0.80", slope_ratio_high="1.25", asymptote_margin="0.20",
        reason="run validity criteria of the method's SOP",
    )  # fmt: skip
    standard = add_material(
        actor=rita, code="RS-AAV9-SMN", name="AAV9-SMN in-house reference standard", type="reference_standard",
        unit="{vial}", storage="≤ -60 °C", reason="potency reference standard",
    )  # fmt: skip
    antibody = add_material(
        actor=rita, code="CR-ANTI-SMN", name="Anti-SMN detection antibody", type="critical_reagent",
        unit="{vial}", storage="2–8 °C", reason="critical reagent of QC-POT-CELL",
    )  # fmt: skip
    viromedia = Supplier.objects.get(name="ViroMedia GmbH")
    approval = suppliers.add_approval(
        actor=rita, supplier=viromedia, kind="material", scope="CR-ANTI-SMN",
        valid_until=today + dt.timedelta(days=730), reason="qualification",
    )  # fmt: skip
    engine.transition(alex, approval, "approve", reason="qualified on audit and questionnaire", password=PASSWORD)
    lots = {}
    for number, material, supplier in ((REFERENCE_LOT, standard, None), (REAGENT_LOT, antibody, viromedia)):
        lot = receive_lot(
            actor=olga, number=number, material=material, site=leiden, quantity="20", supplier=supplier,
            expiry_date=today + dt.timedelta(days=365), location="QC lab fridge Q-2", reason="received",
        )  # fmt: skip
        lots[number] = release_lot(actor=alex, lot=lot, password=PASSWORD, reason="released on its certificate")
    runs = []
    for seed, rho, slope in RUNS:
        run = potency.add_run(
            actor=quentin, site=leiden, method=method, run_date=today, reference_lot=lots[REFERENCE_LOT],
            reagent_lots=[REAGENT_LOT], model="four_pl", batch=batch, plate_name=f"potency-plate-{seed}.csv",
            plate=io.BytesIO(potency_plate(seed=seed, potency=rho, test_slope=slope, shape="logistic")),
            reason="potency run",
        )  # fmt: skip
        potency.evaluate(actor=quentin, run=run, reason="plate read")
        potency.review(actor=rita, run=run, password=PASSWORD, reason="run and plate checked")
        runs.append(run)
    usable = [r for r in runs if potency.usable_for_release(r) is None]
    potency.combine(actor=quentin, batch=batch, runs=usable, reason="reportable potency of the valid runs")


def valid_run(people: dict[str, User], batch: Any, n: int = 0) -> Any:
    """Add, read and review a potency run of the batch (the demo's reference and reagent lots): a plate
    drawn as the n-th valid run of RUNS (same noise, so valid too) for a slightly different potency."""
    from atmp.demo import PASSWORD
    from atmp.lab.factories import potency_plate
    from atmp.lab.models import Method
    from atmp.lab.services import potency
    from atmp.ledger import clock
    from atmp.trace.models import Lot

    quentin, rita = people["quentin"], people["rita"]
    seed, rho, slope = [r for r in RUNS if r[2] == 1.0][n % 2]
    rho *= 1 + 0.01 * (n + 1)  # each batch its own plate: raw data copied between batches is a red flag
    run = potency.add_run(
        actor=quentin, site=batch.site, method=Method.objects.get(code=METHOD), run_date=clock.now().date(),
        reference_lot=Lot.objects.get(number=REFERENCE_LOT), reagent_lots=[REAGENT_LOT], model="four_pl",
        batch=batch, plate_name=f"potency-plate-{batch.number}.csv",
        plate=io.BytesIO(potency_plate(seed=seed, potency=rho, test_slope=slope, shape="logistic")),
        reason="potency run",
    )  # fmt: skip
    potency.evaluate(actor=quentin, run=run, reason="plate read")
    potency.review(actor=rita, run=run, password=PASSWORD, reason="run and plate checked")
    return run


def summary() -> dict[str, Any]:
    """Return the demo's runs and the combined potency."""
    from atmp.lab.models import PotencyResult, PotencyRun
    from atmp.lab.services import potency

    result = PotencyResult.objects.order_by("pk").first()
    if result is None:
        return {}
    runs = {r.number: "valid" if r.valid else "invalid" for r in PotencyRun.objects.order_by("number")}
    return {
        "runs": runs,
        "result": result.number,
        "potency": potency.result_values(result)["potency"],
        "batch": result.batch.number,
    }


def describe(data: dict[str, Any]) -> list[str]:
    """Return the potency lines of the printed summary: what to try."""
    if not data:
        return []
    runs = ", ".join(f"{k} ({v})" for k, v in data["runs"].items())
    first = next(iter(data["runs"]))
    return [
        f"lab: potency runs {runs}; batch {data['batch']} potency {float(data['potency']):.3f} ({data['result']})",
        f"  try: atmp lab potency run show {first} --as rita; /lab/potency-runs/",
    ]
