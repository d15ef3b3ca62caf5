"""`atmp trace lot …`: receive a lot, release it with your signature, show one, list them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from atmp.cli.base import as_option, handled, json_option, otp_option, setup_django, user_and_password
from atmp.cli.base import your_password_file_option as PASSWORD_FILE
from atmp.cli.output import emit
from atmp.trace.cli import trace
from atmp.trace.cli.common import READER, REASON, actor, reader, write


def _lot_text(d: dict[str, Any]) -> str:
    return (
        f"{d['number']}  {d['material']}  {d['status_label']}  at {d['site']}\n"
        f"quantity {d['quantity']} {d['unit']}, {d['remaining']} {d['unit']} remain; expiry {d['expiry_date'] or '—'}"
    )


@trace.group("lot")
def lot() -> None:
    """Lots: received in quarantine, released by QA (signed), then used, consumed, expired or recalled.

    \b
    Examples:
      atmp trace lot receive L-0042 --material MED-001 --site LEI --quantity 500 \\
          --expiry 2027-06-30 --supplier SUP-2026-0001 --as rita
      atmp trace lot release L-0042 --as alex --reason "CoA and identity test conform"
      atmp trace lot show L-0042 --json
      atmp workflow do trace.lot:7 reject|expire|consume|recall --as alex --reason "…"
    """


@lot.command("receive")
@click.argument("number")
@click.option("--material", required=True, help="The material's code.")
@click.option("--site", required=True, help="The site's code.")
@click.option("--quantity", required=True, help="A decimal, at most 3 places.")
@click.option("--unit", default=None, help="A UCUM code of the material's dimension (default: the material's).")
@click.option("--expiry", default=None, help="The expiry date, YYYY-MM-DD (needed to release it).")
@click.option("--supplier", default=None, help="The supplier's number; quality must approve it for the material.")
@click.option("--supplier-lot", default="", help="The supplier's own lot number.")
@click.option("--donor", default=None, help="The donor's COI, for a donation (a starting material).")
@click.option("--location", default="")
@click.option("--received-at", default=None, help="When, ISO 8601 with a zone (default: now).")
@REASON
@write
@handled
def receive(
    number: str,
    material: str,
    site: str,
    quantity: str,
    unit: str | None,
    expiry: str | None,
    supplier: str | None,
    supplier_lot: str,
    donor: str | None,
    location: str,
    received_at: str | None,
    reason: str,
    **auth: Any,
) -> None:
    """Receive a lot into a site's stock, in quarantine."""
    setup_django()
    from atmp.accounts import services as accounts
    from atmp.trace.api.documents import lot_document
    from atmp.trace.api.lots import supplier_numbered
    from atmp.trace.services.lots import receive_lot
    from atmp.trace.services.materials import find_material
    from atmp.trace.services.persons import find_person

    user = actor(auth)
    made = receive_lot(
        actor=user,
        number=number,
        material=find_material(material),
        site=accounts.find_site(site),
        quantity=quantity,
        unit=unit,
        expiry_date=expiry,
        supplier=supplier_numbered(supplier),
        supplier_lot=supplier_lot,
        donor=find_person(donor, field="donor", user=user) if donor else None,
        location=location,
        received_at=received_at,
        reason=reason,
    )
    emit(lot_document(made), as_json=auth["as_json"], text=_lot_text)


@lot.command("release")
@click.argument("number")
@as_option
@click.option("--reason", required=True, help="Why it is released (recorded in the ledger).")
@otp_option
@PASSWORD_FILE
@click.option("--version", type=int, default=None, help="The version you saw; refused if the lot moved on.")
@json_option
@handled
def release(
    number: str,
    username: str,
    reason: str,
    otp: str | None,
    password_file: Path | None,
    version: int | None,
    as_json: bool,
) -> None:
    """Release a quarantined lot with your signature 'Released' (your password is asked)."""
    setup_django()
    from atmp.trace.api.documents import lot_document
    from atmp.trace.selectors.lookups import lot_named
    from atmp.trace.services.lots import release_lot

    user, password = user_and_password(username, password_file)
    released = release_lot(
        actor=user, lot=lot_named(number, user), password=password, otp=otp, reason=reason, version=version
    )
    emit(lot_document(released), as_json=as_json, text=_lot_text)


@lot.command("show")
@click.argument("number")
@READER
@json_option
@handled
def show(number: str, username: str | None, as_json: bool) -> None:
    """Show a lot: its state, quantity and what remains."""
    setup_django()
    from atmp.trace.api.documents import lot_document
    from atmp.trace.selectors.lookups import lot_named

    emit(lot_document(lot_named(number, reader(username))), as_json=as_json, text=_lot_text)


@lot.command("list")
@as_option
@click.option("--status", default=None, help="quarantine, released, rejected, expired, consumed or recalled.")
@click.option("--material", default=None, help="Lots whose number, supplier's lot or material code contains this.")
@click.option("--limit", type=click.IntRange(1, 500), default=50)
@json_option
@handled
def list_(username: str, status: str | None, material: str | None, limit: int, as_json: bool) -> None:
    """List the lots of your sites, most recently received first."""
    setup_django()
    from atmp.lists import api_page
    from atmp.trace.selectors.lists import LOTS

    raw = {"limit": str(limit), **({"status": status} if status else {}), **({"q": material} if material else {})}
    page = api_page(LOTS, reader(username), raw)
    emit(
        page,
        as_json=as_json,
        text=lambda d: (
            "\n".join(
                f"{x['number']:<16} {x['material']:<12} {x['status']:<11} {x['quantity']} {x['unit']}"
                for x in d["items"]
            )
            or "no lots"
        ),
    )
