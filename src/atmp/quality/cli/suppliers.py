"""`atmp quality supplier …`: suppliers, their qualifications, agreements, audits, findings, may-accept."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import click

from atmp.cli.base import as_option as AS
from atmp.cli.base import authenticated_user, handled, setup_django
from atmp.cli.base import json_option as JSON
from atmp.cli.base import otp_option as OTP
from atmp.cli.base import your_password_file_option as PASSWORD_FILE
from atmp.cli.output import emit as emit_document
from atmp.quality.cli import quality
from atmp.quality.cli.common import VOIDED

REASON = click.option("--reason", default="", help="Why (recorded in the ledger).")


def write(func: Any) -> Any:
    """Give a write command --as, --otp, --password-file, --json and the handling of refusals."""
    for option in (JSON, PASSWORD_FILE, OTP, AS):
        func = option(func)
    return func


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date | dt.datetime | Decimal):
        return value.isoformat() if not isinstance(value, Decimal) else str(value)
    return value


def emit(data: Any, *, as_json: bool, text: Any = None) -> None:
    """Print the document as JSON (dates as ISO 8601 text, decimals as text) or as the readable text."""
    emit_document(_plain(data), as_json=as_json, text=text)


def emit_list(items: list[dict[str, Any]], cols: tuple[str, ...], as_json: bool) -> None:
    """Print the items as JSON ({"items": …}) or one line each."""
    emit(
        {"items": items},
        as_json=as_json,
        text=lambda d: "\n".join(_line(i, cols) for i in d["items"]) or "none",
    )


def _line(item: dict[str, Any], cols: tuple[str, ...]) -> str:
    line = "  ".join(str(item.get(c, "")) for c in cols)
    return f"{line}  (voided)" if item.get("voided") else line


def viewer(username: str) -> Any:
    """Return the named user, for reads (no password: reads change nothing)."""
    from atmp.accounts import services

    return services.find_user(username)


@quality.group("supplier")
def supplier() -> None:
    """Suppliers and contractors: qualification per material or service, quality agreements, audits.

    \b
    Examples:
      atmp quality supplier add "ViroMedia GmbH" --as rita --reason "new medium supplier"
      atmp quality supplier qualify SUP-2026-0001 --kind material --scope MED-001 --as rita
      atmp workflow do quality.supplierapproval:1 approve --as alex --reason "audit passed"
      atmp quality supplier may-accept MED-001 SUP-2026-0001 --on 2026-12-01 --as rita --json
    """


@supplier.command("add")
@click.argument("name")
@click.option("--address", default="")
@click.option("--site", default=None, help="The site code it serves (default: every site).")
@REASON
@write
@handled
def add(name: str, address: str, site: str | None, reason: str, **auth: Any) -> None:
    """Register a supplier or contractor."""
    setup_django()
    from atmp.quality.api.suppliers import site_by_code, supplier_doc
    from atmp.quality.services import suppliers as svc

    user = authenticated_user(auth["username"], password_file=auth["password_file"], otp=auth["otp"])
    made = svc.add_supplier(actor=user, name=name, address=address, site=site_by_code(site), reason=reason)
    emit(supplier_doc(made), as_json=auth["as_json"], text=lambda d: f"{d['number']} {d['name']}")


@supplier.command("list")
@AS
@JSON
@click.option("--limit", type=click.IntRange(1, 500), default=50)
@VOIDED
@handled
def list_(username: str, as_json: bool, limit: int, voided: bool) -> None:
    """List suppliers, newest first."""
    setup_django()
    from atmp.quality.api.paging import live, page
    from atmp.quality.api.suppliers import supplier_doc
    from atmp.quality.models.suppliers import Supplier

    items, _ = page(live(viewer(username), Supplier.objects.all(), voided=voided), limit=limit, after=None)
    emit_list([supplier_doc(s) for s in items], ("number", "name", "site"), as_json)


def _supplier(number: str, user: Any) -> Any:
    from atmp.accounts.errors import InvalidInput
    from atmp.quality.api.paging import visible
    from atmp.quality.models.suppliers import Supplier

    found = visible(user, Supplier.objects.filter(number=number, voided=False)).first()
    if found is None:
        raise InvalidInput("supplier", f"there is no supplier {number!r}")
    return found


def _one(user: Any, model: Any, pk: int, field: str) -> Any:
    from atmp.accounts.errors import InvalidInput
    from atmp.ledger.errors import NotFound
    from atmp.quality.api.paging import one

    try:
        return one(user, model, pk)
    except NotFound:
        raise InvalidInput(field, f"there is no {model._meta.verbose_name} {pk}") from None


@supplier.command("qualify")
@click.argument("supplier_number")
@click.option("--kind", type=click.Choice(["material", "service"]), required=True)
@click.option("--scope", required=True, help="The material code, or the service described.")
@click.option("--valid-until", default=None, help="e.g. 2028-12-31")
@click.option("--conditions", default="")
@REASON
@write
@handled
def qualify(
    supplier_number: str, kind: str, scope: str, valid_until: str | None, conditions: str, reason: str, **auth: Any
) -> None:
    """Start a qualification of the supplier for a material or a service (pending until QA decides)."""
    setup_django()
    from atmp.quality.api.suppliers import approval_doc
    from atmp.quality.services import suppliers as svc

    user = authenticated_user(auth["username"], password_file=auth["password_file"], otp=auth["otp"])
    made = svc.add_approval(
        actor=user,
        supplier=_supplier(supplier_number, user),
        kind=kind,
        scope=scope,
        valid_until=valid_until,
        conditions=conditions,
        reason=reason,
    )
    emit(approval_doc(made), as_json=auth["as_json"], text=lambda d: f"{d['record']} {d['kind']} {d['scope']}: pending")


@supplier.command("agreement")
@click.argument("supplier_number")
@click.option("--title", required=True)
@click.option("--effective", default=None, help="Effective date, e.g. 2026-01-01.")
@click.option("--expiry", default=None, help="Expiry date, e.g. 2028-12-31.")
@REASON
@write
@handled
def agreement(
    supplier_number: str, title: str, effective: str | None, expiry: str | None, reason: str, **auth: Any
) -> None:
    """Draft a quality agreement with the supplier (QA Approver signs it: atmp workflow do … approve)."""
    setup_django()
    from atmp.quality.api.suppliers import agreement_doc
    from atmp.quality.services import suppliers as svc

    user = authenticated_user(auth["username"], password_file=auth["password_file"], otp=auth["otp"])
    made = svc.add_agreement(
        actor=user,
        supplier=_supplier(supplier_number, user),
        title=title,
        effective_date=effective,
        expiry_date=expiry,
        reason=reason,
    )
    emit(agreement_doc(made), as_json=auth["as_json"], text=lambda d: f"{d['number']} {d['title']} ({d['record']})")


@supplier.command("agreements")
@AS
@JSON
@click.option("--expiring-within", type=click.IntRange(0, 3660), default=None, help="Days: approved, expiring soon.")
@click.option("--limit", type=click.IntRange(1, 500), default=50)
@VOIDED
@handled
def agreements(username: str, as_json: bool, expiring_within: int | None, limit: int, voided: bool) -> None:
    """List quality agreements (or those expiring within N days)."""
    setup_django()
    from atmp.quality.api.paging import live, page
    from atmp.quality.api.suppliers import agreement_doc
    from atmp.quality.models.suppliers import QualityAgreement
    from atmp.quality.selectors.suppliers import expiring_agreements

    user = viewer(username)
    if expiring_within is not None:
        ids = user.site_ids()
        rows = list(expiring_agreements(within_days=expiring_within, site_ids=frozenset(ids) if ids else None)[:limit])
    else:
        rows, _ = page(live(user, QualityAgreement.objects.all(), voided=voided), limit=limit, after=None)
    emit_list([agreement_doc(a) for a in rows], ("number", "supplier", "status", "expiry_date", "title"), as_json)


@supplier.command("audit")
@click.argument("supplier_number")
@click.option("--title", required=True)
@click.option("--date", "audit_date", required=True, help="e.g. 2026-11-20")
@click.option(
    "--type", "audit_type", type=click.Choice(["on_site", "remote", "questionnaire", "for_cause"]), required=True
)
@click.option("--lead", default=None, help="The lead auditor's username.")
@REASON
@write
@handled
def audit(
    supplier_number: str, title: str, audit_date: str, audit_type: str, lead: str | None, reason: str, **auth: Any
) -> None:
    """Plan an audit of the supplier."""
    setup_django()
    from atmp.quality.api.suppliers import audit_doc, user_by_name
    from atmp.quality.services import suppliers as svc

    user = authenticated_user(auth["username"], password_file=auth["password_file"], otp=auth["otp"])
    made = svc.add_audit(
        actor=user,
        supplier=_supplier(supplier_number, user),
        title=title,
        audit_date=audit_date,
        audit_type=audit_type,
        lead_auditor=user_by_name(lead, "lead_auditor"),
        reason=reason,
    )
    emit(audit_doc(made), as_json=auth["as_json"], text=lambda d: f"{d['number']} {d['title']} ({d['record']})")


@supplier.command("finding")
@click.argument("audit_id", type=int)
@click.option(
    "--class", "classification", type=click.Choice(["critical", "major", "minor", "recommendation"]), required=True
)
@click.option("--description", required=True)
@REASON
@write
@handled
def finding(audit_id: int, classification: str, description: str, reason: str, **auth: Any) -> None:
    """Record a finding of a supplier audit (critical and major ones need a CAPA before it closes)."""
    setup_django()
    from atmp.quality.api.suppliers import finding_doc
    from atmp.quality.models.suppliers import SupplierAudit
    from atmp.quality.services import suppliers as svc

    user = authenticated_user(auth["username"], password_file=auth["password_file"], otp=auth["otp"])
    made = svc.add_audit_finding(
        actor=user,
        audit=_one(user, SupplierAudit, audit_id, "audit"),
        classification=classification,
        description=description,
        reason=reason,
    )
    emit(finding_doc(made), as_json=auth["as_json"], text=lambda d: f"{d['record']} {d['classification']}")


@supplier.command("capa")
@click.argument("finding_id", type=int)
@click.argument("capa")
@REASON
@write
@handled
def capa(finding_id: int, capa: str, reason: str, **auth: Any) -> None:
    """Link the CAPA (e.g. quality.capa:7) that addresses an audit finding."""
    setup_django()
    from atmp.quality.api.suppliers import finding_doc
    from atmp.quality.models.suppliers import AuditFinding
    from atmp.quality.services import suppliers as svc

    user = authenticated_user(auth["username"], password_file=auth["password_file"], otp=auth["otp"])
    row = _one(user, AuditFinding, finding_id, "finding")
    svc.link_finding_capa(actor=user, finding=row, capa=capa, reason=reason)
    emit(finding_doc(row), as_json=auth["as_json"], text=lambda d: f"{d['record']} addressed by {', '.join(d['capa'])}")


@supplier.command("may-accept")
@click.argument("material")
@click.argument("supplier_number")
@click.option("--on", default=None, help="The date of receipt (default today), e.g. 2026-12-01.")
@AS
@JSON
@handled
def may_accept(material: str, supplier_number: str, on: str | None, username: str, as_json: bool) -> None:
    """Say whether MATERIAL may be received from the supplier, and the rule that decides (exit 0 either way)."""
    setup_django()
    from atmp.quality.selectors.suppliers import may_accept as decide
    from atmp.quality.services.edits import date

    user = viewer(username)
    d = decide(material, _supplier(supplier_number, user), date(on, "on"))
    doc = {"ok": d.ok, "rule": d.rule, "reason": d.reason, "approval": d.approval, "agreement": d.agreement}
    emit(doc, as_json=as_json, text=lambda x: f"{'yes' if x['ok'] else 'no'}: {x['reason']}")
