"""What makes a result reproducible, and the rule that no NaN or infinity reaches a JSON document."""

from __future__ import annotations

import json
import math
import platform
from collections.abc import Mapping
from functools import cache
from importlib import metadata
from typing import Any

import numpy as np

INFINITE = "inf"
UNDEFINED = "undefined"


class ComputationError(RuntimeError):
    """A method produced a value that is not a number: a defect in atmp, never the user's input."""


@cache
def versions() -> dict[str, str]:
    """Return the versions of atmp, Python and the numerical libraries a result was computed with."""
    found = {"python": platform.python_version()}
    for package in ("atmp", "numpy", "scipy", "statsmodels"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:  # pragma: no cover - atmp runs from a checkout without install
            found[package] = "unknown"
    return found


def provenance(
    *,
    method: str,
    variant: str | None,
    parameters: Mapping[str, Any],
    n: int,
    input_sha256: str | None,
) -> dict[str, Any]:
    """Return the provenance block every result carries."""
    return {
        "method": method,
        "variant": variant,
        "parameters": dict(parameters),
        "n": n,
        "input_sha256": input_sha256,
        "versions": versions(),
    }


def shown(value: Any) -> str:
    """Return a result value as people read it: numbers to 6 significant digits, yes/no, — for none."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(shown(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {shown(v)}" for k, v in value.items()) or "—"
    return str(value)


def number_or_word(value: float) -> float | str:
    """Return a finite value as itself, an infinite one as "inf" (or "-inf") and NaN as "undefined"."""
    if math.isnan(value):
        return UNDEFINED
    if math.isinf(value):
        return INFINITE if value > 0 else "-" + INFINITE
    return float(value)


def encode(document: Mapping[str, Any]) -> str:
    """Return the document as compact JSON text; raise ComputationError, naming where, on NaN or infinity.

    The encoding is the check: json's C encoder refuses NaN and infinity (allow_nan=False) at the
    speed of writing the text, which a signal table of a million reports needs anyway. Only when it
    refuses does the careful walk run, to name the value at fault.
    """
    try:
        return json.dumps(document, ensure_ascii=False, allow_nan=False, default=_numpy_scalar)
    except (ValueError, TypeError):
        plain(document)  # raises ComputationError with the path of the bad value
        raise  # pragma: no cover - plain() refuses whatever json refused


def _numpy_scalar(value: Any) -> Any:
    # NumPy floats are floats to json; its integers and booleans are not.
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    raise TypeError(type(value).__name__)


def plain(value: Any) -> Any:
    """Return the value with NumPy scalars as Python ones; raise ComputationError on NaN or infinity."""
    return _plain(value, path="result")


def _plain(value: Any, *, path: str) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v, path=f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, path=f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        if not math.isfinite(number):
            raise ComputationError(f"{path} is {number}: a method must report it as a word or a refusal")
        return number
    if value is None or isinstance(value, str):
        return value
    raise ComputationError(f"{path} has a value of type {type(value).__name__} that JSON cannot hold")
