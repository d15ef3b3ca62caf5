"""`atmp quality inspection …`: plan self-inspections, record findings and the CAPA that address them."""

from __future__ import annotations

from typing import Any

import click

from atmp.cli.base import as_option as AS
from atmp.cli.base import authenticated_user, handled, setup_django
from atmp.cli.base import json_option as JSON
from atmp.quality.cli import quality
from atmp.quality.cli.common import VOIDED
from atmp.quality.cli.suppliers import REASON, _one, emit, emit_list, viewer, write

CLASSES = ["critical", "major", "minor", "recommendation"]


@quality.group("inspection")
def inspection() -> None:
    """Self-inspections: plan, findings (critical and major need a CAPA), report, close.

    \b
    Examples:
      atmp quality inspection add --site GHE --title "Fill line" --area "Aseptic filling" \\
          --date 2026-12-10 --lead rita --as rita
      atmp workflow do quality.selfinspection:1 start --as rita --reason "opening meeting"
      atmp quality inspection finding 1 --class major --description "…" --as rita
      atmp quality inspection capa 4 quality.capa:9 --as rita
    """


@inspection.command("add")
@click.option("--site", required=True, help="The site code.")
@click.option("--title", required=True)
@click.option("--area", required=True)
@click.option("--date", "planned_date", required=True, help="Planned date, e.g. 2026-12-10.")
@click.option("--lead", required=True, help="The lead auditor's username.")
@click.option("--scope", default="")
@REASON
@write
@handled
def add(site: str, lead: str, **opts: Any) -> None:
    """Plan a self-inspection."""
    setup_django()
    from atmp.accounts import services
    from atmp.quality.api.complaints import _site
    from atmp.quality.api.inspections import inspection_doc
    from atmp.quality.services import inspections as svc

    auth = {k: opts.pop(k) for k in ("username", "password_file", "otp", "as_json")}
    user = authenticated_user(auth["username"], password_file=auth["password_file"], otp=auth["otp"])
    made = svc.plan_inspection(actor=user, site=_site(site), lead_auditor=services.find_user(lead), **opts)
    emit(inspection_doc(made), as_json=auth["as_json"], text=lambda d: f"{d['number']} {d['title']} ({d['record']})")


@inspection.command("list")
@AS
@JSON
@click.option("--limit", type=click.IntRange(1, 500), default=50)
@VOIDED
@handled
def list_(username: str, as_json: bool, limit: int, voided: bool) -> None:
    """List self-inspections, newest first."""
    setup_django()
    from atmp.quality.api.inspections import inspection_doc
    from atmp.quality.api.paging import live, page
    from atmp.quality.models.inspections import SelfInspection

    items, _ = page(live(viewer(username), SelfInspection.objects.all(), voided=voided), limit=limit, after=None)
    emit_list([inspection_doc(i) for i in items], ("number", "status", "planned_date", "area"), as_json)


@inspection.command("report")
@click.argument("inspection_id", type=int)
@click.option("--summary", required=True)
@click.option("--reason", required=True, help="Why (recorded in the ledger).")
@click.option("--version", type=int, default=None)
@write
@handled
def report(inspection_id: int, summary: str, reason: str, version: int | None, **auth: Any) -> None:
    """Write the self-inspection's report summary."""
    setup_django()
    from atmp.quality.api.inspections import inspection_doc
    from atmp.quality.models.inspections import SelfInspection
    from atmp.quality.services import inspections as svc

    user = authenticated_user(auth["username"], password_file=auth["password_file"], otp=auth["otp"])
    i = svc.update_inspection(
        actor=user,
        inspection=_one(user, SelfInspection, inspection_id, "inspection"),
        reason=reason,
        version=version,
        report_summary=summary,
    )
    emit(inspection_doc(i), as_json=auth["as_json"], text=lambda d: f"{d['number']} v{d['version']}")


@inspection.command("finding")
@click.argument("inspection_id", type=int)
@click.option("--class", "classification", type=click.Choice(CLASSES), required=True)
@click.option("--description", required=True)
@REASON
@write
@handled
def finding(inspection_id: int, classification: str, description: str, reason: str, **auth: Any) -> None:
    """Record a finding of a self-inspection."""
    setup_django()
    from atmp.quality.api.suppliers import finding_doc
    from atmp.quality.models.inspections import SelfInspection
    from atmp.quality.services import inspections as svc

    user = authenticated_user(auth["username"], password_file=auth["password_file"], otp=auth["otp"])
    made = svc.add_finding(
        actor=user,
        inspection=_one(user, SelfInspection, inspection_id, "inspection"),
        classification=classification,
        description=description,
        reason=reason,
    )
    emit(finding_doc(made), as_json=auth["as_json"], text=lambda d: f"{d['record']} {d['classification']}")


@inspection.command("capa")
@click.argument("finding_id", type=int)
@click.argument("capa")
@REASON
@write
@handled
def capa(finding_id: int, capa: str, reason: str, **auth: Any) -> None:
    """Link the CAPA (e.g. quality.capa:7) that addresses a self-inspection finding."""
    setup_django()
    from atmp.quality.api.suppliers import finding_doc
    from atmp.quality.models.inspections import InspectionFinding
    from atmp.quality.services import inspections as svc

    user = authenticated_user(auth["username"], password_file=auth["password_file"], otp=auth["otp"])
    row = _one(user, InspectionFinding, finding_id, "finding")
    svc.link_finding_capa(actor=user, finding=row, capa=capa, reason=reason)
    emit(finding_doc(row), as_json=auth["as_json"], text=lambda d: f"{d['record']} addressed by {', '.join(d['capa'])}")
