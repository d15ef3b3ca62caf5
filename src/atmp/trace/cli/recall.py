"""`atmp trace recall ID [--open --reason TEXT [--mock]]`: what recalling a lot, donor or patient reaches,
and where each lot's units are; with --open, QA opens the quality recall of it (trace.services.recalls)."""

from __future__ import annotations

from typing import Any

import click

from atmp.cli.base import handled, json_option, otp_option, setup_django, your_password_file_option
from atmp.cli.output import emit
from atmp.trace.cli import trace
from atmp.trace.cli.common import READER, actor, reader

CLASSES = ["class_i", "class_ii", "class_iii"]


def _impact_text(d: dict[str, Any]) -> str:
    lines = [f"{len(d['lots'])} lots affected by recalling {d['root']} ({d['elapsed_ms']} ms)"]
    for x in d["lots"]:
        where = ", ".join(x["whereabouts"]["places"]) or "nowhere"
        lines.append(f"  {x['level']:>3}  {x['lot']:<20} {x['material']:<14} {x['status']:<11} {x['site']:<8} {where}")
    lines.append(f"{len(d['patients'])} patients to reach")
    lines += [f"       {p['coi']:<20} at {p['site']}" for p in d["patients"]]
    lines.append(f"{len(d['consignees'])} consignees to reach")
    lines += [f"       {c['site']:<20} {c['kind']:<10} {', '.join(c['lots'])}" for c in d["consignees"]]
    return "\n".join(lines)


def _opened_text(d: dict[str, Any]) -> str:
    lines = [f"{d['number']} opened ({d['record']}) for {d['root']}"]
    for key in ("recalled", "rejected", "unchanged"):
        lines.append(f"  {key}: {', '.join(d[key]) or '—'}")
    return "\n".join(lines)


@trace.command("recall")
@click.argument("root", metavar="ID")
@click.option("--open", "open_", is_flag=True, help="Open the quality recall of what ID reaches (QA's decision).")
@click.option("--reason", default="", help="With --open: why the product is recalled (the defect and its risk).")
@click.option(
    "--class",
    "classification",
    type=click.Choice(CLASSES),
    default=None,
    help="With --open: the EU rapid alert class (class_i: life-threatening, class_ii, class_iii).",
)
@click.option("--mock", is_flag=True, help="With --open: a mock recall (scope and recipients filled, lots unchanged).")
@READER
@your_password_file_option
@otp_option
@json_option
@handled
def recall(
    root: str,
    open_: bool,
    reason: str,
    classification: str | None,
    mock: bool,
    username: str | None,
    password_file: str | None,
    otp: str | None,
    as_json: bool,
) -> None:
    """Show what recalling ID (a lot number, or a donor's or patient's COI) reaches; with --open, recall it.

    Without --open it changes nothing: every lot a forward trace from ID reaches, with its status
    and where its units are (in stock, consumed into other lots, administered to patients,
    shipped), the patients to reach (COI only) and the consignees (sites). Prints {"root", "lots":
    [{"lot", "material", "type", "status", "site", "level", "quantity", "unit", "whereabouts":
    {"places", "in_stock", "consumed_into", "administered_to", "shipped"}}, …], "patients":
    [{"coi", "site"}, …], "consignees": [{"site", "kind", "lots"}, …], "elapsed_ms"}.

    With --open (and --as, your password and --reason) a QA user (quality.decide) opens the quality
    recall filled with that impact and recalls every affected lot (one still in quarantine is
    rejected); with --mock the lots stay as they are. Prints {"id", "record", "number", "root",
    "recalled", "rejected", "unchanged"}. The same action as the page (/trace/recall/ID/) and
    POST /api/v1/trace/recall/ID. Refused (exit 2): an unknown ID, no reason, a user without
    quality.decide or a wrong password, an open recall (or mock recall) that concerns ID already.

    \b
    Example:
      atmp trace recall MED-001-26-0042 --open --class class_ii --reason "endotoxin above limit" --as rita
    """
    setup_django()
    from atmp.accounts.errors import InvalidInput

    if not open_:
        stray = [name for name, given in (("--reason", reason), ("--class", classification), ("--mock", mock)) if given]
        if stray:
            raise InvalidInput(stray[0].lstrip("-"), f"{stray[0]} is for opening the recall: add --open")
        _show(root, username, as_json)
        return
    if not username:
        raise InvalidInput("as", "--open acts as a person: name yourself with --as USERNAME")
    if classification is None:
        raise InvalidInput("class", "--open needs the recall's class: --class class_i, class_ii or class_iii")
    from atmp.trace.api.documents import opened_recall_document
    from atmp.trace.selectors.lookups import root_named
    from atmp.trace.services import recalls

    user = actor({"username": username, "password_file": password_file, "otp": otp})
    opened = recalls.recall(
        actor=user, root=root_named(root, user), classification=classification, reason=reason, mock=mock
    )
    emit(opened_recall_document(opened), as_json=as_json, text=_opened_text)


def _show(root: str, username: str | None, as_json: bool) -> None:
    """Print the impact of recalling the root, as the user (or the owner) sees it."""
    from atmp.trace.api.documents import impact_document
    from atmp.trace.selectors import recall as selectors
    from atmp.trace.selectors.lookups import root_named

    viewer = reader(username)
    found, elapsed = selectors.timed(root_named(root, viewer))
    if viewer is not None:
        found = found.visible_to(viewer.site_ids())
    emit(impact_document(found, elapsed), as_json=as_json, text=_impact_text)
