"""`atmp lab coa BATCH`: a batch's certificate of analysis, as PDF/A-3b (--out) or as its document (--json)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from atmp.cli.base import as_option, handled, json_option, setup_django
from atmp.cli.output import emit
from atmp.lab.cli import lab
from atmp.trace.cli.common import reader


def _text(d: dict[str, Any]) -> str:
    if "file" in d:
        return f"certificate of analysis of batch {d['batch']} written to {d['file']} ({d['bytes']:,} bytes)"
    lines = [f"batch {d['batch']}  {d['product']}  {(d['specification'] or {}).get('title', 'no specification')}"]
    for a in d["attributes"]:
        shown = "pending" if a["pending"] else f"{a['reported']} {a['unit']}".strip()
        lines.append(f"  {a['position']}. {a['attribute']}: {shown} ({a['criterion']}) {a['conformity']}")
    lines.append(d["statement"])
    return "\n".join(lines)


@lab.command("coa")
@click.argument("batch_number")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="The PDF file to write.")
@as_option
@json_option
@handled
def coa(batch_number: str, out: Path | None, username: str, as_json: bool) -> None:
    """Write a batch's certificate of analysis as PDF/A-3b (--out), or print it; pending results show as pending.

    \b
    Example:
      atmp lab coa AAV-001-2026-0001 --out coa.pdf --as quinn
    """
    setup_django()
    from atmp.lab.api.results import coa_json
    from atmp.lab.coa import coa_pdf
    from atmp.manufacturing.services.batches import find_batch

    user = reader(username)
    found = find_batch(batch_number, user=user)
    if out is None:
        emit(coa_json(found), as_json=as_json, text=_text)
        return
    data = coa_pdf(user, found)
    out.write_bytes(data)
    emit({"batch": found.number, "file": str(out), "bytes": len(data)}, as_json=as_json, text=_text)
