"""The demo's viral clearance study of AAV9-SMN at Leiden: approved by QA, with its final report.

What is realistic for an AAV process (the demo's values are illustrative, not a real study):
- Model viruses (ICH Q5A(R2) §6.3 and its viral vector section, which brings genetically engineered
  viral vectors such as AAV into scope): a large enveloped virus, MuLV (Retroviridae, 80–110 nm), and
  a small non-enveloped one, MMV (Parvoviridae, 18–26 nm, as in published MMV clearance studies).
- Detergent lysis (e.g. Tween-20 or Triton X-100 in the harvest) inactivates enveloped viruses; it
  does not touch non-enveloped parvoviruses, so MMV through it is listed and excluded, with the reason.
- Affinity capture and anion exchange (full/empty polishing) remove both viruses by partitioning;
  they are different mechanisms here (bio-specific ligand vs. charge), so both count.
- No nanofiltration: the AAV capsid (~25 nm) is about the size of a parvovirus, so a 15–20 nm virus
  filter would retain the product; a 35 nm filter would pass AAV and retain MuLV but not MMV. The
  study therefore leans on chromatography for the parvovirus (ICH Q5A(R2) §6 accepts that a step
  may be inapplicable to a product; the overall clearance is justified per virus).
"""

from __future__ import annotations

import io
from typing import Any

from atmp.accounts.models import Site, User

PRODUCT = "AAV9-SMN"
LABORATORY = "ViroSafe Testing Services B.V. (demo)"
MULV = {"virus": "MuLV", "virus_family": "Retroviridae", "enveloped": True, "virus_size_nm": "80-110"}
MMV = {"virus": "MMV", "virus_family": "Parvoviridae", "enveloped": False, "virus_size_nm": "18-26"}
DETERGENT = "Harvest lysis with 0.5 % Tween-20, 2 h"
AFFINITY = "AAV9 affinity capture"
AEX = "Anion-exchange polishing (full/empty)"
# virus, step, mechanism, run, load (log10 TCID50/mL, mL), output (log10 TCID50/mL or None, mL), extra fields
STEPS: list[tuple[dict[str, Any], str, str, int, tuple[str, str], tuple[str | None, str], dict[str, Any]]] = [
    # No MuLV detected after lysis: 10 mL of the 52 mL tested (large-volume sampling), the Poisson limit.
    (MULV, DETERGENT, "detergent", 1, ("5.50", "50"), (None, "52"), {"sampled_volume_ml": "10"}),
    (MULV, AFFINITY, "affinity", 1, ("6.50", "20"), ("3.40", "30"), {}),
    (MULV, AFFINITY, "affinity", 2, ("6.50", "20"), ("3.20", "30"), {}),
    (MULV, AEX, "aex", 1, ("5.80", "25"), ("3.10", "25"), {}),
    (
        MMV,
        DETERGENT,
        "detergent",
        1,
        ("6.20", "50"),
        ("5.90", "52"),
        {
            "counted": False,
            "count_reason": "Detergent does not inactivate non-enveloped viruses: run as a control only "
            "(0.3 log10, at or below 1 log10).",
        },
    ),
    (MMV, AFFINITY, "affinity", 1, ("6.40", "20"), ("4.10", "30"), {}),
    (MMV, AEX, "aex", 1, ("5.90", "25"), ("3.50", "25"), {}),
]


def load(people: dict[str, User], sites: dict[str, Site]) -> None:
    """Open the study as Rita, add its steps, attach the report, submit it; Alex approves it (signed)."""
    from atmp.demo import PASSWORD
    from atmp.files.demo import pdf
    from atmp.lab.services import viral
    from atmp.manufacturing.models import ProcessVersion, Product

    rita, alex = people["rita"], people["alex"]
    product = Product.objects.filter(code=PRODUCT, voided=False).first()
    if product is None:  # the manufacturing demo did not run
        return
    version = (
        ProcessVersion.objects.filter(product=product, site=sites["LEI"], status="effective", voided=False)
        .order_by("-number")
        .first()
    )
    study = viral.open_study(
        actor=rita,
        site=sites["LEI"],
        title="Viral clearance of the AAV9-SMN downstream process",
        product=product,
        process_version=version,
        laboratory=LABORATORY,
        model_viruses="MuLV, MMV",
        reason="viral clearance study for the IMPD",
    )
    for virus, name, mechanism, run, (load_titre, load_ml), (out_titre, out_ml), extra in STEPS:
        viral.add_step(
            actor=rita,
            study=study,
            name=name,
            mechanism=mechanism,
            run=run,
            titre_unit="tcid50_ml",
            load_log10_titre=load_titre,
            load_volume_ml=load_ml,
            output_detected=out_titre is not None,
            output_log10_titre=out_titre,
            output_volume_ml=out_ml,
            counted=extra.get("counted", True),
            count_reason=extra.get("count_reason", ""),
            sampled_volume_ml=extra.get("sampled_volume_ml"),
            **virus,
        )
    viral.attach_report(
        actor=rita,
        study=study,
        stream=io.BytesIO(pdf("Viral clearance study report, AAV9-SMN (demo)")),
        name="VC-report-AAV9-SMN.pdf",
        reason="final report received from the testing laboratory",
    )
    viral.submit(actor=rita, study=study, reason="steps and report complete")
    viral.approve(actor=alex, study=study, password=PASSWORD, reason="clearance claims accepted")


def summary() -> dict[str, Any]:
    """Return the viral clearance study the demo holds, with its frozen claims."""
    from atmp.lab.models import ViralClearanceStudy

    study = ViralClearanceStudy.objects.filter(product__code=PRODUCT).order_by("pk").first()
    if study is None:
        return {}
    claims = {v["virus"]: v["claim_text"] for v in (study.results or {}).get("viruses", [])}
    return {"number": study.number, "status": study.status, "claims": claims}


def describe(data: dict[str, Any]) -> list[str]:
    """Return the viral clearance lines of the printed summary: what to try."""
    if not data:
        return []
    claims = ", ".join(f"{k} {v}" for k, v in data["claims"].items())
    return [
        f"lab: viral clearance study {data['number']} ({data['status']}): claims {claims} log10",
        f"  try: atmp lab viral show {data['number']} --as rita",
        "       /lab/viral-clearance/ (each study's steps, claims per virus and charts)",
    ]
