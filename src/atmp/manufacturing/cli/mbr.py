"""`atmp manufacturing mbr …`: master batch records drafted from a JSON file, shown, exported, copied,
and made effective by QA (signed)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from atmp.cli.base import as_option, handled, json_option, otp_option, setup_django, user_and_password
from atmp.cli.base import your_password_file_option as PASSWORD_FILE
from atmp.cli.output import emit
from atmp.manufacturing.cli import manufacturing
from atmp.trace.cli.common import REASON, actor, reader, write
from atmp.trace.units import display

FILE = click.option(
    "--file",
    "path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The JSON document: {title, steps: [...]} (docs/manufacturing.md).",
)


def _read(path: Path) -> Any:
    from atmp.accounts.errors import InvalidInput

    try:
        # Decimals as written: 37.5 stays 37.5, never a float's neighbour.
        return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput("file", f"{path.name} is not a JSON document: {exc}") from None


def _text(d: dict[str, Any]) -> str:
    head = (
        f"MBR {d['number']} of {d['product']} process v{d['process_number']} at {d['site']} "
        f"(id {d['id']}, {d['status']}): {d['title']}"
    )
    lines = [head]
    for s in d["steps"]:
        flags = [f"grade {s['room_grade']}" if s["room_grade"] else "no grade"]
        flags += [", ".join(s["equipment_classes"])] if s["equipment_classes"] else []
        flags += ["parallel with the step before"] if s["parallel_with_previous"] else []
        flags += ["verified"] if s["verification"] else []
        lines.append(f"  {s['number']:>4}  {s['title']}  ({'; '.join(flags)})")
        lines += [f"        SOP {x['document']}" for x in s["sops"]]
        lines += [
            f"        CPP {p['name']} [{display(p['unit'])}]: NOR {p['nor_low'] or '…'}–{p['nor_high'] or '…'}, "
            f"PAR {p['par_low'] or '…'}–{p['par_high'] or '…'}"
            for p in s["parameters"]
        ]
        lines += [
            f"        IPC {c['name']} [{display(c['unit'])}]: {c['low'] or '…'}–{c['high'] or '…'}"
            for c in s["controls"]
        ]
        lines += [
            f"        BOM {m['material']} {m['quantity']} {display(m['unit'])} ± {m['tolerance_percent']} %"
            + (" (verified)" if m["verification"] else "")
            for m in s["materials"]
        ]
    return "\n".join(lines)


def _find(mbr_id: int, user: Any) -> Any:
    from atmp.manufacturing.services.mbr import find_mbr

    return find_mbr(mbr_id, user=user)


@manufacturing.group("mbr")
def mbr() -> None:
    """Master batch records: drafted from a JSON file per process version, made effective by QA (signed).

    \b
    Examples:
      atmp manufacturing mbr add --process 2 --file mbr.json --as rita
      atmp manufacturing mbr show 1 --as rita --json > mbr.json      # the same document back
      atmp manufacturing mbr effective 1 --as alex --reason "approved"
      atmp manufacturing mbr copy 1 --process 3 --as rita --reason "for process v2"
      atmp manufacturing mbr list --product AAV9-SMN --as rita --json
    """


@mbr.command("add")
@click.option("--process", "process_id", required=True, type=int, help="The process version's record id.")
@FILE
@REASON
@write
@handled
def add(process_id: int, path: Path, reason: str, **auth: Any) -> None:
    """Draft the next master batch record of a process version from a JSON file (checked whole first)."""
    setup_django()
    from atmp.manufacturing.api.mbr import mbr_document
    from atmp.manufacturing.services import mbr as svc

    user = actor(auth)
    document = _read(path)
    made = svc.add_mbr(
        actor=user, process_version=svc.find_process_version(process_id, user=user), document=document, reason=reason
    )
    emit(mbr_document(made), as_json=auth["as_json"], text=_text)


@mbr.command("edit")
@click.argument("mbr_id", type=int)
@FILE
@click.option("--reason", required=True, help="Why the content changes (recorded in the ledger).")
@write
@handled
def edit(mbr_id: int, path: Path, reason: str, **auth: Any) -> None:
    """Replace a draft's title and content with a JSON file (refused once it is effective: frozen)."""
    setup_django()
    from atmp.manufacturing.api.mbr import mbr_document
    from atmp.manufacturing.services import mbr as svc

    user = actor(auth)
    found = _find(mbr_id, user)
    svc.replace_content(actor=user, mbr=found, document=_read(path), reason=reason)
    emit(mbr_document(found), as_json=auth["as_json"], text=_text)


@mbr.command("copy")
@click.argument("mbr_id", type=int)
@click.option("--process", "process_id", type=int, default=None, help="Another process version of its product.")
@click.option("--title", default=None, help="The new version's title (default: the same).")
@REASON
@write
@handled
def copy(mbr_id: int, process_id: int | None, title: str | None, reason: str, **auth: Any) -> None:
    """Draft a new version as a copy of a master batch record."""
    setup_django()
    from atmp.manufacturing.api.mbr import mbr_document
    from atmp.manufacturing.services import mbr as svc

    user = actor(auth)
    target = svc.find_process_version(process_id, user=user) if process_id else None
    made = svc.copy_mbr(actor=user, source=_find(mbr_id, user), process_version=target, title=title, reason=reason)
    emit(mbr_document(made), as_json=auth["as_json"], text=_text)


@mbr.command("effective")
@click.argument("mbr_id", type=int)
@as_option
@click.option("--reason", required=True, help="Why it becomes effective (recorded in the ledger).")
@otp_option
@PASSWORD_FILE
@json_option
@handled
def effective(
    mbr_id: int, username: str, reason: str, otp: str | None, password_file: Path | None, as_json: bool
) -> None:
    """Make a master batch record effective with your signature 'approved' (QA); the one before is superseded."""
    setup_django()
    from atmp.manufacturing.api.mbr import mbr_document
    from atmp.manufacturing.services.mbr import make_effective

    user, password = user_and_password(username, password_file)
    done = make_effective(actor=user, mbr=_find(mbr_id, user), password=password, otp=otp, reason=reason)
    emit(mbr_document(done), as_json=as_json, text=_text)


@mbr.command("show")
@click.argument("mbr_id", type=int)
@as_option
@click.option("--ids", is_flag=True, help="With --json: the record with every row's id, not the authoring document.")
@json_option
@handled
def show(mbr_id: int, username: str, ids: bool, as_json: bool) -> None:
    """Show a master batch record; with --json, its authoring document (what `add --file` reads)."""
    setup_django()
    from atmp.manufacturing.api.mbr import mbr_document
    from atmp.manufacturing.selectors.mbr import document_of

    found = _find(mbr_id, reader(username))
    if as_json and not ids:
        emit(document_of(found), as_json=True)
        return
    emit(mbr_document(found), as_json=as_json, text=_text)


@mbr.command("list")
@as_option
@click.option("--product", "product_code", default=None, help="Only this product's (its code).")
@click.option("--process", "process_id", type=int, default=None, help="Only this process version's (its id).")
@click.option("--state", default=None, help="draft, effective, superseded or withdrawn.")
@click.option("--limit", type=click.IntRange(1, 500), default=500)
@json_option
@handled
def list_records(
    username: str, product_code: str | None, process_id: int | None, state: str | None, limit: int, as_json: bool
) -> None:
    """List the master batch records of your sites."""
    setup_django()
    from atmp.lists import api_page
    from atmp.manufacturing.selectors.mbr import MASTER_RECORDS

    raw = {"limit": str(limit)}
    raw |= {"product": product_code} if product_code else {}
    raw |= {"process": str(process_id)} if process_id else {}
    raw |= {"status": state} if state else {}
    page = api_page(MASTER_RECORDS, reader(username), raw)
    emit(
        page,
        as_json=as_json,
        text=lambda d: (
            "\n".join(
                f"{i['product']}  v{i['process_version']}  MBR {i['number']}  {i['status']}  {i['title']}"
                for i in d["items"]
            )
            or "none"
        ),
    )
