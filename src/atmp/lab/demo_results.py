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
    from atmp.demo import PASSWORD
    from atmp.lab.demo import PRODUCT
    from atmp.lab.services import oos as oos_service
    from atmp.lab.services import results as svc
    from atmp.manufacturing.models import Batch

    quentin, rita = people.get("quentin"), people.get("rita")
    if quentin is None or rita is None:
        return
    batches = list(
        Batch.objects.filter(product__code=PRODUCT, status__in=("executed", "reviewed"), voided=False).order_by("pk")
    )[:BATCHES]
    for n, batch in enumerate(batches, start=1):
        sample = svc.add_sample(
            actor=quentin, site=batch.site, batch=batch, purpose="release", quantity="2", unit="mL",
            taken_by="Olga Operator", container="2 mL cryovial", storage="-80 °C", reason="release sample",
        )  # fmt: skip
        svc.receive(actor=quentin, sample=sample, location="QC fridge 1", reason="received in the QC laboratory")
        for attribute in svc.attributes_for(sample, actor=quentin):
            value = VALUES.get(attribute.name, "conforms")
            if n == 3 and attribute.name == OOS_ATTRIBUTE:
                value = OOS_VALUE
            result = svc.record_result(
                actor=quentin, sample=sample, attribute=attribute, value=value, reason="release testing"
            )
            svc.review(actor=rita, result=result, password=PASSWORD)
            if result.conforms is False:
                oos = oos_service.all_investigations().get(result=result)
                oos_service.record_findings(
                    actor=quentin, oos=oos, reason="phase I laboratory investigation",
                    phase_1_finding="Calculation, dilutions, standard curve and plate reader checked; system "
                    "suitability met; no assignable laboratory error.",
                )  # fmt: skip
                oos_service.transition(quentin, oos, "escalate", reason="no assignable laboratory error")


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
