"""The CLI's one output helper: JSON on stdout with --json, readable text otherwise, errors to stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import click

EXIT_FAILED_CHECK = 1
EXIT_BAD_INPUT = 2


def emit(data: Any, *, as_json: bool, text: Callable[[Any], str] | str | None = None) -> None:
    """Print one JSON document (with --json) or the human-readable text."""
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if text is None:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    elif callable(text):
        click.echo(text(data))
    else:
        click.echo(text)


def fail(message: str, *, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print an error naming the problem to stderr and exit (2: bad input, 1: a failed check)."""
    click.echo(f"atmp: error: {message}", err=True)
    sys.exit(code)


def interactive() -> bool:
    """Return True when stderr is a terminal (progress bars show only then)."""
    return sys.stderr.isatty()
