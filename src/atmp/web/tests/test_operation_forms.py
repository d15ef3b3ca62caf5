"""The form machinery of write pages (atmp.web.operations, ADR 0013): what an edit sends."""

# No `from __future__ import annotations`: the form reads the stand-in operation's body type from
# its signature, as it reads an API operation's.
import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.http import QueryDict

from atmp.api.schemas import BodyIn, Reason, bounded
from atmp.web.operations import OperationForm, _shown, body_values, build_form


class PatchIn(BodyIn):
    """A PATCH body with one field of each kind a form draws."""

    reason: Reason
    version: int | None = None
    title: Annotated[str, bounded(200)] | None = None
    notes: Annotated[str, bounded(4000)] | None = None
    when: dt.datetime | None = None
    day: dt.date | None = None
    count: int | None = None
    amount: Decimal | None = None
    flag: bool | None = None
    tags: list[Annotated[str, bounded(20)]] | None = None


def patch(request: Any, record_id: int, body: PatchIn) -> dict[str, Any]:
    """Stand in for an API operation (never run here)."""
    raise AssertionError("not run")


EDIT = OperationForm(title="Edit", operation=patch)
DOCUMENT = {
    "title": "Fill line",
    "notes": "",
    "when": "2026-11-30T08:15:47.123456Z",  # the API's RFC 3339, with seconds the input does not show
    "day": dt.date(2026, 11, 30),
    "count": 3,
    "amount": Decimal("1.500"),
    "flag": True,
    "tags": ["a", "b"],
}


def _drawn_and_posted(**typed: str) -> QueryDict:
    """Return what a browser posts for the edit form as drawn, with what the user typed over it."""
    form = build_form(EDIT, None, initial={k: _shown(v, dt.UTC) for k, v in DOCUMENT.items()})  # type: ignore[arg-type]
    data = QueryDict(mutable=True)
    for field in form:
        value = field.value()
        if field.name == "flag":
            if value:
                data[field.name] = "on"
        else:
            data[field.name] = "" if value is None else str(field.field.widget.format_value(value) or "")
    data.update(typed)
    return data


def _sent(data: QueryDict) -> dict[str, Any]:
    """Return the JSON body the posted form stands for."""
    form = build_form(EDIT, None, data=data, initial={k: _shown(v, dt.UTC) for k, v in DOCUMENT.items()})  # type: ignore[arg-type]
    assert form.is_valid(), form.errors
    return body_values(form, PatchIn, initial=DOCUMENT, user=None, record=None)  # type: ignore[arg-type]


def test_an_edit_posted_as_drawn_sends_only_the_reason():
    posted = _drawn_and_posted(reason="checked")
    assert posted["when"] == "2026-11-30T08:15"  # the input shows minutes

    assert _sent(posted) == {"reason": "checked"}


def test_a_time_moved_by_a_minute_is_sent():
    posted = _drawn_and_posted(reason="corrected", when="2026-11-30T08:16")

    assert _sent(posted) == {"reason": "corrected", "when": dt.datetime(2026, 11, 30, 8, 16, tzinfo=dt.UTC)}
