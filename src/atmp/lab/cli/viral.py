"""`atmp lab viral …`: viral clearance studies (ICH Q5A(R2)), their steps, report, review and approval."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from atmp.cli.base import as_option, handled, json_option, setup_django
from atmp.cli.output import emit
from atmp.lab.cli import lab
from atmp.lab.cli.studies import list_command, signed_command
from atmp.trace.cli.common import REASON, actor, reader, write

MECHANISMS = (
    "low_ph, solvent_detergent, detergent, heat, uv_c, nanofiltration, affinity, aex, cex, depth_filtration, "
    "ultracentrifugation"
)


def _study_text(d: dict[str, Any]) -> str:
    lines = [
        f"{d['number']} {d['title']} ({d['status']}): {d['product']} at {d['site']}, tested by {d['laboratory']}",
        f"model viruses: {d['model_viruses']}; report: {d['report']['name'] if d['report'] else 'none yet'}",
    ]
    results = d["results"]
    if results:
        for v in results["viruses"]:
            env = "enveloped" if v["enveloped"] else "non-enveloped"
            lines.append(f"{v['virus']} ({v['family']}, {env}, {v['size_nm']} nm): claim {v['claim_text']} log10")
            for s in v["steps"]:
                mark = "counted" if s["in_claim"] else ("excluded" if not s["counted"] else "not in claim")
                lines.append(f"  {s['step']} run {s['run']} [{s['mechanism']}]: {s['lrv_text']}  {mark}: {s['reason']}")
        if d["results_frozen"]:
            lines.append("(frozen by the 'approved' signature)")
    elif d["refusal"]:
        lines.append(f"no claim yet: {d['refusal']}")
    return "\n".join(lines)


def _study(key: str, user: Any) -> Any:
    from atmp.lab.services.viral import find_study

    return find_study(key, user=user)


@lab.group("viral")
def viral() -> None:
    """Viral clearance studies (ICH Q5A(R2)): steps, LRVs and the claim per virus.

    \b
    Examples:
      atmp lab viral new --site LEI --product AAV9-SMN --title "AAV9-SMN downstream" \\
          --laboratory "Virus Safety CRO" --viruses "MuLV, MMV" --as rita
      atmp lab viral step add VC-2026-0001 --name "Detergent" --mechanism detergent --virus MuLV \\
          --family Retroviridae --enveloped --size 80-110 --unit tcid50_ml --load-titre 6.8 \\
          --load-volume 50 --not-detected --sampled-volume 10 --output-volume 52 --as rita
      atmp lab viral report VC-2026-0001 --file report.pdf --as rita
      atmp lab viral submit VC-2026-0001 --reason "complete" --as rita
      atmp lab viral approve VC-2026-0001 --reason "claim accepted" --as alex
      atmp lab viral show VC-2026-0001 --as rita --json
    """


@viral.command("new")
@click.option("--site", required=True, help="The site's code.")
@click.option("--product", "product_code", required=True, help="The product's code.")
@click.option("--title", required=True)
@click.option("--laboratory", required=True, help="The testing laboratory (CRO).")
@click.option("--viruses", "model_viruses", required=True, help="The model viruses, e.g. 'MuLV, MMV'.")
@click.option("--process-version", type=int, default=None, help="The process version's id (optional).")
@REASON
@write
@handled
def new(
    site: str,
    product_code: str,
    title: str,
    laboratory: str,
    model_viruses: str,
    process_version: int | None,
    reason: str,
    **auth: Any,
) -> None:
    """Open a viral clearance study (a draft, numbered VC-YYYY-NNNN)."""
    setup_django()
    from atmp.accounts import services as accounts
    from atmp.accounts.errors import InvalidInput
    from atmp.lab.api.viral import study_document
    from atmp.lab.services.viral import open_study
    from atmp.manufacturing.models import ProcessVersion
    from atmp.manufacturing.services.products import find_product

    user = actor(auth)
    version = None
    if process_version is not None:
        version = ProcessVersion.objects.filter(pk=process_version).first()
        if version is None or not accounts.can_see(user, version):
            raise InvalidInput("process_version", f"there is no process version {process_version}")
    made = open_study(
        actor=user,
        site=accounts.find_site(site),
        product=find_product(product_code),
        title=title,
        laboratory=laboratory,
        model_viruses=model_viruses,
        process_version=version,
        reason=reason,
    )
    emit(study_document(made), as_json=auth["as_json"], text=_study_text)


@viral.group("step")
def step() -> None:
    """A study's steps: one run of one process step spiked with one virus."""


@step.command("add")
@click.argument("study")
@click.option("--name", required=True, help="The process step, e.g. 'Low pH hold'.")
@click.option("--mechanism", required=True, help=MECHANISMS + ".")
@click.option("--virus", required=True, help="The model virus, e.g. MuLV.")
@click.option("--family", "virus_family", required=True, help="Its family, e.g. Retroviridae.")
@click.option("--enveloped/--non-enveloped", required=True)
@click.option("--size", "virus_size_nm", default="", help="Its size in nm, e.g. 80-110.")
@click.option("--run", type=int, default=1, help="The replicate run (1, 2, …).")
@click.option("--unit", "titre_unit", required=True, help="tcid50_ml, pfu_ml or gc_ml.")
@click.option("--load-titre", "load_log10_titre", required=True, help="log10 titre per mL of the spiked load.")
@click.option("--load-volume", "load_volume_ml", required=True, help="mL of load.")
@click.option("--output-titre", "output_log10_titre", default=None, help="log10 titre per mL of the output.")
@click.option("--output-volume", "output_volume_ml", required=True, help="mL of output.")
@click.option("--not-detected", is_flag=True, help="No virus detected in the output: the LRV is reported '≥'.")
@click.option("--detection-limit", "detection_limit_log10", default=None, help="Not detected: log10 limit per mL.")
@click.option("--sampled-volume", "sampled_volume_ml", default=None, help="Not detected: mL sampled (Poisson).")
@click.option("--excluded", is_flag=True, help="Not counted toward the claim (give --why).")
@click.option("--why", "count_reason", default="", help="Why excluded, or why a second step of a mechanism counts.")
@REASON
@write
@handled
def add_step(study: str, not_detected: bool, excluded: bool, reason: str, **values: Any) -> None:
    """Add a run of a step to a draft study (refused, exit 2, when it breaks a counting rule)."""
    setup_django()
    from atmp.lab.api.viral import study_document
    from atmp.lab.services.viral import add_step as add

    auth = {k: values.pop(k) for k in ("username", "password_file", "otp", "as_json")}
    user = actor(auth)
    record = _study(study, user)
    add(actor=user, study=record, output_detected=not not_detected, counted=not excluded, reason=reason, **values)
    emit(study_document(record), as_json=auth["as_json"], text=_study_text)


@viral.command("report")
@click.argument("study")
@click.option("--file", "report", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@REASON
@write
@handled
def report(study: str, report: Path, reason: str, **auth: Any) -> None:
    """Attach the testing laboratory's final report (stored, hashed); needed before approval."""
    setup_django()
    from atmp.lab.api.viral import study_document
    from atmp.lab.services.viral import attach_report

    user = actor(auth)
    record = _study(study, user)
    with report.open("rb") as stream:
        attach_report(actor=user, study=record, stream=stream, name=report.name, reason=reason)
    emit(study_document(record), as_json=auth["as_json"], text=_study_text)


@viral.command("show")
@click.argument("study")
@as_option
@json_option
@handled
def show(study: str, username: str, as_json: bool) -> None:
    """Show a study: its steps with each run's LRV and the claim per virus (frozen once approved)."""
    setup_django()
    from atmp.lab.api.viral import study_document

    emit(study_document(_study(study, reader(username))), as_json=as_json, text=_study_text)


list_studies = list_command(
    viral,
    selector="atmp.lab.selectors.viral:VIRAL_STUDIES",
    help_text="List the viral clearance studies of your sites, newest first.",
    states="draft, in_review, approved",
)


@viral.command("submit")
@click.argument("study")
@click.option("--reason", required=True, help="Why it is submitted (recorded in the ledger).")
@write
@handled
def submit(study: str, reason: str, **auth: Any) -> None:
    """Submit a draft study for QA's review (its steps must hold every counting rule)."""
    setup_django()
    from atmp.lab.api.viral import study_document
    from atmp.lab.services.viral import submit as do

    user = actor(auth)
    record = _study(study, user)
    do(actor=user, study=record, reason=reason)
    emit(study_document(record), as_json=auth["as_json"], text=_study_text)


approve = signed_command(
    viral, "approve",
    "Approve a study in review with your signature 'approved' (QA; not its author); the claim is frozen.",
    find="atmp.lab.services.viral:find_study", service="atmp.lab.services.viral:approve",
    document="atmp.lab.api.viral:study_document", text=_study_text,
    reason_help="Why it is approved (recorded in the ledger).",
)  # fmt: skip
