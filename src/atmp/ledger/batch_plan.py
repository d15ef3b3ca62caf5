"""How the records of one model become snapshots and rows in a bulk create (batch.py), decided once per model.

`Plan.snapshot` returns what `record.snapshot()` returns with its canonical texts, `Plan.row` the
column values the database driver takes; both take the compiled code of batch_code.py where every
value has a fast form, and a general path (the same as save()'s, with the layers cut where the
type is known) where one has not. Django's bulk_create is not used: it prepares every value through
four layers of calls and splits SQLite statements at 999 values (docs/adr/0016).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models

from atmp.ledger.batch_code import compile_row, compile_snapshot
from atmp.ledger.canonical import MAX_SAFE_INTEGER, dumps, dumps_text
from atmp.ledger.records import GmpRecord, to_json

_PLAIN = (str, int, bool, type(None))
_encode_string = json.encoder.encode_basestring  # ECMAScript's escaping, as RFC 8785 §3.2.2.2 asks (canonical.py)
# Field types whose Python value of type str, int, bool or None is already what the driver takes.
_AS_IS = frozenset(
    {
        "AutoField", "BigAutoField", "SmallAutoField", "BigIntegerField", "BooleanField", "CharField",
        "EmailField", "ForeignKey", "IntegerField", "OneToOneField", "PositiveBigIntegerField",
        "PositiveIntegerField", "PositiveSmallIntegerField", "SlugField", "SmallIntegerField", "TextField",
        "URLField",
    }
)  # fmt: skip


class Plan:
    """How the records of one model become snapshots and rows, decided once for the model."""

    _cache: dict[type[GmpRecord], Plan] = {}

    def __init__(self, model: type[GmpRecord]) -> None:
        self.model = model
        self.record_type = model.record_type()
        fields = model._meta.concrete_fields
        self.audited: list[tuple[str, Decimal | None]] = [
            (f.attname, Decimal(1).scaleb(-(f.decimal_places or 0)) if isinstance(f, models.DecimalField) else None)
            for f in fields
            if f.attname not in model.unaudited_fields
        ]
        # Attribute names are identifiers: ASCII, so sorted keys are RFC 8785's order (canonical.py).
        self.ascii_keys = all(name.isascii() for name, _ in self.audited)
        self.audited_sorted = [
            (name, places, _encode_string(name) + ":", name != "version") for name, places in sorted(self.audited)
        ]
        self.compiled = compile_snapshot(model, self.audited_sorted) if self.ascii_keys else None
        pk = model._meta.pk
        assert pk is not None
        self.pk = pk
        self.columns = [f for f in fields if f is not pk]
        self.attnames = [f.attname for f in self.columns]
        # Fields whose pre_save sets a value (auto_now …): bulk saving calls it as a save would.
        self.pre_save = [
            f for f in self.columns if type(f).pre_save is not models.Field.pre_save and not _inert_date(f)
        ]
        self.relations = [(f.name, f.attname) for f in self.columns if f.is_relation]
        self.compiled_row = None if self.pre_save else compile_row(model, self.columns)

    @classmethod
    def of(cls, model: type[GmpRecord]) -> Plan:
        """Return the model's plan."""
        plan = cls._cache.get(model)
        if plan is None:
            plan = cls._cache[model] = cls(model)
        return plan

    def snapshot(self, record: GmpRecord) -> tuple[dict[str, Any], bytes, str]:
        """Return what `record.snapshot()` returns, its canonical bytes, and its creation's changes as canonical text.

        Equal to `dumps(snapshot)` and `dumps_text(changes)` (ledger/tests/test_create_many.py). The
        texts are joined from each value's own JSON, in the order of the keys (ASCII, so RFC
        8785's), which costs a third of encoding the two objects whole; a value that is not a
        string, a safe integer, a boolean or null (a JSON field) sends the record the general way.
        """
        values = record.__dict__
        if self.compiled is not None:
            done = self.compiled(values)
            if done is not None:
                try:
                    return done[0], done[1].encode(), done[2]
                except UnicodeEncodeError:
                    pass  # a lone surrogate: dumps names it, below
        out: dict[str, Any] = {}
        snapshot_parts: list[str] = []
        change_parts: list[str] = []
        plain = self.ascii_keys
        for name, places, key_text, in_changes in self.audited_sorted:
            value = values[name]
            if places is not None and value is not None:
                value = str(Decimal(value).quantize(places))
            elif type(value) is dt.datetime and value.tzinfo is dt.UTC and value.year >= 1000:
                value = value.isoformat(timespec="microseconds")[:-6] + "Z"  # records.rfc3339, 5× faster
            elif type(value) not in _PLAIN:
                # A str subclass (a TextChoices default such as RecordStatus.ACTIVE) is its text.
                value = str.__str__(value) if isinstance(value, str) else to_json(value)
            out[name] = value
            if not plain:
                continue
            kind = type(value)
            if kind is str:
                text = _encode_string(value)
            elif value is None:
                snapshot_parts.append(key_text + "null")
                continue
            elif kind is bool:
                text = "true" if value else "false"
            elif kind is int and -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
                text = str(value)
            else:
                plain = False
                continue
            snapshot_parts.append(key_text + text)
            if in_changes:
                change_parts.append(f"{key_text}[null,{text}]")
        if plain:
            try:
                return out, ("{" + ",".join(snapshot_parts) + "}").encode(), "{" + ",".join(change_parts) + "}"
            except UnicodeEncodeError:
                pass  # a lone surrogate: dumps names it
        changes = {k: [None, v] for k, v in out.items() if v is not None and k != "version"}
        return out, dumps(out), dumps_text(changes)

    def row(self, record: GmpRecord, convert: Sequence[tuple[bool, Callable[[Any], Any]]]) -> list[Any]:
        """Return the record's column values as the driver takes them (the primary key aside)."""
        for field in self.pre_save:
            field.pre_save(record, True)
        values = record.__dict__
        for name, attname in self.relations:
            # Django's _prepare_related_fields_for_save, for the one case that matters here: a
            # related record assigned before it was saved.
            if values[attname] is None:
                related = record._state.fields_cache.get(name)
                if related is not None:
                    if related.pk is None:
                        raise ValueError(f"{self.record_type}: its {name} is not saved yet")
                    values[attname] = related.pk
        out: list[Any] = []
        append = out.append
        for attname, (as_is, to_db) in zip(self.attnames, convert, strict=True):
            value = values[attname]
            if value is None or (as_is and type(value) in _PLAIN):
                append(value)  # most columns: a string, an integer, a key, a flag, or null
            else:
                append(to_db(value))
        return out

    def rows(self, db: Any) -> Callable[[GmpRecord], list[Any]]:
        """Return what turns a record into its column values for the connection (what `row` returns)."""
        convert = self.converters(db)
        compiled = self.compiled_row
        # The compiled row gives SQLite's driver the text of a UTC time; elsewhere the adapters do.
        if compiled is None or not (db.vendor == "sqlite" and settings.USE_TZ and db.timezone_name == "UTC"):
            return lambda record: self.row(record, convert)

        def row(record: GmpRecord) -> list[Any]:
            return compiled(record.__dict__) or self.row(record, convert)

        return row

    def converters(self, db: Any) -> list[tuple[bool, Callable[[Any], Any]]]:
        """Return, per column, whether a plain value goes as it is, and what makes any other the driver's.

        What Field.get_db_prep_save does, with its layers cut where the type is known: an aware
        time or a date goes straight to the backend's adapter, a Decimal to its decimal adapter.
        """
        return [(f.get_internal_type() in _AS_IS, _converter(f, f.get_internal_type(), db)) for f in self.columns]


def _inert_date(field: models.Field[Any, Any]) -> bool:
    """Return True for a date or time field whose pre_save changes nothing (neither auto_now nor auto_now_add)."""
    return isinstance(field, models.DateField) and not (field.auto_now or field.auto_now_add)


def _converter(field: models.Field[Any, Any], kind: str, db: Any) -> Callable[[Any], Any]:
    def generic(value: Any) -> Any:
        return field.get_db_prep_save(value, db)

    ops = db.ops
    if kind == "DateTimeField":
        # SQLite stores a UTC time as its naive text (make_naive, then str) when the connection's zone is UTC.
        utc_text = db.vendor == "sqlite" and settings.USE_TZ and db.timezone_name == "UTC"

        def moment(value: Any) -> Any:
            if type(value) is dt.datetime and value.tzinfo is not None:
                if value.tzinfo is dt.UTC and utc_text:
                    return str(value.replace(tzinfo=None))
                return ops.adapt_datetimefield_value(value)
            return generic(value)

        return moment
    if kind == "DateField":

        def day(value: Any) -> Any:
            return ops.adapt_datefield_value(value) if type(value) is dt.date else generic(value)

        return day
    if kind == "DecimalField":
        digits, places = field.max_digits, field.decimal_places  # type: ignore[attr-defined]

        def decimal(value: Any) -> Any:
            if type(value) is Decimal:
                return ops.adapt_decimalfield_value(value, digits, places)
            return generic(value)

        return decimal
    return generic
