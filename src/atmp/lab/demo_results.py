"""The demo's QC results: release samples of the first three executed AAV9-SMN batches (tested against
the phase III specification in force when first asked for), every attribute tested by Quentin (QC) and
reviewed by Rita, and one OOS: host cell protein above the phase III limit on the third batch, its
phase I investigation finding no laboratory error, phase II open."""

from __future__ import annotations

from typing import Any

from atmp.accounts.models import Site, User

BATCHES = 3  # of the 12 the manufacturing demo makes: kept small so that the demo loads fast
# A value per attribute that conforms to both the phase I and phase III specifications.
VALUES = {
    "Appearance": "conforms",
    "Identity (transgene sequence)": "conforms",
    "Vector genome titre": "3.2E13",
    "Capsid titre": "1.1E14",
    "Full capsids": "78",
    "Potency (relative to reference)": "96",
    "Host cell protein": "18",
    "Residual host cell DNA": "2.1",
    "pH": "7.3",
    "Osmolality": "410",
    "Bacterial endotoxins": "<0.50",
    "Sterility": "conforms",
    "Mycoplasma": "conforms",
    "Replication-competent AAV": "conforms",
}
OOS_ATTRIBUTE, OOS_VALUE = "Host cell protein", "62"  # phase III limit <=50 ng/mL


def load(people: dict[str, User], sites: dict[str, Site]) -> None:
    """Sample, test and review the first executed batches; open the OOS of the third one."""
    from atmp.lab.demo import PRODUCT
    from atmp.manufacturing.models import Batch

    if people.get("quentin") is None or people.get("rita") is None:
        return
    batches = list(
        Batch.objects.filter(product__code=PRODUCT, status__in=("executed", "reviewed"), voided=False).order_by("pk")
    )[:BATCHES]
    for n, batch in enumerate(batches, start=1):
        test_batch(people, batch, oos=n == 3)


def test_batch(people: dict[str, User], batch: Any, *, oos: bool = False, leave_out: str = "") -> Any:
    """Take a release sample of the batch and test every attribute but `leave_out` (Quentin; reviewed by Rita).

    With `oos`, host cell protein is out of specification: its phase I investigation finds no laboratory
    error and phase II starts. Return the sample.
    """
    from atmp.demo import PASSWORD
    from atmp.lab.services import oos as oos_service
    from atmp.lab.services import results as svc

    quentin, rita = people["quentin"], people["rita"]
    sample = svc.add_sample(
        actor=quentin, site=batch.site, batch=batch, purpose="release", quantity="2", unit="mL",
        taken_by="Olga Operator", container="2 mL cryovial", storage="-80 °C", reason="release sample",
    )  # fmt: skip
    svc.receive(actor=quentin, sample=sample, location="QC fridge 1", reason="received in the QC laboratory")
    for attribute in svc.attributes_for(sample, actor=quentin):
        if attribute.name == leave_out:
            continue
        value = OOS_VALUE if oos and attribute.name == OOS_ATTRIBUTE else VALUES.get(attribute.name, "conforms")
        result = svc.record_result(
            actor=quentin, sample=sample, attribute=attribute, value=value, reason="release testing"
        )
        svc.review(actor=rita, result=result, password=PASSWORD)
        if result.conforms is False:
            investigation = oos_service.all_investigations().get(result=result)
            oos_service.record_findings(
                actor=quentin, oos=investigation, reason="phase I laboratory investigation",
                phase_1_finding="Calculation, dilutions, standard curve and plate reader checked; system "
                "suitability met; no assignable laboratory error.",
            )  # fmt: skip
            oos_service.transition(quentin, investigation, "escalate", reason="no assignable laboratory error")
    return sample


def record_late(people: dict[str, User], sample: Any, attribute_name: str, value: str) -> Any:
    """Record (Quentin) and, when it conforms, review (Rita) a result that came after the batch's release."""
    from atmp.demo import PASSWORD
    from atmp.lab.services import results as svc

    attribute = next(a for a in svc.attributes_for(sample, actor=people["quentin"]) if a.name == attribute_name)
    result = svc.record_result(
        actor=people["quentin"], sample=sample, attribute=attribute, value=value, reason="late result: 14-day test read"
    )
    if result.conforms:
        svc.review(actor=people["rita"], result=result, password=PASSWORD)
    return result


def summary() -> dict[str, Any]:
    """Return what the results demo holds."""
    from atmp.lab.models import Result, Sample
    from atmp.lab.services.oos import all_investigations

    return {
        "samples": Sample.objects.filter(purpose="release").count(),
        "results": Result.objects.filter(sample__purpose="release").count(),
        "oos": {o.number: o.status for o in all_investigations().order_by("number")},
    }


def describe(data: dict[str, Any]) -> list[str]:
    """Return the results demo's lines of the printed summary."""
    oos = ", ".join(f"{k} ({v})" for k, v in data.get("oos", {}).items()) or "none"
    return [
        f"lab results: {data.get('samples', 0)} release samples, {data.get('results', 0)} results reviewed; OOS: {oos}",
        "  try: atmp lab sample list --as quentin; atmp lab oos list --as quentin",
    ]
