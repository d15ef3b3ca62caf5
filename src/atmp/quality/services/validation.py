"""Checks every quality service applies to what a user typed: each refusal names the field and the rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

from atmp.accounts.errors import InvalidInput
from atmp.ledger import clock
from atmp.ledger.errors import Conflict
from atmp.ledger.records import GmpRecord

MAX_TITLE = 200
MAX_TEXT = 20_000


def title(value: str, *, field: str = "title") -> str:
    """Return the stripped title, or refuse an empty or over-long one."""
    text = (value or "").strip()
    if not text:
        raise InvalidInput(field, "is required")
    if len(text) > MAX_TITLE:
        raise InvalidInput(field, f"at most {MAX_TITLE} characters")
    return text


def text(value: str | None, *, field: str, required: bool = False) -> str:
    """Return the stripped text, refusing a missing required one or one longer than MAX_TEXT."""
    out = (value or "").strip()
    if required and not out:
        raise InvalidInput(field, "is required")
    if len(out) > MAX_TEXT:
        raise InvalidInput(field, f"at most {MAX_TEXT} characters")
    return out


def choice(value: str, choices: Any, *, field: str, blank: bool = False) -> str:
    """Return the value when it is one of the TextChoices' values (or blank, when allowed)."""
    if blank and value == "":
        return value
    if value not in choices.values:
        raise InvalidInput(field, f"{value!r} is not one of: {', '.join(choices.values)}")
    return value


def past_moment(value: dt.datetime, *, field: str) -> dt.datetime:
    """Return an aware time that is not in the future."""
    if value.tzinfo is None:
        raise InvalidInput(field, "give a time with its zone, e.g. 2026-12-01T09:30:00+01:00")
    if value > clock.now():
        raise InvalidInput(field, "cannot be in the future")
    return value


def not_finished(record: GmpRecord) -> None:
    """Refuse an edit of a record in a final state (closed, cancelled…): it is kept as it was closed."""
    workflow = getattr(record, "workflow", None)
    if workflow is not None and workflow.is_final(record.status):
        raise Conflict(f"{record.record_key} is {workflow.label(record.status)}: a finished record is not edited")


def seen(record: GmpRecord, version: int | None) -> None:
    """Bind an edit to the version the user saw; the write path refuses it when the record moved on."""
    if version is not None:
        record.version = version


def apply_fields(record: GmpRecord, changes: dict[str, Any], allowed: dict[str, Any]) -> None:
    """Set the allowed fields, each through its check; refuse a field that may not be edited."""
    for name, value in changes.items():
        check = allowed.get(name)
        if check is None:
            raise InvalidInput(name, f"cannot be edited here; editable: {', '.join(sorted(allowed))}")
        setattr(record, name, check(value))
