"""The CLI's one output helper: JSON on stdout with --json, readable text otherwise, errors to stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import click

EXIT_FAILED_CHECK = 1
EXIT_BAD_INPUT = 2
# Documents up to this size are indented for people; larger ones (a signal table of a million
# reports) are printed on one line, because only the compact form uses json's C encoder (~3× faster).
INDENT_LIMIT = 1_000_000


def emit(data: Any, *, as_json: bool, text: Callable[[Any], str] | str | None = None) -> None:
    """Print one JSON document (with --json; indented unless it is over INDENT_LIMIT) or the readable text."""
    if as_json:
        click.echo(json_text(data))
        return
    if text is None:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=_json_value))
    elif callable(text):
        click.echo(text(data))
    else:
        click.echo(text)


def json_text(data: Any) -> str:
    """Return the document as --json prints it: indented, or on one line when it is over INDENT_LIMIT."""
    return as_printed(json.dumps(data, ensure_ascii=False, default=_json_value))


def _json_value(value: Any) -> Any:
    """Return dates as ISO 8601 and times as RFC 3339 UTC (what the API prints for the same document)."""
    import datetime as dt

    if isinstance(value, dt.datetime):
        from atmp.ledger.records import rfc3339

        return rfc3339(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def as_printed(compact: str) -> str:
    """Return compact JSON text as --json prints it (indented when it is small enough to read)."""
    return compact if len(compact) > INDENT_LIMIT else json.dumps(json.loads(compact), indent=2, ensure_ascii=False)


def fail(message: str, *, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print an error naming the problem to stderr and exit (2: bad input, 1: a failed check)."""
    click.echo(f"atmp: error: {message}", err=True)
    sys.exit(code)


def interactive() -> bool:
    """Return True when stderr is a terminal (progress bars show only then)."""
    return sys.stderr.isatty()


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None] | None]:
    """Yield a progress callback drawing a bar on stderr when it is a terminal, else None."""
    if not interactive():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
