"""`atmp quality recall …`: initiate a recall, fill its scope and recipients, reconcile what came back."""

from __future__ import annotations

from typing import Any

import click

from atmp.cli.base import as_option as AS
from atmp.cli.base import authenticated_user, handled, setup_django
from atmp.cli.base import json_option as JSON
from atmp.quality.cli import quality
from atmp.quality.cli.common import VOIDED
from atmp.quality.cli.suppliers import REASON, _one, emit, emit_list, viewer, write

NEEDED = click.option("--reason", required=True, help="Why (recorded in the ledger).")
VERSION = click.option("--version", type=int, default=None, help="The version you saw; refused if it moved on.")


def _text(d: dict[str, Any]) -> str:
    lines = [f"{d['number']} {d['title']} [{d['classification']}] {d['status_label']}"]
    for s in d["scope"]:
        lines.append(
            f"  {s['item']} {s['description']}: distributed {s['quantity_distributed']} {s['unit']}, returned "
            f"{s['quantity_returned']}, destroyed {s['quantity_destroyed']}, administered {s['quantity_administered']}"
        )
    for r in d["recipients"]:
        lines.append(f"  {r['kind']} {r['reference']}: notified {r['notified_at'] or 'not yet'}")
    lines.append("  reconciliation: " + ("complete" if d["reconciliation_complete"] else d["reconciliation_rule"]))
    return "\n".join(lines)


@quality.group("recall")
def recall() -> None:
    """Recalls: EU rapid-alert class, scope (batches, lots), recipients, reconciliation.

    \b
    Examples:
      atmp quality recall add --site GHE --title "AAV-001 potency" --recall-reason "…" --class class_ii --as rita
      atmp quality recall scope 1 --item trace.lot:4 12 "Lot AAV-001" --unit bags --reason "from genealogy" --as rita
      atmp quality recall recipient 1 --reference UZG-PHARM --kind hospital --as rita
      atmp quality recall notified 1 --response "2 bags quarantined" --reason "phoned" --as rita
      atmp workflow do quality.recall:1 start --as alex --reason "decision taken"
    """


@recall.command("add")
@click.option("--site", required=True, help="The site code.")
@click.option("--title", required=True)
@click.option("--recall-reason", required=True, help="Why the product is recalled.")
@click.option("--class", "classification", type=click.Choice(["class_i", "class_ii", "class_iii"]), required=True)
@click.option("--decision-date", default=None, help="e.g. 2026-12-02")
@click.option("--mock", is_flag=True, help="A mock recall, exercising the procedure.")
@REASON
@write
@handled
def add(site: str, **opts: Any) -> None:
    """Initiate a recall."""
    setup_django()
    from atmp.quality.api.complaints import _site, recall_doc
    from atmp.quality.services import recalls as svc

    auth = {k: opts.pop(k) for k in ("username", "password_file", "otp", "as_json")}
    user = authenticated_user(auth["username"], password_file=auth["password_file"], otp=auth["otp"])
    made = svc.open_recall(actor=user, site=_site(site), **opts)
    emit(recall_doc(made), as_json=auth["as_json"], text=_text)


@recall.command("list")
@AS
@JSON
@click.option("--limit", type=click.IntRange(1, 500), default=50)
@VOIDED
@handled
def list_(username: str, as_json: bool, limit: int, voided: bool) -> None:
    """List recalls, newest first."""
    setup_django()
    from atmp.quality.api.complaints import recall_doc
    from atmp.quality.api.paging import live, page
    from atmp.quality.models.recalls import Recall

    items, _ = page(live(viewer(username), Recall.objects.all(), voided=voided), limit=limit, after=None)
    emit_list([recall_doc(r) for r in items], ("number", "classification", "status", "title"), as_json)


@recall.command("show")
@click.argument("recall_id", type=int)
@AS
@JSON
@handled
def show(recall_id: int, username: str, as_json: bool) -> None:
    """Show a recall with its scope, recipients and reconciliation."""
    setup_django()
    from atmp.quality.api.complaints import recall_doc
    from atmp.quality.models.recalls import Recall

    user = viewer(username)
    emit(recall_doc(_one(user, Recall, recall_id, "recall")), as_json=as_json, text=_text)


@recall.command("scope")
@click.argument("recall_id", type=int)
@click.option(
    "--item",
    "items",
    type=(str, str, str),
    multiple=True,
    required=True,
    metavar="KEY QUANTITY DESCRIPTION",
    help="A batch or lot (record key), the quantity distributed, a description; repeatable.",
)
@click.option("--unit", default="", help="The unit of the quantities (bags, vials…).")
@NEEDED
@write
@handled
def scope(recall_id: int, items: tuple[tuple[str, str, str], ...], unit: str, reason: str, **auth: Any) -> None:
    """Add batches or lots to the recall's scope, all or none (quality.services.recalls.add_scope)."""
    setup_django()
    from atmp.quality.api.complaints import recall_doc
    from atmp.quality.models.recalls import Recall
    from atmp.quality.services import recalls as svc

    user = authenticated_user(auth["username"], password_file=auth["password_file"], otp=auth["otp"])
    r = _one(user, Recall, recall_id, "recall")
    wanted = [svc.ScopeItem(record=k, quantity_distributed=q, description=d, unit=unit) for k, q, d in items]
    svc.add_scope(actor=user, recall=r, items=wanted, reason=reason)
    emit(recall_doc(r), as_json=auth["as_json"], text=_text)


@recall.command("returned")
@click.argument("scope_id", type=int)
@click.option("--returned", "quantity_returned", default=None)
@click.option("--destroyed", "quantity_destroyed", default=None)
@click.option("--administered", "quantity_administered", default=None)
@NEEDED
@VERSION
@write
@handled
def returned(scope_id: int, reason: str, version: int | None, **opts: Any) -> None:
    """Record what became of a batch or lot in a recall (scope row id)."""
    setup_django()
    from atmp.quality.api.complaints import scope_doc
    from atmp.quality.models.recalls import RecallScope
    from atmp.quality.services import recalls as svc

    auth = {k: opts.pop(k) for k in ("username", "password_file", "otp", "as_json")}
    user = authenticated_user(auth["username"], password_file=auth["password_file"], otp=auth["otp"])
    row = svc.update_scope(
        actor=user,
        row=_one(user, RecallScope, scope_id, "scope"),
        reason=reason,
        version=version,
        **{k: v for k, v in opts.items() if v is not None},
    )
    emit(scope_doc(row), as_json=auth["as_json"], text=lambda d: f"{d['item']}: v{d['version']}")


@recall.command("recipient")
@click.argument("recall_id", type=int)
@click.option("--reference", required=True, help="A pseudonymous reference, never a name.")
@click.option(
    "--kind", type=click.Choice(["consignee", "hospital", "physician", "patient", "authority"]), required=True
)
@REASON
@write
@handled
def recipient(recall_id: int, reference: str, kind: str, reason: str, **auth: Any) -> None:
    """Add a consignee or patient to reach."""
    setup_django()
    from atmp.quality.api.complaints import recipient_doc
    from atmp.quality.models.recalls import Recall
    from atmp.quality.services import recalls as svc

    user = authenticated_user(auth["username"], password_file=auth["password_file"], otp=auth["otp"])
    made = svc.add_recipient(
        actor=user, recall=_one(user, Recall, recall_id, "recall"), reference=reference, kind=kind, reason=reason
    )
    emit(recipient_doc(made), as_json=auth["as_json"], text=lambda d: f"{d['record']} {d['kind']} {d['reference']}")


@recall.command("notified")
@click.argument("recipient_id", type=int)
@click.option("--at", "notified_at", default=None, help="When, with time zone (default now).")
@click.option("--response", default=None)
@NEEDED
@VERSION
@write
@handled
def notified(
    recipient_id: int, notified_at: str | None, response: str | None, reason: str, version: int | None, **auth: Any
) -> None:
    """Record that a recipient was notified, and their response."""
    setup_django()
    import datetime as dt

    from atmp.accounts.errors import InvalidInput
    from atmp.quality.api.complaints import recipient_doc
    from atmp.quality.models.recalls import RecallRecipient
    from atmp.quality.services import recalls as svc

    try:
        moment = dt.datetime.fromisoformat(notified_at) if notified_at else None
    except ValueError:
        raise InvalidInput("at", f"{notified_at!r} is not a time like 2026-12-05T09:30:00+01:00") from None
    user = authenticated_user(auth["username"], password_file=auth["password_file"], otp=auth["otp"])
    extra = {"response": response} if response is not None else {}
    r = svc.record_notification(
        actor=user,
        recipient=_one(user, RecallRecipient, recipient_id, "recipient"),
        reason=reason,
        version=version,
        notified_at=moment,
        **extra,
    )
    emit(recipient_doc(r), as_json=auth["as_json"], text=lambda d: f"{d['record']} notified {d['notified_at']}")


@recall.command("explain")
@click.argument("recall_id", type=int)
@click.option("--note", required=True, help="Why the quantities do not add up.")
@NEEDED
@VERSION
@write
@handled
def explain(recall_id: int, note: str, reason: str, version: int | None, **auth: Any) -> None:
    """Document why a recall's quantities do not add up (its reconciliation note)."""
    setup_django()
    from atmp.quality.api.complaints import recall_doc
    from atmp.quality.models.recalls import Recall
    from atmp.quality.services import recalls as svc

    user = authenticated_user(auth["username"], password_file=auth["password_file"], otp=auth["otp"])
    r = svc.update_recall(
        actor=user,
        recall=_one(user, Recall, recall_id, "recall"),
        reason=reason,
        version=version,
        reconciliation_note=note,
    )
    emit(recall_doc(r), as_json=auth["as_json"], text=_text)
