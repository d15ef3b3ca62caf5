"""`atmp lab disposition …`: the QP's checks of a batch, and certify, release-conditionally, reject, show."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from atmp.cli.base import as_option, handled, json_option, otp_option, setup_django, user_and_password
from atmp.cli.base import your_password_file_option as PASSWORD_FILE
from atmp.cli.output import emit
from atmp.lab.cli import lab
from atmp.trace.cli.common import READER, reader


def _text(d: dict[str, Any]) -> str:
    lines = [f"batch {d['batch']}: {d['state']}" + (f" ({d['record']})" if d["record"] else "")]
    for c in d["checks"]:
        lines.append(f"  [{c['state']:>7}] {c['title']}: {c['message']}")
    for p in d["pending"]:
        lines.append(f"  pending: {p['position']} {p['attribute']} expected {p['expected_on']}")
    for a in d.get("arrived", []):
        verdict = {True: "conforms", False: "DOES NOT CONFORM", None: "report"}[a["conforms"]]
        lines.append(
            f"  arrived: {a['position']} {a['attribute']} on {a['arrived_on']} (result {a['result']}): {verdict}"
        )
    for a in d["alerts"]:
        lines.append(f"  ALERT {a['record']}: {a['message']}")
    return "\n".join(lines)


def _batch(number: str, user: Any) -> Any:
    from atmp.lab.services.disposition import find_disposition_batch

    return find_disposition_batch(number, user=user)


@lab.group("disposition")
def disposition() -> None:
    """The QP's disposition of a batch (EU GMP Part IV ch. 11, Annex 16): checks, certify, conditional release, reject.

    \b
    Examples:
      atmp lab disposition checks B-2026-0001 --json
      atmp lab disposition certify B-2026-0001 --as petra --reason "all checks pass"
      atmp lab disposition release-conditionally B-2026-0001 --as petra --expected "Sterility=2026-12-20" \\
          --reason "the patient cannot wait for the 14-day sterility test"
      atmp lab disposition reject B-2026-0001 --as petra --reason "potency out of trend"
    """


@disposition.command("checks")
@click.argument("batch")
@READER
@json_option
@handled
def checks_command(batch: str, username: str, as_json: bool) -> None:
    """Show the certification checks of BATCH, each ok, failed or pending with what is missing (exit 1 if any fail)."""
    setup_django()
    from atmp.lab.services.disposition import document

    doc = document(_batch(batch, reader(username)))
    emit(doc, as_json=as_json, text=_text)
    if not doc["certifiable"]:
        raise click.exceptions.Exit(1)


@disposition.command("show")
@click.argument("batch")
@READER
@json_option
@handled
def show(batch: str, username: str, as_json: bool) -> None:
    """Show the disposition of BATCH: its state, the checks, the pending tests and any late-result alert."""
    setup_django()
    from atmp.lab.services.disposition import document

    emit(document(_batch(batch, reader(username))), as_json=as_json, text=_text)


def _signed(name: str, batch: str, username: str, reason: str, otp: str | None, password_file: Path | None,
            as_json: bool, **extra: Any) -> None:  # fmt: skip
    setup_django()
    from atmp.lab.services import disposition as svc

    user, password = user_and_password(username, password_file)
    found = _batch(batch, user)
    getattr(svc, name)(actor=user, batch=found, password=password, otp=otp, reason=reason, **extra)
    emit(svc.document(found), as_json=as_json, text=_text)


@disposition.command("certify")
@click.argument("batch")
@as_option
@click.option("--reason", default="", help="Why (recorded in the ledger).")
@otp_option
@PASSWORD_FILE
@json_option
@handled
def certify(batch: str, username: str, reason: str, otp: str | None, password_file: Path | None, as_json: bool) -> None:
    """Certify BATCH, signed 'QP certified'; refused (exit 2) naming every check that does not pass."""
    _signed("certify", batch, username, reason, otp, password_file, as_json)


@disposition.command("release-conditionally")
@click.argument("batch")
@as_option
@click.option(
    "--expected",
    "expected",
    multiple=True,
    metavar="TEST=YYYY-MM-DD",
    help="A pending test (attribute name or position) and the date its result is expected (repeat for each).",
)
@click.option("--reason", required=True, help="Why the batch is released before every result is in.")
@otp_option
@PASSWORD_FILE
@json_option
@handled
def release_conditionally(
    batch: str, username: str, expected: tuple[str, ...], reason: str, otp: str | None, password_file: Path | None,
    as_json: bool,
) -> None:  # fmt: skip
    """Release BATCH before every result is in, listing each pending test with its expected date (signed)."""
    from atmp.accounts.errors import InvalidInput

    dates: dict[str, str] = {}
    for item in expected:
        test, sep, day = item.rpartition("=")
        if not sep or not test.strip():
            raise InvalidInput("expected", f"{item!r}: write TEST=YYYY-MM-DD")
        dates[test.strip()] = day.strip()
    _signed("release_conditionally", batch, username, reason, otp, password_file, as_json, expected=dates)


@disposition.command("reject")
@click.argument("batch")
@as_option
@click.option("--reason", required=True, help="Why the batch is rejected.")
@otp_option
@PASSWORD_FILE
@json_option
@handled
def reject(batch: str, username: str, reason: str, otp: str | None, password_file: Path | None, as_json: bool) -> None:
    """Reject BATCH (the QP's signed decision)."""
    _signed("reject", batch, username, reason, otp, password_file, as_json)
