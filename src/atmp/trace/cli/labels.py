"""`atmp trace label …`, `atmp trace label-setup …`, `atmp trace scan …`: print a lot's label, set a
site's label sizes, read a scan back to its lot and person."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from atmp.cli.base import handled, json_option, setup_django
from atmp.cli.output import emit
from atmp.trace.cli import trace
from atmp.trace.cli.common import READER, REASON, actor, reader, write


@trace.command("label")
@click.argument("lot")
@click.option(
    "--size", default=None, help="One of the site's label sizes, e.g. 50x25mm or 4x6in (default: the site's)."
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The file to write: FILE.pdf or FILE.png (300 dpi); its suffix says which.",
)
@READER
@json_option
@handled
def label(lot: str, size: str | None, out: Path, username: str | None, as_json: bool) -> None:
    """Print a lot's label (its COI if patient-specific, identifiers, GS1 DataMatrix or ISBT 128 symbols).

    \b
    Examples:
      atmp trace label L-0042 --out l-0042.pdf
      atmp trace label L-0042 --size 50x25mm --out l-0042.png
    """
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("pdf", "png"):
        raise click.BadParameter(f"{out.name}: the file name ends in .pdf or .png", param_hint="--out")
    setup_django()
    from atmp.trace.selectors.labels import render_label
    from atmp.trace.selectors.lookups import lot_named

    data, chosen = render_label(lot_named(lot, reader(username)), size=size, fmt=fmt)
    out.write_bytes(data)
    document = {"lot": lot, "size": chosen.name, "format": fmt, "file": str(out), "bytes": len(data)}
    emit(document, as_json=as_json, text=lambda d: f"label of lot {d['lot']} ({d['size']}, {d['format']}): {d['file']}")


@trace.command("label-setup")
@click.argument("site")
@click.option("--size", "sizes", multiple=True, required=True, help="A label size, e.g. 50x25mm; repeat for each.")
@click.option("--default", "default_size", default=None, help="The default size (the first --size if not given).")
@click.option("--isbt128/--no-isbt128", default=False, help="Whether the site labels its products per ISBT 128.")
@REASON
@write
@handled
def label_setup(
    site: str, sizes: tuple[str, ...], default_size: str | None, isbt128: bool, reason: str, **auth: Any
) -> None:
    """Set the label sizes a site prints on, the default one, and whether it labels per ISBT 128.

    \b
    Example:
      atmp trace label-setup LEI --size 50x25mm --size 100x50mm --size 4x6in --default 100x50mm \\
          --as rita --reason "Zebra printers in the clean room and at dispatch"
    """
    setup_django()
    from atmp.accounts import services as accounts
    from atmp.trace.api.labels import setup_document
    from atmp.trace.selectors.labels import setup_of
    from atmp.trace.services.labels import set_up_labels

    found = accounts.find_site(site)
    set_up_labels(
        actor=actor(auth),
        site=found,
        sizes=list(sizes),
        default_size=default_size,
        isbt128=isbt128,
        reason=reason,
    )
    emit(
        setup_document(found.code, setup_of(found.pk)),
        as_json=auth["as_json"],
        text=lambda d: (
            f"site {d['site']}: {', '.join(d['sizes'])} (default {d['default_size']})"
            + ("; ISBT 128" if d["isbt128"] else "")
        ),
    )


@trace.command("scan")
@click.argument("data")
@READER
@json_option
@handled
def scan_(data: str, username: str | None, as_json: bool) -> None:
    """Read a scan back to the lot and person it names: a lot number, a COI, a GS1 element string or
    ISBT 128 data structures (in bash, $'…\\x1d…' types the group separator).

    \b
    Example:
      atmp trace scan $'010950110153000317261231240LEI-P-000123-I\\x1d10L-0042' --json
    """
    setup_django()
    from atmp.trace.selectors import scan

    found = scan.read(data, viewer=reader(username))

    def text(d: dict[str, Any]) -> str:
        return f"{d['kind']}: lot {d['lot'] or '—'}, COI {d['coi'] or '—'}"

    emit(found.document(), as_json=as_json, text=text)
