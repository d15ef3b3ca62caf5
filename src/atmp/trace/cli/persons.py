"""`atmp trace person add|reveal|find|correct|erase` and `atmp trace identity rekey`: personal data on the command line.

The `person` group is the one of atmp.trace.cli.genealogy; its `add` is replaced here by one that
takes the same options and, besides, the person's personal data (sealed in the same change).

A command line is seen by others on the machine (`ps`) and kept in the shell's history: give the
personal data in a file (`--identity-file FILE`, or `-` for stdin) rather than as options where
that matters. Only `reveal` prints personal data, and only to the person who asked for it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from atmp.cli.base import actor_options, authenticated_user, handled, json_option, setup_django
from atmp.cli.output import emit, fail
from atmp.trace.cli import trace
from atmp.trace.cli.common import sealed_call
from atmp.trace.cli.genealogy import person

IDENTITY_FIELDS = ("name", "birth_date", "hospital_number")


PERSON_HELP = """Donors and patients: a COI code each; their personal data sealed apart.

    Personal data is registered, corrected and shown only by a Chain-of-Identity Coordinator (a PV
    Officer may see it too), and every reveal and search is recorded in the ledger with the reader,
    the COI and the purpose they give.

    \b
    Examples:
      atmp trace person add --kind patient --site LEI --identity-file jane.json --as cora --json
      atmp trace person reveal LEI-P-000001-1 --purpose "label check before infusion" --as cora
      atmp trace person find --hospital-number UZL-7731942 --purpose "registration check" --as cora
    """
person.help = PERSON_HELP


def _identity_options(command: Any) -> Any:
    for option in reversed(
        (
            click.option("--name", default=None, help="The person's name as written by the hospital."),
            click.option("--birth-date", default=None, help="Date of birth, e.g. 1961-04-17."),
            click.option("--hospital-number", default=None, help="The hospital's number for the person."),
            click.option(
                "--identity-file",
                type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
                default=None,
                help='A JSON object {"name", "birth_date", "hospital_number"} ("-": stdin); '
                "keeps the data out of the process list and the shell's history.",
            ),
        )
    ):
        command = option(command)
    return command


def _identity_values(opts: dict[str, Any]) -> dict[str, Any]:
    """Return the personal data given as options, or in the identity file (not both)."""
    given = {k: opts.pop(k) for k in IDENTITY_FIELDS}
    path = opts.pop("identity_file")
    values = {k: v for k, v in given.items() if v is not None}
    if path is not None:
        if values:
            fail(f"identity-file: give the personal data in the file or as options, not both ({', '.join(values)})")
        values = _read_identity_file(path)
    return values


def _require_all(values: dict[str, Any]) -> None:
    """Refuse personal data with a field missing (a registration takes all of it, or none)."""
    missing = [k for k in IDENTITY_FIELDS if k not in values]
    if missing:
        option = "--" + missing[0].replace("_", "-")
        fail(f"{missing[0]}: required with the other personal data ({option}, or in --identity-file)")


def _read_identity_file(path: Path) -> dict[str, Any]:
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
        data = json.loads(text)
    except OSError as exc:
        fail(f"identity-file: {path}: {exc.strerror}")
    except (ValueError, UnicodeDecodeError):
        fail(f"identity-file: {path} is not a JSON object")
    if not isinstance(data, dict):
        fail(f"identity-file: {path} is not a JSON object")
    unknown = sorted(set(data) - set(IDENTITY_FIELDS))
    if unknown:
        fail(f"identity-file: {unknown[0]} is not a personal data field; the fields: {', '.join(IDENTITY_FIELDS)}")
    return {k: v for k, v in data.items() if v is not None}


def _person(coi: str, user: Any) -> Any:
    from atmp.trace.services.persons import find_person

    return find_person(coi, user=user)


def _user(opts: dict[str, Any]) -> Any:
    return authenticated_user(opts.pop("username"), password_file=opts.pop("password_file"), otp=opts.pop("otp"))


@click.command("add")
@click.option("--kind", required=True, type=click.Choice(["donor", "patient"]))
@click.option("--site", required=True, help="The site's code: the COI is in its scheme.")
@_identity_options
@click.option("--reason", default="", help="Why (recorded in the ledger; never the person's data).")
@click.option(
    "--not-a-duplicate",
    is_flag=True,
    help="Confirm another person of the same name and birth date as one registered (say why in --reason).",
)
@actor_options("you register the person (with personal data: a Chain-of-Identity Coordinator)")
@json_option
@handled
def add(kind: str, site: str, reason: str, not_a_duplicate: bool, as_json: bool, **opts: Any) -> None:
    """Register a donor or patient, with their personal data sealed if given; prints the new COI."""
    setup_django()
    from atmp.accounts import services as accounts
    from atmp.trace.api.documents import person_document
    from atmp.trace.api.identities import identity_summary
    from atmp.trace.services import identities as svc
    from atmp.trace.services.persons import register_person

    values = _identity_values(opts)
    if values or not_a_duplicate:
        _require_all(values)
    user = _user(opts)
    where = accounts.find_site(site)
    if values:
        made = sealed_call(
            lambda: svc.register_person_with_identity(
                actor=user, kind=kind, site=where, reason=reason, not_a_duplicate=not_a_duplicate, **values
            )
        )
    else:
        made = register_person(actor=user, kind=kind, site=where, reason=reason)
    emit({**person_document(made), "identity": identity_summary(made)}, as_json=as_json, text=lambda d: d["coi"])


# Replaces the `add` of atmp.trace.cli.genealogy (same options, same output, plus the personal data).
person.add_command(add)


@person.command("reveal")
@click.argument("coi")
@click.option("--purpose", required=True, help="Why you need the personal data (recorded in the ledger).")
@actor_options("you read the personal data (recorded as the reader)")
@json_option
@handled
def reveal(coi: str, purpose: str, as_json: bool, **opts: Any) -> None:
    """Show a person's personal data; the read is recorded with you, the COI and the purpose."""
    setup_django()
    from atmp.trace.services import identities as svc

    user = _user(opts)
    shown = sealed_call(lambda: svc.reveal(actor=user, person=_person(coi, user), purpose=purpose))
    data = {"coi": shown.coi, **shown.data, "entry_seq": shown.entry_seq}
    emit(data, as_json=as_json, text=_describe_revealed)


def _describe_revealed(d: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"{d['coi']}",
            f"  name:            {d['name']}",
            f"  date of birth:   {d['birth_date']}",
            f"  hospital number: {d['hospital_number']}",
            f"(this read is ledger entry {d['entry_seq']})",
        ]
    )


@person.command("find")
@click.option("--hospital-number", default=None, help="Find by the hospital's number.")
@click.option("--name", default=None, help="Find by name (with --birth-date).")
@click.option("--birth-date", default=None, help="Find by date of birth (with --name).")
@click.option("--purpose", required=True, help="Why you search (recorded in the ledger with the COIs found).")
@actor_options("you search (recorded as the reader)")
@json_option
@handled
def find(purpose: str, as_json: bool, **opts: Any) -> None:
    """Print the COIs of the persons whose hospital number (or name and birth date) match."""
    setup_django()
    from atmp.trace.services import identities as svc

    search = {k: opts.pop(k) for k in IDENTITY_FIELDS}
    user = _user(opts)
    found = sealed_call(lambda: svc.find(actor=user, purpose=purpose, **search))
    items = [{"record": p.record_key, "coi": p.coi, "kind": p.kind, "site": p.site.code} for p in found.persons]
    data = {"items": items, "entry_seq": found.entry_seq}
    emit(
        data,
        as_json=as_json,
        text=lambda d: "\n".join(f"{i['coi']} ({i['kind']}, {i['site']})" for i in d["items"]) or "nobody found",
    )


@person.command("correct")
@click.argument("coi")
@_identity_options
@click.option("--reason", required=True, help="Why (recorded in the ledger; never the person's data).")
@click.option("--version", type=int, default=None, help="The version you saw; refused if the record moved on.")
@actor_options("you correct the personal data (a Chain-of-Identity Coordinator)")
@json_option
@handled
def correct(coi: str, reason: str, version: int | None, as_json: bool, **opts: Any) -> None:
    """Correct some of a person's personal data."""
    setup_django()
    from atmp.trace.api.identities import identity_doc
    from atmp.trace.services import identities as svc

    values = _identity_values(opts)
    user = _user(opts)
    fixed = sealed_call(
        lambda: svc.correct_identity(actor=user, person=_person(coi, user), reason=reason, version=version, **values)
    )
    emit(identity_doc(fixed), as_json=as_json, text=lambda d: f"{d['coi']}: {d['record']} v{d['version']}")


@person.command("erase")
@click.argument("coi")
@click.option("--reason", required=True, help="Why (recorded in the ledger).")
@actor_options("you erase the personal data (a Chain-of-Identity Coordinator)")
@json_option
@handled
def erase(coi: str, reason: str, as_json: bool, **opts: Any) -> None:
    """Destroy a person's data key once their 30-year retention has ended: their data is unreadable for good."""
    setup_django()
    from atmp.trace.api.identities import identity_doc
    from atmp.trace.services import identities as svc

    user = _user(opts)
    done = svc.erase_identity(actor=user, person=_person(coi, user), reason=reason)
    emit(identity_doc(done), as_json=as_json, text=lambda d: f"{d['coi']}: personal data erased ({d['record']})")


@trace.group("identity")
def identity() -> None:
    """The keys of donors' and patients' personal data (docs/personal-data.md)."""


@identity.command("rekey")
@click.option("--reason", required=True, help="Why (recorded in the ledger).")
@actor_options("you rotate the keys (a Chain-of-Identity Coordinator)")
@json_option
@handled
def rekey(reason: str, as_json: bool, **opts: Any) -> None:
    """Re-wrap every data key and re-hash every identity under the keyrings' first (newest) keys.

    Put a new key on top of ATMP_IDENTITY_KEY_FILE and/or ATMP_IDENTITY_HASH_KEY_FILE first; once
    this has run (and `atmp verify` is green), the old key lines can be removed.
    """
    setup_django()
    from atmp.trace.services import identities as svc

    user = _user(opts)
    counts = sealed_call(lambda: svc.rekey(actor=user, reason=reason))
    emit(
        counts,
        as_json=as_json,
        text=lambda d: (
            f"{d['identities']} identities: {d['rewrapped']} data keys re-wrapped, {d['rehashed']} re-hashed"
        ),
    )
