"""`atmp quality deviation …`: open, list, classify and edit deviations (transitions: `atmp workflow do`)."""

from __future__ import annotations

import click

from atmp.cli.base import handled, setup_django
from atmp.cli.output import emit
from atmp.quality.cli import quality
from atmp.quality.cli.common import AS, JSON, OTP, PASSWORD_FILE, VOIDED, actor, day, record, viewer, when


@quality.group()
def deviation() -> None:
    """Deviations: open, list, classify, record the investigation.

    \b
    Move one through its workflow with `atmp workflow do quality.deviation:ID TRANSITION`
    (start_investigation, submit, return, close, cancel).
    Example:
      atmp quality deviation open --as olga --site GNT --title "Filter test failed" \\
           --description "Post-use integrity test failed" --occurred-at 2026-12-01T09:30+01:00
    """


def _text(doc: dict) -> str:
    cls = doc["classification"] or "unclassified"
    return f"{doc['number']} [{doc['status_label']}, {cls}] {doc['title']}"


@deviation.command("open")
@AS
@click.option("--site", required=True, help="The site's code.")
@click.option("--title", required=True)
@click.option("--description", required=True)
@click.option("--occurred-at", required=True, help="When it happened, e.g. 2026-12-01T09:30+01:00.")
@click.option("--discovered-at", default=None)
@click.option("--area", default="")
@click.option("--immediate-actions", default="")
@click.option("--source", default=None, help="The record it concerns, e.g. accounts.site:1.")
@OTP
@PASSWORD_FILE
@JSON
@handled
def open_(username, site, title, description, occurred_at, discovered_at, area, immediate_actions, source, otp,
          password_file, as_json) -> None:  # fmt: skip
    """Open a deviation."""
    setup_django()
    from atmp.quality.api.common import site as find_site
    from atmp.quality.api.deviations import deviation_document
    from atmp.quality.services.deviations import open_deviation
    from atmp.workflow.links import resolve

    user = actor(username, password_file, otp)
    occurred = when(occurred_at, field="occurred_at")
    assert occurred is not None  # --occurred-at is required
    made = open_deviation(
        actor=user,
        site=find_site(site),
        title=title,
        description=description,
        occurred_at=occurred,
        discovered_at=when(discovered_at, field="discovered_at"),
        area=area,
        immediate_actions=immediate_actions,
        source=resolve(source, field="source", user=user) if source else None,
    )
    emit(deviation_document(made), as_json=as_json, text=_text)


@deviation.command("list")
@AS
@click.option("--status", default=None)
@click.option("--classification", default=None)
@VOIDED
@JSON
@handled
def list_(username, status, classification, voided, as_json) -> None:
    """List the deviations of your sites, newest first."""
    setup_django()
    from atmp.quality.api.deviations import deviation_document
    from atmp.quality.api.paging import live
    from atmp.quality.models.deviations import Deviation

    rows = live(viewer(username), Deviation.objects.select_related("site", "assignee").order_by("-pk"), voided=voided)
    if status:
        rows = rows.filter(status=status)
    if classification:
        rows = rows.filter(classification=classification)
    docs = [deviation_document(d) for d in rows[:1000]]
    emit({"items": docs}, as_json=as_json, text=lambda d: "\n".join(_text(x) for x in d["items"]) or "none")


@deviation.command("classify")
@click.argument("deviation_id")
@AS
@click.option("--severity", type=int, required=True)
@click.option("--occurrence", type=int, required=True)
@click.option("--detectability", type=int, required=True)
@click.option("--classification", default=None, help="Override the suggested class (needs --override-reason).")
@click.option("--override-reason", default="")
@click.option("--reason", required=True)
@OTP
@PASSWORD_FILE
@JSON
@handled
def classify(deviation_id, username, severity, occurrence, detectability, classification, override_reason, reason,
             otp, password_file, as_json) -> None:  # fmt: skip
    """Classify a deviation from its risk scores (QA)."""
    setup_django()
    from atmp.quality.api.deviations import deviation_document
    from atmp.quality.models.deviations import Deviation
    from atmp.quality.services.deviations import classify as do_classify

    user = actor(username, password_file, otp)
    found = record(deviation_id, Deviation, user)
    do_classify(
        actor=user,
        deviation=found,
        severity=severity,
        occurrence=occurrence,
        detectability=detectability,
        classification=classification,
        override_reason=override_reason,
        reason=reason,
    )
    emit(deviation_document(found), as_json=as_json, text=lambda d: f"{_text(d)}: {d['classification_basis']}")


@deviation.command("update")
@click.argument("deviation_id")
@AS
@click.option("--reason", required=True)
@click.option("--set", "pairs", multiple=True, metavar="FIELD=VALUE", help="e.g. --set root_cause='…'")
@OTP
@PASSWORD_FILE
@JSON
@handled
def update(deviation_id, username, reason, pairs, otp, password_file, as_json) -> None:
    """Edit a deviation's account, impact or root cause (FIELD=VALUE pairs)."""
    setup_django()
    from atmp.accounts.errors import InvalidInput
    from atmp.quality.api.deviations import deviation_document
    from atmp.quality.models.deviations import Deviation
    from atmp.quality.services.deviations import update_deviation

    changes: dict = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise InvalidInput("set", f"{pair!r} is not FIELD=VALUE")
        if name in ("occurred_at", "discovered_at"):
            changes[name] = when(value, field=name)
        elif name == "patient_impact":
            changes[name] = value.lower() in ("1", "true", "yes")
        else:
            changes[name] = value
    user = actor(username, password_file, otp)
    found = record(deviation_id, Deviation, user)
    update_deviation(actor=user, deviation=found, reason=reason, **changes)
    emit(deviation_document(found), as_json=as_json, text=_text)


__all__ = ["day", "deviation"]
