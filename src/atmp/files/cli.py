"""`atmp files …`: attach a file to a record, list a record's files, fetch one. Thin over the services.

Attaching is a GMP change made by a person: `--as USERNAME` names them and their password is
asked (or read from --password-file / $ATMP_PASSWORD), as for a signature on the command line.
Reading needs shell access to the server only, like `atmp ledger`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from atmp.cli.base import actor_options, authenticated_user, handled, json_option, setup_django
from atmp.cli.output import emit

JSON = json_option


@click.group()
def files() -> None:
    """Stored files: attach a file to a record, list a record's files, fetch one."""


@files.command("add")
@click.argument("record_ref", metavar="TYPE:ID")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reason", required=True, help="Why the file is attached (recorded in the ledger).")
@click.option("--note", default="", help="A note shown beside the file.")
@click.option("--name", default=None, help="The file name to keep (default: the file's own name).")
@actor_options("the ledger names you as the actor")
@JSON
@handled
def add(
    record_ref: str,
    path: Path,
    reason: str,
    note: str,
    name: str | None,
    username: str,
    otp: str | None,
    password_file: Path | None,
    as_json: bool,
) -> None:
    """Store the file at PATH and attach it to the record TYPE:ID (e.g. accounts.site:1)."""
    setup_django()
    from atmp.accounts import services as accounts
    from atmp.files import selectors, services

    record_type, record_id = services.parse_record_ref(record_ref)
    services.find_record(actor=accounts.find_user(username), record_type=record_type, record_id=record_id)
    actor = authenticated_user(username, password_file=password_file, otp=otp)
    record = services.find_record(actor=actor, record_type=record_type, record_id=record_id)
    with path.open("rb") as stream:
        attachment = services.store_and_attach(
            actor=actor,
            record=record,
            stream=stream,
            name=name or path.name,
            size=path.stat().st_size,
            note=note,
            reason=reason,
        )
    emit(selectors.attachment_document(attachment), as_json=as_json, text=_attached)


@files.command("list")
@click.argument("record_ref", metavar="TYPE:ID")
@click.option("--detached", is_flag=True, help="Also list files detached from the record.")
@JSON
@handled
def list_files(record_ref: str, detached: bool, as_json: bool) -> None:
    """List the files attached to the record TYPE:ID."""
    setup_django()
    from atmp.accounts.errors import InvalidInput
    from atmp.files import selectors, services
    from atmp.ledger.records import model_for

    record_type, record_id = services.parse_record_ref(record_ref)
    model = model_for(record_type)
    record = model._base_manager.filter(pk=record_id).first() if model and record_id.isdecimal() else None
    if record is None:
        raise InvalidInput("record", f"there is no record {record_type}:{record_id}")
    rows = [selectors.attachment_document(a) for a in selectors.attachments_of(record, with_detached=detached)]
    emit({"record": record.record_key, "attachments": rows}, as_json=as_json, text=_table)


@files.command("get")
@click.argument("file_id", type=int)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Write it here.")
@JSON
@handled
def get(file_id: int, out: Path, as_json: bool) -> None:
    """Write the stored file FILE_ID to --out (refused if that file exists: nothing is overwritten)."""
    setup_django()
    from atmp.accounts.errors import InvalidInput
    from atmp.files import selectors, services, storage
    from atmp.files.models import StoredFile

    stored = StoredFile._base_manager.filter(pk=file_id).first()
    if stored is None:
        raise InvalidInput("file", f"there is no stored file {file_id}")
    blob = services.open_blob(stored)
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        blob.close()
        raise InvalidInput("out", f"{out} exists: atmp does not overwrite it") from None
    with os.fdopen(fd, "wb") as target:
        for chunk in storage.chunks(blob):
            target.write(chunk)
    emit({**selectors.file_document(stored), "out": str(out)}, as_json=as_json, text=lambda d: f"wrote {d['out']}")


def _attached(d: dict[str, Any]) -> str:
    f = d["file"]
    return f"attached {f['name']} ({f['size']:,} bytes, sha256 {f['sha256'][:12]}…) to {d['record']} as file {f['id']}"


def _table(d: dict[str, Any]) -> str:
    if not d["attachments"]:
        return f"no files attached to {d['record']}"
    lines = []
    for a in d["attachments"]:
        f = a["file"]
        state = " (detached)" if a["detached"] else ""
        lines.append(f"{f['id']:>6} {f['name']:<32} {f['size']:>12,} {f['sha256'][:12]} {a['attached_by']}{state}")
    return "\n".join(lines)
