"""The demo's laboratory, through the services: the QC methods of an AAV product (titre, capsids,
full/empty ratio, impurities, potency, the compendial safety tests, general tests and identity) with
their validation status per phase, and the AAV9-SMN specifications for phase I and phase III (the
phase III one tighter), both approved by QA; the product moved to phase I, then to phase III once
its phase III specification was approved (the phase I specification is kept: batches tested against
it stay pinned to it)."""

from __future__ import annotations

import io
from typing import Any

from atmp.accounts.models import Site, User

PRODUCT = "AAV9-SMN"
# code, title, type, status for phase I, status for phase III (ICH Q2(R2); docs/lab.md).
METHODS = [
    ("QC-VG-DDPCR", "Vector genome titre by ddPCR", "quantity", "qualified", "validated"),
    ("QC-CAP-ELISA", "Capsid titre by ELISA", "quantity", "qualified", "validated"),
    ("QC-FE-AUC", "Full/empty capsid ratio by analytical ultracentrifugation", "purity", "qualified", "validated"),
    ("QC-HCP-ELISA", "Host cell protein by ELISA (HEK293)", "purity", "qualified", "validated"),
    ("QC-HCD-QPCR", "Residual host cell DNA by qPCR", "purity", "qualified", "validated"),
    ("QC-POT-CELL", "Potency: SMN expression in transduced cells", "potency", "qualified", "validated"),
    ("QC-STER", "Sterility (Ph. Eur. 2.6.1)", "safety", "validated", "validated"),
    ("QC-MYCO", "Mycoplasma by NAT (Ph. Eur. 2.6.7)", "safety", "validated", "validated"),
    ("QC-ENDO", "Bacterial endotoxins, LAL kinetic chromogenic (Ph. Eur. 2.6.14)", "safety", "validated", "validated"),
    ("QC-RCAAV", "Replication-competent AAV by infectivity and qPCR", "safety", "validated", "validated"),
    ("QC-APP", "Appearance (Ph. Eur. 2.2.1, 2.2.2, 2.9.20)", "general", "validated", "validated"),
    ("QC-PH", "pH (Ph. Eur. 2.2.3)", "general", "validated", "validated"),
    ("QC-OSMO", "Osmolality (Ph. Eur. 2.2.35)", "general", "validated", "validated"),
    (
        "QC-ID-SEQ",
        "Identity: vector genome by sequencing of the transgene cassette",
        "identity",
        "qualified",
        "validated",
    ),
]
# attribute, method, kind, phase I criterion, phase III criterion, unit. Phase I is wide (a first-in-human
# batch, few lots behind it); phase III tighter from the batches made since (EMA investigational ATMP
# guideline 2025: criteria tightened as experience grows). Full/empty is reported in phase I.
ATTRIBUTES = [
    ("Appearance", "QC-APP", "conforms", "Clear to slightly opalescent, colourless, free of visible particles",
     "Clear to slightly opalescent, colourless, free of visible particles", ""),
    ("Identity (transgene sequence)", "QC-ID-SEQ", "conforms", "Matches SMN1 reference", "Matches SMN1 reference", ""),
    ("Vector genome titre", "QC-VG-DDPCR", "numeric", "1.0E13-1.0E14", "2.0E13-5.0E13", "{vg}/mL"),
    ("Capsid titre", "QC-CAP-ELISA", "numeric", "report", "5.0E13-2.0E14", "{cp}/mL"),
    ("Full capsids", "QC-FE-AUC", "report", "report", "report", "%"),
    ("Potency (relative to reference)", "QC-POT-CELL", "numeric", "50-150", "70-130", "%"),
    ("Host cell protein", "QC-HCP-ELISA", "numeric", "<=100", "<=50", "ng/mL"),
    ("Residual host cell DNA", "QC-HCD-QPCR", "numeric", "<=10.0", "<=5.0", "ng/mL"),
    ("pH", "QC-PH", "numeric", "6.5-8.0", "7.0-7.6", "[pH]"),
    ("Osmolality", "QC-OSMO", "numeric", "300-500", "350-450", "mosm/kg"),
    ("Bacterial endotoxins", "QC-ENDO", "numeric", "<=5.0", "<=2.0", "[EU]/mL"),
    ("Sterility", "QC-STER", "conforms", "No growth", "No growth", ""),
    ("Mycoplasma", "QC-MYCO", "conforms", "Not detected", "Not detected", ""),
    ("Replication-competent AAV", "QC-RCAAV", "conforms", "Not detected", "Not detected", ""),
]  # fmt: skip


def load(people: dict[str, User], sites: dict[str, Site]) -> None:
    """Load the lab demo: methods and specifications (AAV9-SMN in phase III), a viral clearance study,
    release samples and results with an OOS, a potency assay series and a stability study."""
    from atmp.lab import demo_disposition, demo_potency, demo_results, demo_stability, demo_viral

    _load_methods_and_specifications(people)
    demo_viral.load(people, sites)
    demo_results.load(people, sites)
    demo_potency.load(people, sites)
    demo_stability.load(people, sites)
    demo_disposition.load(people, sites)


def _load_methods_and_specifications(people: dict[str, User]) -> None:
    """Add methods with their validation, AAV9-SMN's phase I and III specifications, and move it to phase III."""
    from atmp.demo import PASSWORD
    from atmp.lab.services import methods, phases, specifications
    from atmp.manufacturing.models import Batch, Product

    rita, alex = people["rita"], people["alex"]
    product = Product.objects.filter(code=PRODUCT, voided=False).first()
    found: dict[str, Any] = {}
    for code, title, method_type, status_1, status_3 in METHODS:
        method = methods.add_method(actor=rita, code=code, title=title, method_type=method_type, reason="QC methods")
        found[code] = method
        for phase, status in (("i", status_1), ("iii", status_3)):
            methods.set_validation(
                actor=rita,
                method=method,
                phase=phase,
                status=status,
                report=io.BytesIO(f"{code} {status} for phase {phase}: report summary\n".encode()),
                report_name=f"{code}-{phase}-{status}.txt",
                reason=f"{status} for phase {phase}",
            )
    if product is None:  # the manufacturing demo made none: the methods are the lab's own
        return
    for phase, column in (("i", 3), ("iii", 4)):
        spec = specifications.new_specification(
            actor=rita, product=product, phase=phase, title=f"Drug product release, phase {phase.upper()}",
            reason="release specification",
        )  # fmt: skip
        for row in ATTRIBUTES:
            name, code, kind, criterion, unit = row[0], row[1], row[2], row[column], row[5]
            if criterion == "report":
                kind = "report"
            specifications.add_attribute(
                actor=rita, specification=spec, name=name, method=found[code], kind=kind, criterion=criterion,
                unit=unit, reason="release specification",
            )  # fmt: skip
        spec.refresh_from_db()
        specifications.approve(actor=alex, specification=spec, password=PASSWORD, reason=f"phase {phase} release")
        phases.move(actor=alex, product=product, phase=phase, reason=f"clinical trial in phase {phase.upper()} opened")
        if phase == "i":
            # The first batch is tested in phase I: it keeps that specification after the move to phase III.
            first = Batch.objects.filter(product=product, voided=False).order_by("pk").first()
            if first is not None:
                specifications.for_batch(first, actor=rita, reason="tested against the phase I specification")


def summary() -> dict[str, Any]:
    """Return what the lab demo holds and what to try."""
    from atmp.lab import demo_disposition, demo_potency, demo_stability, demo_viral
    from atmp.lab.models import Method, Specification

    return {
        "disposition": demo_disposition.summary(),
        "viral": demo_viral.summary(),
        "results": _results_summary(),
        "potency": demo_potency.summary(),
        "stability": demo_stability.summary(),
        "methods": Method.objects.count(),
        "specifications": {str(s): s.status for s in Specification.objects.select_related("product").order_by("pk")},
        "try": "atmp lab evaluate --criterion 98.0-102.0 --value 97.96 --json; /lab/products/AAV9-SMN/specifications/",
    }


def _results_summary() -> dict[str, Any]:
    from atmp.lab import demo_results

    return demo_results.summary()


def describe(data: dict[str, Any]) -> list[str]:
    """Return the lab demo's lines of the printed summary."""
    from atmp.lab import demo_disposition, demo_potency, demo_results, demo_stability, demo_viral

    specs = ", ".join(f"{name} ({status})" for name, status in data.get("specifications", {}).items())
    lines = [f"lab: {data.get('methods', 0)} methods; specifications: {specs}", f"  try: {data.get('try', '')}"]
    lines += demo_results.describe(data.get("results", {}))
    lines += demo_viral.describe(data.get("viral", {}))
    lines += demo_potency.describe(data.get("potency", {}))
    lines += demo_stability.describe(data.get("stability", {}))
    return lines + demo_disposition.describe(data.get("disposition", {}))
