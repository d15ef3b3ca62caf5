"""How an analysis declares its inputs once, so the CLI, the REST API and the web page all offer the same.

An `Analysis` lists its `Param`s (a CSV column, a number, a flag…) and a `compute` function taking the
parsed options and the table; `run` parses raw options (strings from a form, typed values from the
CLI), computes, and returns the JSON document with its provenance. The entry points are generated
from these declarations, so an option or a rule can never differ between them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from typing import Any, Literal

from atmp.stats.collector import collector_paused
from atmp.stats.errors import StatsInputError, TooLarge
from atmp.stats.report import encode, provenance
from atmp.stats.table import FILE, Table

ParamKind = Literal["column", "text", "float", "int", "flag", "choice", "floats"]
FileUse = Literal["required", "optional", "none"]
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}
# What the server accepts per request unless an analysis declares more: a stability or comparability
# study is a few kilobytes, so 2 MiB is ample, and bounds the memory a parse takes (~40× the file).
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_MAX_ROWS = 50_000


@dataclass(frozen=True)
class Param:
    """One option of an analysis: its name (`batch` is `--batch` on the CLI), kind, help and limits."""

    name: str
    kind: ParamKind
    help: str
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    low: float | None = None  # the smallest allowed value
    high: float | None = None  # the largest allowed value
    open_low: bool = False  # True when `low` itself is not allowed
    open_high: bool = False
    metavar: str | None = None

    @property
    def flag(self) -> str:
        """Return the option as the CLI spells it."""
        return "--" + self.name.replace("_", "-")

    def parse(self, raw: Any) -> Any:
        """Return the raw value (text or typed) as this parameter's type, or raise naming the rule."""
        if self.kind == "flag":
            return _flag(self.name, raw)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if self.required:
                raise StatsInputError(self.name, f"is required: {self.help}")
            return self.default
        if self.kind in ("column", "text"):
            return str(raw).strip()
        if self.kind == "choice":
            value = str(raw).strip().lower()
            if value not in self.choices:
                raise StatsInputError(self.name, f"must be one of {', '.join(self.choices)}, not {raw!r}")
            return value
        if self.kind == "floats":
            items = raw if isinstance(raw, list | tuple) else str(raw).replace(";", ",").split(",")
            for position, item in enumerate(items, start=1):
                # A skipped item would shift every later value (a time series would lose its order).
                if isinstance(item, str) and not item.strip():
                    raise StatsInputError(
                        self.name, f"item {position} of {len(items)} is empty: every item must be a number"
                    )
            return [self._number(item, float) for item in items] or self.parse(None)
        return self._number(raw, int if self.kind == "int" else float)

    def _number(self, raw: Any, kind: type[float] | type[int]) -> float | int:
        try:
            value = kind(str(raw).strip()) if isinstance(raw, str) else kind(raw)
        except (TypeError, ValueError):
            noun = "a whole number" if kind is int else "a number"
            raise StatsInputError(self.name, f"must be {noun}, not {raw!r}") from None
        if isinstance(value, float) and not math.isfinite(value):
            raise StatsInputError(self.name, f"must be a finite number, not {raw!r}")
        if isinstance(raw, float) and kind is int and raw != int(raw):
            raise StatsInputError(self.name, f"must be a whole number, not {raw!r}")
        self._check_range(value)
        return value

    def _check_range(self, value: float) -> None:
        low_ok = self.low is None or (value > self.low if self.open_low else value >= self.low)
        high_ok = self.high is None or (value < self.high if self.open_high else value <= self.high)
        if low_ok and high_ok:
            return
        bounds = []
        if self.low is not None:
            bounds.append(f"{'above' if self.open_low else 'at least'} {_number_text(self.low)}")
        if self.high is not None:
            bounds.append(f"{'below' if self.open_high else 'at most'} {_number_text(self.high)}")
        raise StatsInputError(self.name, f"must be {' and '.join(bounds)}, not {_number_text(value)}")


@dataclass(frozen=True)
class Outcome:
    """What `compute` returns: the document, what it did (method, variant, n) and how to draw it."""

    document: dict[str, Any]
    method: str
    variant: str | None
    n: int
    draw: Callable[[], str] | None = None  # the SVG text of the plot, rendered only when asked


@dataclass(frozen=True)
class Analysis:
    """An analysis a user can run: `atmp stats <name>`, POST /api/v1/stats/<name>, /stats/<name>/."""

    name: str
    title: str
    summary: str
    source: str
    params: tuple[Param, ...]
    compute: Callable[[Table | None, dict[str, Any]], Outcome]
    file: FileUse = "required"
    plots: bool = False
    example: str | None = None  # a CSV in atmp/stats/examples/ that this analysis reads as is
    example_options: Mapping[str, Any] = field(default_factory=dict)
    # The largest CSV the server parses for this analysis (the CLI reads local files unbounded).
    max_bytes: int = DEFAULT_MAX_BYTES
    max_rows: int = DEFAULT_MAX_ROWS

    def check_upload_size(self, size: int | None) -> None:
        """Refuse an upload over this analysis's byte limit, before it is read (TooLarge: HTTP 413)."""
        if size is not None and size > self.max_bytes:
            raise self._too_large(f"is {size:,} bytes")

    def check_upload_rows(self, data: bytes) -> None:
        """Refuse CSV bytes with more lines than the row limit allows, before they are parsed."""
        # A C-speed count; a quoted cell spanning lines counts once per line, so this bound errs
        # towards refusing a file at the very edge of the limit, never towards parsing a larger one.
        lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        if lines - 1 > self.max_rows:
            raise self._too_large(f"has {lines - 1:,} lines after the header")

    def limits(self) -> str:
        """Return the upload limits as people read them."""
        return f"{self.max_bytes:,} bytes ({_size_text(self.max_bytes)}) and {self.max_rows:,} data rows"

    def _too_large(self, what: str) -> TooLarge:
        return TooLarge(
            FILE,
            f"{what}; {self.name} accepts a CSV of at most {self.limits()} on the server "
            "(`atmp stats` on the command line reads larger files)",
            limit_bytes=self.max_bytes,
            limit_rows=self.max_rows,
        )

    def param(self, name: str) -> Param:
        """Return the parameter called `name`."""
        for param in self.params:
            if param.name == name:
                return param
        raise KeyError(name)

    def parse(self, raw: Mapping[str, Any], table: Table | None) -> dict[str, Any]:
        """Return the options parsed and checked; unknown names and unknown columns are refused."""
        known = {p.name for p in self.params}
        for name in raw:
            if name not in known:
                offered = ", ".join(sorted(known)) or "none"
                raise StatsInputError(name, f"is not an option of {self.name} (its options: {offered})")
        options = {p.name: p.parse(raw.get(p.name)) for p in self.params}
        if table is not None:
            for p in self.params:
                if p.kind == "column" and options[p.name] is not None:
                    table.column(options[p.name], option=p.name)
        return options


@dataclass(frozen=True)
class Result:
    """A computed analysis: its JSON text (checked: no NaN, no infinity) and the plot when one was asked for."""

    json: str  # compact; the CLI prints it as it is when large, and indented when small
    svg: str | None

    @cached_property
    def document(self) -> dict[str, Any]:
        """Return the document as Python values (JSON types only)."""
        return dict(json.loads(self.json))


def run(analysis: Analysis, raw: Mapping[str, Any], table: Table | None, *, plot: bool = False) -> Result:
    """Parse the options, compute the analysis and return its document and, if asked, its plot."""
    if analysis.file == "required" and table is None:
        raise StatsInputError(FILE, f"{analysis.name} reads a CSV file with a header row; none was given")
    if analysis.file == "none" and table is not None:
        raise StatsInputError(FILE, f"{analysis.name} takes no file")
    options = analysis.parse(raw, table)
    if table is not None and len(table) == 0:
        raise StatsInputError(FILE, "has a header row but no data rows")
    with collector_paused():
        outcome = analysis.compute(table, options)
        document = dict(outcome.document)
        document["provenance"] = provenance(
            method=outcome.method,
            variant=outcome.variant,
            parameters=options,
            n=outcome.n,
            input_sha256=table.sha256 if table is not None else None,
        )
        text = encode(document)
    svg = outcome.draw() if plot and outcome.draw is not None else None
    return Result(json=text, svg=svg)


def example_files() -> dict[str, bytes]:
    """Return the example CSV files shipped with atmp (published data sets), by file name."""
    folder = resources.files("atmp.stats") / "examples"
    return {f.name: f.read_bytes() for f in folder.iterdir() if f.name.endswith(".csv")}


def _number_text(value: float) -> str:
    """Return a bound as people write it: 10,000,000 rather than 1e+07, 0.05 as 0.05."""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:g}"


def _size_text(size: int) -> str:
    """Return a byte count as MiB or KiB."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MiB"
    return f"{size / 1024:g} KiB"


def _flag(name: str, raw: Any) -> bool:
    if raw is None or isinstance(raw, bool):
        return bool(raw)
    word = str(raw).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise StatsInputError(name, f"is a yes/no option, not {raw!r}")
