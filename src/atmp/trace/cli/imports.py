"""`atmp trace import FILE.jsonl`: a genealogy migrated from an ERP or LIMS, checked whole, then imported whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from atmp.cli.base import handled, setup_django
from atmp.cli.output import emit, fail, json_text, progress_bar
from atmp.trace.cli import trace
from atmp.trace.cli.common import write


@trace.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--site", required=True, help="The site's code: the lots and persons belong to it.")
@click.option("--dry-run", is_flag=True, help="Check every line and print the counts; write nothing.")
@write
@handled
def import_(file: Path, site: str, dry_run: bool, **auth: Any) -> None:
    """Import materials, lots, uses, donors, patients and administrations from a JSON Lines file.

    \b
    One JSON object per line, its "kind" one of:
      {"kind": "material", "code": "PLASMID-GAG", "name": "gag/pol plasmid", "type": "plasmid", "unit": "mg"}
      {"kind": "lot", "id": "PL-0001", "material": "PLASMID-GAG", "quantity": "50", "unit": "mg",
       "status": "released", "expiry": "2027-06-30"}
      {"kind": "use", "input": "PL-0001", "output": "VEC-0001", "quantity": "2", "unit": "mg"}
      {"kind": "patient", "coi": "LEI-P-000001-X", "name": "…", "birth_date": "1970-01-31"}
      {"kind": "administration", "lot": "DP-0001", "patient": "LEI-P-000001-X",
       "at": "2026-11-30T10:00:00+01:00", "quantity": 1, "unit": "{bag}"}
    docs/traceability.md describes every field; an administration without a quantity
    takes one container (bags, vials) or all that remains of the lot. A line names only
    records defined on an earlier line or already stored. Every line is checked first: if any is bad, each bad
    line is printed with its number, field and rule, the exit code is 2, and nothing is
    imported. Otherwise everything is imported in one change (every record with its own
    ledger entry, action "import", the reason naming the file's SHA-256); personal data is
    sealed, never in the ledger. Lots imported released, rejected, expired, consumed or
    recalled need a QA role (quality.decide); personal data needs identity.manage.

    \b
    Examples:
      atmp trace import migration.jsonl --site LEI --dry-run --as alex
      atmp trace import migration.jsonl --site LEI --as alex --json
    """
    setup_django()
    from atmp.accounts import services as accounts
    from atmp.trace.cli.common import actor, sealed_call
    from atmp.trace.services.imports import ImportRefused, import_lines

    user = actor(auth)
    place = accounts.find_site(site)
    data = file.read_bytes()
    try:
        with progress_bar("importing") as progress:
            # Personal data is sealed as `trace person add` seals it: a missing key is refused likewise.
            summary = sealed_call(
                lambda: import_lines(actor=user, site=place, data=data, dry_run=dry_run, progress=progress)
            )
    except ImportRefused as refused:
        if auth["as_json"]:
            click.echo(
                json_text(
                    {
                        "imported": False,
                        "errors": [{"line": e.line, "field": e.field, "rule": e.rule} for e in refused.errors],
                        "more": refused.more,
                    }
                )
            )
        for error in refused.errors:
            click.echo(f"{file.name}: {error}", err=True)
        more = f" (and {refused.more} more)" if refused.more else ""
        fail(f"{len(refused.errors)} bad line{'' if len(refused.errors) == 1 else 's'}{more}: nothing imported")
    emit(summary.as_dict(), as_json=auth["as_json"], text=_summary_text)


def _summary_text(d: dict[str, Any]) -> str:
    counts = ", ".join(f"{n} {kind}{'' if n == 1 else 's'}" for kind, n in d["counts"].items() if n)
    if d["dry_run"]:
        return f"checked {d['lines']} lines: would import {counts or 'nothing'} (nothing written)"
    return (
        f"imported {counts or 'nothing'} from {d['lines']} lines in {d['elapsed_s']:.1f} s "
        f"({d['entries']} ledger entries; file SHA-256 {d['sha256']})"
    )
