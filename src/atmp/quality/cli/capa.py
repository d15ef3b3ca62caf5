"""`atmp quality capa …`: open CAPAs, add actions and evidence, record the effectiveness check."""

from __future__ import annotations

import click

from atmp.cli.base import handled, setup_django
from atmp.cli.output import emit
from atmp.quality.cli import quality
from atmp.quality.cli.common import AS, JSON, OTP, PASSWORD_FILE, VOIDED, actor, day, record, viewer


@quality.group()
def capa() -> None:
    """CAPA: open one (from its source), add actions, record evidence and effectiveness.

    \b
    Transitions: `atmp workflow do quality.capa:ID implemented|close|reopen|close_with_follow_up|cancel`,
    and `atmp workflow do quality.capaaction:ID complete` for an action.
    Example:
      atmp quality capa open --as olga --site GNT --title "Torque the housing" \\
           --description "…" --source quality.deviation:1 --criteria "No failure in 10 runs" --check-due 2027-03-01
    """


def _text(doc: dict) -> str:
    done = sum(1 for a in doc["actions"] if a["status"] == "done")
    return f"{doc['number']} [{doc['status_label']}] {doc['title']} ({done}/{len(doc['actions'])} actions done)"


@capa.command("open")
@AS
@click.option("--site", required=True)
@click.option("--title", required=True)
@click.option("--description", required=True)
@click.option("--kind", default="corrective", type=click.Choice(["corrective", "preventive", "both"]))
@click.option("--source", default=None, help="The record it originates from, e.g. quality.deviation:12.")
@click.option("--owner", default=None)
@click.option("--due", default=None)
@click.option("--criteria", "criteria", default="", help="The effectiveness criteria.")
@click.option("--check-due", default=None, help="When the effectiveness check is due.")
@OTP
@PASSWORD_FILE
@JSON
@handled
def open_(username, site, title, description, kind, source, owner, due, criteria, check_due, otp, password_file,
          as_json) -> None:  # fmt: skip
    """Open a CAPA."""
    setup_django()
    from atmp.quality.api.capa import capa_document
    from atmp.quality.api.common import site as find_site
    from atmp.quality.api.common import user as find_user
    from atmp.quality.services.capa import open_capa
    from atmp.workflow.links import resolve

    user = actor(username, password_file, otp)
    made = open_capa(
        actor=user,
        site=find_site(site),
        title=title,
        description=description,
        kind=kind,
        source=resolve(source, field="source", user=user) if source else None,
        owner=find_user(owner, field="owner"),
        due_date=day(due, field="due"),
        effectiveness_criteria=criteria,
        effectiveness_due=day(check_due, field="check_due"),
    )
    emit(capa_document(made), as_json=as_json, text=_text)


@capa.command("list")
@AS
@click.option("--status", default=None)
@VOIDED
@JSON
@handled
def list_(username, status, voided, as_json) -> None:
    """List the CAPAs of your sites, newest first."""
    setup_django()
    from atmp.quality.api.capa import capa_document
    from atmp.quality.api.paging import live
    from atmp.quality.models.capa import Capa

    rows = live(viewer(username), Capa.objects.select_related("site", "assignee").order_by("-pk"), voided=voided)
    if status:
        rows = rows.filter(status=status)
    docs = [capa_document(c) for c in rows[:1000]]
    emit({"items": docs}, as_json=as_json, text=lambda d: "\n".join(_text(x) for x in d["items"]) or "none")


@capa.command("action")
@click.argument("capa_id")
@AS
@click.option("--description", required=True)
@click.option("--owner", default=None)
@click.option("--due", default=None)
@OTP
@PASSWORD_FILE
@JSON
@handled
def action(capa_id, username, description, owner, due, otp, password_file, as_json) -> None:
    """Add an action to an open CAPA."""
    setup_django()
    from atmp.quality.api.capa import action_document
    from atmp.quality.api.common import user as find_user
    from atmp.quality.models.capa import Capa
    from atmp.quality.services.capa import add_action

    user = actor(username, password_file, otp)
    made = add_action(
        actor=user,
        capa=record(capa_id, Capa, user),
        description=description,
        owner=find_user(owner, field="owner"),
        due_date=day(due, field="due"),
    )
    emit(action_document(made), as_json=as_json, text=lambda d: f"{d['record']} added to {d['capa']}")


@capa.command("evidence")
@click.argument("action_id")
@AS
@click.option("--evidence", required=True)
@click.option("--reason", required=True)
@OTP
@PASSWORD_FILE
@JSON
@handled
def evidence(action_id, username, evidence, reason, otp, password_file, as_json) -> None:
    """Record what was done for an action."""
    setup_django()
    from atmp.quality.api.capa import action_document
    from atmp.quality.models.capa import CapaAction
    from atmp.quality.services.capa import record_evidence

    user = actor(username, password_file, otp)
    found = record_evidence(actor=user, action=record(action_id, CapaAction, user), evidence=evidence, reason=reason)
    emit(action_document(found), as_json=as_json, text=lambda d: f"{d['record']}: evidence recorded")


@capa.command("effectiveness")
@click.argument("capa_id")
@AS
@click.option("--outcome", required=True, type=click.Choice(["effective", "not_effective"]))
@click.option("--evidence", required=True)
@click.option("--reason", required=True)
@OTP
@PASSWORD_FILE
@JSON
@handled
def effectiveness(capa_id, username, outcome, evidence, reason, otp, password_file, as_json) -> None:
    """Record the effectiveness check's outcome and evidence."""
    setup_django()
    from atmp.quality.api.capa import capa_document
    from atmp.quality.models.capa import Capa
    from atmp.quality.services.capa import record_effectiveness

    user = actor(username, password_file, otp)
    found = record(capa_id, Capa, user)
    record_effectiveness(actor=user, capa=found, outcome=outcome, evidence=evidence, reason=reason)
    emit(capa_document(found), as_json=as_json, text=_text)
