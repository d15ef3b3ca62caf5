"""`atmp quality complaint …`: record complaints, link what they concern, investigate and conclude."""

from __future__ import annotations

from typing import Any

import click

from atmp.cli.base import as_option as AS
from atmp.cli.base import authenticated_user, handled, setup_django
from atmp.cli.base import json_option as JSON
from atmp.quality.cli import quality
from atmp.quality.cli.common import VOIDED
from atmp.quality.cli.suppliers import REASON, _one, emit, emit_list, viewer, write

SOURCES = ["hospital", "physician", "patient", "distributor", "authority", "internal", "other"]


@quality.group("complaint")
def complaint() -> None:
    """Complaints: intake (the reporter by reference only), investigation, conclusion; PV flag.

    \b
    Examples:
      atmp quality complaint add --site GHE --title "Cracked bag port" --received 2026-12-01 \\
          --source hospital --description "…" --reporter-ref "UZG-2026-117" --concerns trace.lot:4 --as rita
      atmp quality complaint update 3 --investigation "…" --conclusion "…" --reason "investigated" --as rita
      atmp workflow do quality.complaint:3 close --as alex --reason "conclusion reviewed"
    """


@complaint.command("add")
@click.option("--site", required=True, help="The site code.")
@click.option("--title", required=True)
@click.option("--received", "received_date", required=True, help="Date received, e.g. 2026-12-01.")
@click.option("--source", type=click.Choice(SOURCES), required=True)
@click.option("--description", required=True)
@click.option("--reporter-ref", "reporter_reference", default="", help="A reference to the reporter, never a name.")
@click.option("--adverse", "possible_adverse_reaction", is_flag=True, help="It may be an adverse reaction (PV).")
@click.option("--concerns", multiple=True, help="A record it concerns (TYPE:ID), repeatable.")
@REASON
@write
@handled
def add(site: str, concerns: tuple[str, ...], **opts: Any) -> None:
    """Record a complaint as received."""
    setup_django()
    from atmp.quality.api.complaints import _site, complaint_doc
    from atmp.quality.services import complaints as svc

    auth = {k: opts.pop(k) for k in ("username", "password_file", "otp", "as_json")}
    user = authenticated_user(auth["username"], password_file=auth["password_file"], otp=auth["otp"])
    made = svc.open_complaint(actor=user, site=_site(site), concerns=list(concerns), **opts)
    emit(complaint_doc(made), as_json=auth["as_json"], text=lambda d: f"{d['number']} {d['title']} ({d['record']})")


@complaint.command("list")
@AS
@JSON
@click.option("--flagged", is_flag=True, help="Only those flagged for pharmacovigilance.")
@click.option("--limit", type=click.IntRange(1, 500), default=50)
@VOIDED
@handled
def list_(username: str, as_json: bool, flagged: bool, limit: int, voided: bool) -> None:
    """List complaints, newest first."""
    setup_django()
    from atmp.quality.api.complaints import complaint_doc
    from atmp.quality.api.paging import live, page
    from atmp.quality.models.complaints import Complaint
    from atmp.quality.selectors.complaints import flagged_for_pv

    rows = flagged_for_pv() if flagged else Complaint.objects.all()
    items, _ = page(live(viewer(username), rows, voided=voided), limit=limit, after=None)
    emit_list([complaint_doc(c) for c in items], ("number", "status", "received_date", "title"), as_json)


@complaint.command("update")
@click.argument("complaint_id", type=int)
@click.option("--reason", required=True, help="Why (recorded in the ledger).")
@click.option("--version", type=int, default=None, help="The version you saw; refused if the record moved on.")
@click.option("--investigation", default=None)
@click.option("--conclusion", default=None)
@click.option("--pv-reference", default=None)
@click.option("--adverse", "possible_adverse_reaction", is_flag=True, default=None, help="Flag it for PV.")
@write
@handled
def update(complaint_id: int, reason: str, version: int | None, **opts: Any) -> None:
    """Record the investigation, conclusion or PV reference of an open complaint."""
    setup_django()
    from atmp.quality.api.complaints import complaint_doc
    from atmp.quality.models.complaints import Complaint
    from atmp.quality.services import complaints as svc

    auth = {k: opts.pop(k) for k in ("username", "password_file", "otp", "as_json")}
    user = authenticated_user(auth["username"], password_file=auth["password_file"], otp=auth["otp"])
    changes = {k: v for k, v in opts.items() if v is not None}
    c = svc.update_complaint(
        actor=user,
        complaint=_one(user, Complaint, complaint_id, "complaint"),
        reason=reason,
        version=version,
        **changes,
    )
    emit(complaint_doc(c), as_json=auth["as_json"], text=lambda d: f"{d['number']} v{d['version']}")
