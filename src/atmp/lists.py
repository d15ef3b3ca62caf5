"""Lists declared once: the same filters, sort and keyset pages for a web page, its CSV and the API.

A module declares a `ListSpec` (the rows a viewer may see, from a selector; columns; filters; the
sort keys it allows) and gets from it: the web page (atmp.web.lists), the streamed CSV (every cell
through atmp.ledger.export.safe_cell), and an API operation (atmp.api.lists) answering
`{"items": [...], "next": cursor|null}`. This module holds what they share and imports neither the
web shell nor the API, so a module's selectors may declare lists.

Pages are keyset pages, never OFFSET: the cursor (`after=` / `before=`) carries the sort key, the
last (or first) row's sort value and its primary key, so a page costs the same at row 10 and at
row 10 million, and rows inserted meanwhile shift nothing. Ties are broken by the primary key, in
the sort's direction. NULLs sort after every value ascending (before them descending), on SQLite and
PostgreSQL alike, so a descending list is exactly the ascending one reversed.
"""

from __future__ import annotations

import base64
import binascii
import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import DateTimeField, F, Field, Model, Q, QuerySet

from atmp.accounts.errors import InvalidInput

MAX_LIMIT = 500
MAX_TEXT = 200
CSV_CHUNK = 500  # rows fetched (and prepared) at a time for a CSV
# A page counts its matches up to this many and then says "10,000+", as mature trackers do: an exact
# count of 100,000 deviations costs SQLite a pass over all of them on every page, for a figure nobody
# reads to the unit. The CSV still holds every match.
COUNT_CAP = 10_000

Viewer = Any  # atmp.accounts.models.User: the person the list is shown to (visibility, hidden columns)
Row = Any


class BadParameter(InvalidInput):
    """A list parameter (a filter, the sort, a cursor, the page size) is not one the list accepts."""


@dataclass(frozen=True)
class Column:
    """One column: its label, its value (plain, for CSV and the API), and how the page shows it.

    value: an attribute path ("site.code") or a function of the row.
    sort: the ORM path the column sorts by ("site__code"), or None when it does not sort.
    link: a function returning the URL the page links the cell to.
    html: a function returning the cell's safe HTML on the page (default: the value, escaped).
    shown: a function of the viewer; a hidden column is left out of the page, the CSV, the API and the sorts.
    """

    key: str
    label: str
    value: str | Callable[[Row], Any] | None = None
    sort: str | None = None
    link: Callable[[Row], str] | None = None
    html: Callable[[Row], str] | None = None
    shown: Callable[[Viewer], bool] | None = None

    def value_of(self, row: Row) -> Any:
        """Return the cell's plain value for this row."""
        getter = self.value if self.value is not None else self.key
        if callable(getter):
            return getter(row)
        found = row
        for part in getter.split("."):
            found = None if found is None else getattr(found, part)
        return found() if callable(found) else found

    def visible_to(self, viewer: Viewer) -> bool:
        """Return True when the viewer may see this column."""
        return self.shown is None or bool(self.shown(viewer))


# --- filters --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    """A filter: the GET parameters it reads, how it checks them and how it narrows the rows."""

    # The form widget web/list.html draws: text, choice, date_range or user.
    kind: ClassVar[str] = "text"
    # What a choice's empty option reads (a choice left empty keeps every row, unless the filter says otherwise).
    blank: ClassVar[str] = "any"
    name: str
    label: str

    def params(self) -> tuple[str, ...]:
        """Return the query parameters this filter reads."""
        return (self.name,)

    def parse(self, raw: Mapping[str, str], viewer: Viewer) -> Any:
        """Return the filter's value from the parameters, None when unset; raise BadParameter when bad."""
        raise NotImplementedError

    def apply(self, rows: QuerySet[Any], value: Any, viewer: Viewer) -> QuerySet[Any]:
        """Return the rows this value keeps."""
        raise NotImplementedError

    def options(self, viewer: Viewer) -> Sequence[tuple[str, str]]:
        """Return the (value, label) pairs the form offers (empty for free input)."""
        return ()


def _text(raw: Mapping[str, str], name: str) -> str | None:
    value = (raw.get(name) or "").strip()
    if len(value) > MAX_TEXT:
        raise BadParameter(name, f"at most {MAX_TEXT} characters")
    return value or None


@dataclass(frozen=True)
class ChoiceFilter(Filter):
    """One of a fixed set of values; `lookup` is the ORM lookup, or `narrow(rows, value, viewer)` does it."""

    kind: ClassVar[str] = "choice"
    lookup: str = ""
    choices: Sequence[tuple[str, str]] | Callable[[Viewer], Sequence[tuple[str, str]]] = ()
    # narrow(rows, value, viewer), for a choice that is not one field's value (a role the user holds).
    narrow: Callable[[QuerySet[Any], str, Viewer], QuerySet[Any]] | None = None

    def options(self, viewer: Viewer) -> Sequence[tuple[str, str]]:
        """Return the choices offered to this viewer."""
        return self.choices(viewer) if callable(self.choices) else self.choices

    def parse(self, raw: Mapping[str, str], viewer: Viewer) -> str | None:
        """Return the chosen value; refuse one that is not offered."""
        value = _text(raw, self.name)
        allowed = [v for v, _label in self.options(viewer)]
        if value is not None and value not in allowed:
            raise BadParameter(self.name, f"{value!r} is not one of {', '.join(allowed)}")
        return value

    def apply(self, rows: QuerySet[Any], value: str, viewer: Viewer) -> QuerySet[Any]:
        """Keep the rows with this value."""
        return self.narrow(rows, value, viewer) if self.narrow is not None else rows.filter(**{self.lookup: value})


@dataclass(frozen=True)
class VoidedFilter(ChoiceFilter):
    """Voided records: left out unless asked for (`voided=true` shows them too), as in every GMP list.

    Applied when unset as well: the list's selector keeps the voided rows so that this filter can
    show them, and hides them by default.
    """

    name: str = "voided"
    label: str = "Voided records"
    choices: Sequence[tuple[str, str]] | Callable[[Viewer], Sequence[tuple[str, str]]] = (("true", "shown too"),)
    # What the form's empty choice means here.
    blank: ClassVar[str] = "hidden"

    def parse(self, raw: Mapping[str, str], viewer: Viewer) -> bool:
        """Return True when the voided records are asked for; refuse anything but true or false."""
        value = _text(raw, self.name)
        if value not in (None, "true", "false"):
            raise BadParameter(self.name, f"{value!r} is not true or false")
        return value == "true"

    def apply(self, rows: QuerySet[Any], value: bool, viewer: Viewer) -> QuerySet[Any]:
        """Keep every row when asked for the voided ones; else only those not voided."""
        return rows if value else rows.filter(voided=False)


@dataclass(frozen=True)
class TextFilter(Filter):
    """Text that one of the fields contains (case-insensitive)."""

    fields: tuple[str, ...] = ()

    def parse(self, raw: Mapping[str, str], viewer: Viewer) -> str | None:
        """Return the text searched for."""
        return _text(raw, self.name)

    def apply(self, rows: QuerySet[Any], value: str, viewer: Viewer) -> QuerySet[Any]:
        """Keep the rows where a field contains the text."""
        match = Q()
        for name in self.fields:
            match |= Q(**{f"{name}__icontains": value})
        return rows.filter(match)


@dataclass(frozen=True)
class DateRangeFilter(Filter):
    """A period of whole days (UTC), both ends included: `<name>_from` and `<name>_to` as YYYY-MM-DD."""

    kind: ClassVar[str] = "date_range"
    lookup: str = ""

    def params(self) -> tuple[str, ...]:
        """Return the two ends' parameters."""
        return (f"{self.name}_from", f"{self.name}_to")

    def parse(self, raw: Mapping[str, str], viewer: Viewer) -> tuple[dt.date | None, dt.date | None] | None:
        """Return (first day, last day); refuse a malformed date or an end before the start."""
        ends: list[dt.date | None] = []
        for name in self.params():
            text = _text(raw, name)
            try:
                ends.append(dt.date.fromisoformat(text) if text is not None else None)
            except ValueError:
                raise BadParameter(name, f"{text!r} is not a date (YYYY-MM-DD)") from None
        start, end = ends
        if start is not None and end is not None and end < start:
            raise BadParameter(self.params()[1], f"{end} is before {self.params()[0]} {start}")
        return None if start is None and end is None else (start, end)

    def apply(self, rows: QuerySet[Any], value: tuple[dt.date | None, dt.date | None], viewer: Viewer) -> QuerySet[Any]:
        """Keep the rows from the first day's midnight UTC to before the midnight after the last day."""
        start, end = value
        target = _field(rows.model, self.lookup)
        if not isinstance(getattr(target, "inner", target), DateTimeField):
            # A date column (a due date): the days themselves, both included.
            if start is not None:
                rows = rows.filter(**{f"{self.lookup}__gte": start})
            return rows if end is None else rows.filter(**{f"{self.lookup}__lte": end})
        midnight = dt.time(0, tzinfo=dt.UTC)
        if start is not None:
            rows = rows.filter(**{f"{self.lookup}__gte": dt.datetime.combine(start, midnight)})
        if end is not None:
            rows = rows.filter(**{f"{self.lookup}__lt": dt.datetime.combine(end + dt.timedelta(days=1), midnight)})
        return rows


@dataclass(frozen=True)
class UserFilter(Filter):
    """A person, by username, among the accounts the viewer may see; `lookup` is the ORM path to a user."""

    kind: ClassVar[str] = "user"
    lookup: str = ""

    def parse(self, raw: Mapping[str, str], viewer: Viewer) -> Any:
        """Return the account; refuse a username the viewer does not see (as if it did not exist)."""
        from atmp.accounts import visibility

        username = _text(raw, self.name)
        if username is None:
            return None
        found = visibility.visible_users(viewer).filter(username=username.lower()).first()
        if found is None:
            raise BadParameter(self.name, f"there is no user {username!r}")
        return found

    def apply(self, rows: QuerySet[Any], value: Any, viewer: Viewer) -> QuerySet[Any]:
        """Keep the rows of this person."""
        return rows.filter(**{self.lookup: value})

    def options(self, viewer: Viewer) -> Sequence[tuple[str, str]]:
        """Return (username, printed name) of the accounts the viewer sees, for the form's suggestions."""
        from atmp.accounts import visibility

        return list(visibility.visible_users(viewer).order_by("username").values_list("username", "full_name")[:500])


# --- the declaration ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListSpec:
    """A list, declared once for its page, its CSV and its API operation.

    rows: the selector: the rows the viewer may see (visibility applied), before filters and sort.
    default_sort: a sort key, "-" first for descending, e.g. "-created".
    prepare: called with each page (or CSV chunk) of rows before they are shown, to fetch in one
      query what the cells need (e.g. the roles of the users on the page).
    item: the API's JSON object for a row (default: each visible column's value by its key).
    """

    name: str
    title: str
    rows: Callable[[Viewer], QuerySet[Any]]
    columns: tuple[Column, ...]
    default_sort: str
    filters: tuple[Filter, ...] = ()
    page_size: int = 50
    prepare: Callable[[Viewer, list[Row]], None] | None = None
    item: Callable[[Row, Viewer], dict[str, Any]] | None = None
    # Sort keys that are not a column's: {key: ORM path}.
    extra_sorts: Mapping[str, str] = field(default_factory=dict)

    def columns_for(self, viewer: Viewer) -> list[Column]:
        """Return the columns the viewer may see."""
        return [c for c in self.columns if c.visible_to(viewer)]

    def sorts_for(self, viewer: Viewer) -> dict[str, str]:
        """Return the sort keys the viewer may use: {key: ORM path}."""
        return {**{c.key: c.sort for c in self.columns_for(viewer) if c.sort}, **self.extra_sorts}

    def params(self) -> tuple[str, ...]:
        """Return every query parameter the list reads."""
        return (*(p for f in self.filters for p in f.params()), "sort", "after", "before", "limit")


@dataclass(frozen=True)
class Selection:
    """A parsed, validated request for a list: filter values, sort, cursor and page size."""

    values: dict[str, Any]
    sort_key: str
    descending: bool
    path: str
    after: Cursor | None = None
    before: Cursor | None = None
    limit: int = 50

    @property
    def sort(self) -> str:
        """Return the sort as its parameter writes it ("-key" when descending)."""
        return f"-{self.sort_key}" if self.descending else self.sort_key


@dataclass(frozen=True)
class Cursor:
    """A position between two rows: the sort it belongs to, the row's sort value and primary key."""

    sort: str
    value: Any
    pk: Any


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, the cursors to the next and previous pages, and the match count."""

    rows: list[Row]
    next: str | None
    previous: str | None
    count: int | None = None  # at most COUNT_CAP: then there are more
    count_capped: bool = False

    @property
    def count_label(self) -> str:
        """Return the count as a page prints it: the number, or "10,000+" past the cap."""
        if self.count is None:
            return ""
        return f"{self.count:,}+" if self.count_capped else str(self.count)


def select(spec: ListSpec, viewer: Viewer, raw: Mapping[str, str]) -> Selection:
    """Return the validated selection from query parameters; raise BadParameter naming a bad one."""
    values = {}
    for f in spec.filters:
        value = f.parse(raw, viewer)
        if value is not None:
            values[f.name] = value
    sorts = spec.sorts_for(viewer)
    sort = (raw.get("sort") or "").strip() or spec.default_sort
    key = sort.removeprefix("-")
    if key not in sorts:
        choices = ", ".join(sorted(sorts))
        raise BadParameter("sort", f"{sort!r} is not a sort of this list: one of {choices}, '-' first to reverse")
    limit_text = (raw.get("limit") or "").strip()
    if limit_text and not (limit_text.isdecimal() and 1 <= int(limit_text) <= MAX_LIMIT):
        raise BadParameter("limit", f"a number from 1 to {MAX_LIMIT}")
    rows = spec.rows(viewer)
    after, before = (_decode(raw.get(name) or "", name, sort, rows, sorts[key]) for name in ("after", "before"))
    if after is not None and before is not None:
        raise BadParameter("before", "give after or before, not both")
    return Selection(
        values=values,
        sort_key=key,
        descending=sort.startswith("-"),
        path=sorts[key],
        after=after,
        before=before,
        limit=int(limit_text) if limit_text else spec.page_size,
    )


def filtered(spec: ListSpec, viewer: Viewer, selection: Selection) -> QuerySet[Any]:
    """Return the rows the viewer may see that the selection's filters keep, unsorted."""
    rows = spec.rows(viewer)
    for f in spec.filters:
        if f.name in selection.values:
            rows = f.apply(rows, selection.values[f.name], viewer)
    return rows


def page(spec: ListSpec, viewer: Viewer, selection: Selection, *, count: bool = True) -> Page:
    """Return the page of rows the selection asks for, with the cursors around it."""
    rows = filtered(spec, viewer, selection)
    # Counted up to the cap and one more (a LIMITed subquery), so that a page says when there are more.
    total = rows.order_by()[: COUNT_CAP + 1].count() if count else None
    capped = total is not None and total > COUNT_CAP
    backwards = selection.before is not None
    # A previous page is the next page of the reversed order, read backwards.
    descending = selection.descending != backwards
    cursor = selection.before if backwards else selection.after
    found = list(_window(rows, selection.path, descending=descending, cursor=cursor)[: selection.limit + 1])
    more = len(found) > selection.limit
    found = found[: selection.limit]
    if backwards:
        found.reverse()
    if spec.prepare is not None and found:
        spec.prepare(viewer, found)
    first, last = (found[0], found[-1]) if found else (None, None)
    has_next = (more if not backwards else True) and last is not None
    has_previous = (cursor is not None if not backwards else more) and first is not None
    return Page(
        rows=found,
        next=encode(selection, last) if has_next else None,
        previous=encode(selection, first) if has_previous else None,
        count=COUNT_CAP if capped else total,
        count_capped=capped,
    )


def all_rows(spec: ListSpec, viewer: Viewer, selection: Selection) -> Iterator[Row]:
    """Yield every row of the selection in its order, fetched a chunk at a time (for the CSV).

    One ordered query read through a chunked cursor (a server-side cursor on PostgreSQL), not a
    keyset query per chunk: that would sort an unindexed column's whole selection once per chunk.
    It is also one snapshot of the data, however long the download takes.
    """
    ordered = _window(filtered(spec, viewer, selection), selection.path, descending=selection.descending, cursor=None)
    chunk: list[Row] = []
    for row in ordered.iterator(chunk_size=CSV_CHUNK):
        chunk.append(row)
        if len(chunk) == CSV_CHUNK:
            yield from _prepared(spec, viewer, chunk)
            chunk = []
    yield from _prepared(spec, viewer, chunk)


def _prepared(spec: ListSpec, viewer: Viewer, rows: list[Row]) -> list[Row]:
    if spec.prepare is not None and rows:
        spec.prepare(viewer, rows)
    return rows


def csv_lines(spec: ListSpec, viewer: Viewer, selection: Selection) -> Iterator[bytes]:
    """Yield the selection as UTF-8 CSV lines: a header of labels, then a row per record, cells neutralised."""
    from atmp.ledger.export import safe_cell

    columns = spec.columns_for(viewer)
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: list[Any]) -> bytes:
        writer.writerow([safe_cell(c) for c in cells])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode("utf-8")

    # A byte-order mark, so a spreadsheet opens the file as UTF-8 (names with é, §, —).
    yield "\ufeff".encode() + line([c.label for c in columns])
    for row in all_rows(spec, viewer, selection):
        yield line([plain(c.value_of(row)) for c in columns])


def items(spec: ListSpec, viewer: Viewer, rows: list[Row]) -> list[dict[str, Any]]:
    """Return the API's JSON objects for the rows."""
    if spec.item is not None:
        return [spec.item(row, viewer) for row in rows]
    columns = spec.columns_for(viewer)
    return [{c.key: json_value(c.value_of(row)) for c in columns} for row in rows]


def api_page(spec: ListSpec, viewer: Viewer, raw: Mapping[str, str]) -> dict[str, Any]:
    """Return one API page: `{"items": [...], "next": cursor or None}`; raise BadParameter when asked badly."""
    selection = select(spec, viewer, raw)
    found = page(spec, viewer, selection, count=False)
    return {"items": items(spec, viewer, found.rows), "next": found.next}


# --- values ---------------------------------------------------------------------------------------


def plain(value: Any) -> str:
    """Return a value as CSV text: times in RFC 3339 UTC, booleans as yes/no, nothing as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, list | tuple):
        return "; ".join(plain(v) for v in value)
    return str(value)


def json_value(value: Any) -> Any:
    """Return a value as JSON has it: times and dates as text, decimals as strings (no floats)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, Model):
        return str(value)
    return value


# --- keyset pages ---------------------------------------------------------------------------------


def _window(rows: QuerySet[Any], path: str, *, descending: bool, cursor: Cursor | None) -> QuerySet[Any]:
    """Return the rows after the cursor, in the order (path, pk), NULLs last ascending."""
    nullable = _sort_field(rows, path).null
    if descending:
        order = [F(path).desc(nulls_first=True) if nullable else F(path).desc(), F("pk").desc()]
    else:
        order = [F(path).asc(nulls_last=True) if nullable else F(path).asc(), F("pk").asc()]
    rows = rows.order_by(*order)
    if cursor is None:
        return rows
    further = "lt" if descending else "gt"
    tie = Q(**{path: cursor.value, f"pk__{further}": cursor.pk})
    if cursor.value is None:
        # Among NULLs only the primary key orders; descending, every value comes after the NULLs.
        tie = Q(**{f"{path}__isnull": True, f"pk__{further}": cursor.pk})
        return rows.filter(tie | Q(**{f"{path}__isnull": False})) if descending else rows.filter(tie)
    beyond = Q(**{f"{path}__{further}": cursor.value})
    if nullable and not descending:
        beyond |= Q(**{f"{path}__isnull": True})
    return rows.filter(beyond | tie)


def _field(model: type[Model], path: str) -> Field[Any, Any]:
    """Return the model field a lookup path ends at (a relation's target field for a foreign key)."""
    found: Any = None
    current = model
    nullable = False
    for part in path.split("__"):
        if part == "pk":
            found = current._meta.pk
        else:
            try:
                found = current._meta.get_field(part)
            except FieldDoesNotExist:
                raise ValueError(f"{model.__name__} has no field {path!r} to sort by") from None
        nullable = nullable or bool(getattr(found, "null", False))
        if found.is_relation and found.related_model is not None:
            current = found.related_model
    if found.is_relation:
        found = found.target_field
    if nullable and not found.null:
        # A nullable relation on the way (site__code with no site) makes the end NULL-able.
        found = _NullableView(found)
    return found  # type: ignore[no-any-return]


def _sort_field(rows: QuerySet[Any], path: str) -> Any:
    """Return what a list sorts by: a model field (through relations), or an annotation of the rows.

    An annotation (the highest RPN of an assessment's rows, a count) is taken as NULL-able: an
    aggregate over no rows is NULL. Its keyset conditions then compare the aggregate (a HAVING).
    """
    annotation = rows.query.annotations.get(path)
    if annotation is not None:
        return _NullableView(annotation.output_field)
    return _field(rows.model, path)


class _NullableView:
    """A field seen through a nullable relation: its values, and NULL."""

    null = True

    def __init__(self, inner: Field[Any, Any]) -> None:
        self.inner = inner

    def to_python(self, value: Any) -> Any:
        """Return the value as the inner field has it."""
        return self.inner.to_python(value)


def _sort_value(row: Row, path: str) -> Any:
    found = row
    for part in path.split("__"):
        if found is None:
            return None
        found = getattr(found, "pk" if part == "pk" else part)
    return found.pk if isinstance(found, Model) else found


def encode(selection: Selection, row: Row) -> str:
    """Return the opaque cursor just past this row in the selection's sort."""
    value = json_value(_sort_value(row, selection.path))
    data = json.dumps([selection.sort, value, row.pk], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(data.encode("utf-8")).decode("ascii").rstrip("=")


def _decode(text: str, name: str, sort: str, rows: QuerySet[Any], path: str) -> Cursor | None:
    text = text.strip()
    model = rows.model
    if not text:
        return None
    bad = BadParameter(name, "not a cursor of this list: follow the page's links, or leave it out")
    try:
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        cursor_sort, value, pk = data
    except (ValueError, TypeError, binascii.Error):
        raise bad from None
    if cursor_sort != sort:
        raise BadParameter(name, "the cursor belongs to another sort: start from the first page")
    try:
        value = None if value is None else _sort_field(rows, path).to_python(value)
        pk = model._meta.pk.to_python(pk) if model._meta.pk is not None else pk
    except (ValidationError, ValueError, TypeError):
        raise bad from None
    if pk is None:
        raise bad
    return Cursor(cursor_sort, value, pk)
