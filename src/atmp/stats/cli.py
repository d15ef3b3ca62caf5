"""`atmp stats …`: one command per analysis of the catalogue, generated from its declared options."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from atmp.cli.output import EXIT_FAILED_CHECK, as_printed, fail
from atmp.stats.analyses import WHERE, analysis
from atmp.stats.catalogue import Analysis, Param, example_files, run
from atmp.stats.errors import StatsInputError
from atmp.stats.report import ComputationError, shown
from atmp.stats.table import FILE, Table

EPILOG = "Results computed here are not GMP records: the modules that use them store and sign them."


class AnalysisGroup(click.Group):
    """The `stats` group: a command per analysis, built when asked for (loading only its module)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Return the analyses and the group's own commands."""
        return sorted({*WHERE, *super().list_commands(ctx)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Return a command of the group, or the command of an analysis."""
        if cmd_name in WHERE:
            return _command(analysis(cmd_name))
        return super().get_command(ctx, cmd_name)


@click.group(cls=AnalysisGroup)
def stats() -> None:
    """Statistics of a regulated CMC lab: shelf life, equivalence, tolerance, trends, clearance, signals.

    Each analysis reads a CSV file with a header row (or takes its numbers as options), prints a
    readable summary or, with --json, one JSON document whose "provenance" says how to reproduce it.
    `atmp stats examples --out DIR` writes the published example data sets used in docs/statistics.md.
    """


def _flag_of(analysis: Analysis, field: str) -> str:
    names = {p.name: p.flag for p in analysis.params}
    return names.get(field, "FILE" if field == FILE else field)


def _command(analysis: Analysis) -> click.Command:
    def callback(file: Path | None = None, as_json: bool = False, plot: Path | None = None, **raw: Any) -> None:
        try:
            table = Table.from_path(file) if file is not None else None
            result = run(analysis, raw, table, plot=plot is not None)
        except StatsInputError as exc:
            fail(f"{_flag_of(analysis, exc.field)}: {exc.message}")
        except ComputationError as exc:
            fail(f"internal error, please report it: {exc}", code=EXIT_FAILED_CHECK)
        if plot is not None:
            if result.svg is None:  # e.g. a tolerance factor without data: there is nothing to draw
                fail("--plot: this result has no plot")
            try:
                plot.write_text(result.svg, encoding="utf-8")
            except OSError as exc:
                fail(f"--plot: cannot write {plot}: {exc.strerror}")
        if as_json:
            click.echo(as_printed(result.json))  # already encoded (and checked) once by run()
        else:
            click.echo(as_text(result.document))

    params: list[click.Parameter] = []
    if analysis.file != "none":
        params.append(
            click.Argument(
                ["file"], required=analysis.file == "required", type=click.Path(dir_okay=False, path_type=Path)
            )
        )
    params.extend(_option(p) for p in analysis.params)
    params.append(click.Option(["--json", "as_json"], is_flag=True, help="Print one JSON document."))
    if analysis.plots:
        params.append(
            click.Option(
                ["--plot"], type=click.Path(dir_okay=False, path_type=Path), help="Also draw the result as SVG."
            )
        )
    return click.Command(
        name=analysis.name,
        callback=callback,
        params=params,
        help=f"{analysis.title}: {analysis.summary}\n\nSource: {analysis.source}.",
        short_help=analysis.summary,
        epilog=EPILOG,
    )


def _option(p: Param) -> click.Option:
    # Values reach the catalogue as text, so every entry point refuses bad input with the same words.
    if p.kind == "flag":
        return click.Option([p.flag, p.name], is_flag=True, default=None, help=p.help)
    default = f" [default: {p.default}]" if p.default is not None else ""
    choices = f" ({'|'.join(p.choices)})" if p.choices else ""
    metavar = p.metavar or {"column": "COL", "text": "NAME", "floats": "V1,V2,…", "int": "N"}.get(p.kind, "X")
    return click.Option([p.flag, p.name], type=str, default=None, metavar=metavar, help=p.help + choices + default)


def as_text(document: dict[str, Any]) -> str:
    """Return a result as indented `key: value` lines, the provenance last."""
    lines: list[str] = []
    body = {k: v for k, v in document.items() if k != "provenance"}
    _lines(body, lines, 0)
    if "provenance" in document:
        lines.append("provenance:")
        _lines(document["provenance"], lines, 1)
    return "\n".join(lines)


def _lines(value: Any, out: list[str], depth: int) -> None:
    pad = "  " * depth
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item and not _flat_list(item):
                out.append(f"{pad}{key}:")
                _lines(item, out, depth + 1)
            else:
                out.append(f"{pad}{key}: {shown(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                first, *rest = list(item.items()) or [("", "")]
                out.append(f"{pad}- {first[0]}: {shown(first[1])}")
                _lines(dict(rest), out, depth + 1)
            else:
                out.append(f"{pad}- {shown(item)}")


def _flat_list(value: Any) -> bool:
    return isinstance(value, list) and all(not isinstance(v, dict | list) for v in value)


@stats.command()
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Write the files into this folder."
)
def examples(out: Path) -> None:
    """Write the example data sets (published examples the tests reproduce) as CSV files."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, data in sorted(example_files().items()):
            (out / name).write_bytes(data)
            click.echo(str(out / name))
    except OSError as exc:
        fail(f"--out: cannot write into {out}: {exc.strerror}")
