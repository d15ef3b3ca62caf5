"""Per-model code compiled once for bulk creates: a record's snapshot with its two canonical texts, and its row.

Each field is a few lines of straight code chosen by the type its field holds; a loop over the
fields making the same tests costs twice as much (docs/performance.md). The snapshot's texts are
joined from each value's own JSON in the order of the keys (ASCII attribute names, so RFC 8785's):
one f-string, one dict literal, no list of parts. Any value of another type (a str subclass, a naive
time, a huge integer, a related record assigned unsaved) makes the compiled code return None, and
batch_plan.Plan takes its general path for that record; tests compare both with save().
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import models

from atmp.ledger.canonical import MAX_SAFE_INTEGER

_encode_string = json.encoder.encode_basestring  # ECMAScript's escaping, as RFC 8785 §3.2.2.2 asks (canonical.py)

# Per kind: the test of the value, and the statements that set `o` (the snapshot's value) and `t`
# (its JSON text) from `v`. None is handled alike for every kind.
_SNAPSHOT_CODE = {
    "text": ("type(v) is str", "o = v; t = enc(v)"),
    "int": ("type(v) is int and -MAX <= v <= MAX", "o = v; t = str(v)"),
    "bool": ("v is True or v is False", 'o = v; t = "true" if v else "false"'),
    "decimal": ("type(v) is Decimal and v.is_finite()", "o = str(v.quantize(PLACES[{name!r}])); t = enc(o)"),
    "datetime": (
        "type(v) is datetime and v.tzinfo is UTC and v.year >= 1000",
        "o = TIMES.get(v) or snapshot_time(v); t = '\"' + o + '\"'",
    ),
    "date": ("type(v) is date", "o = v.isoformat(); t = '\"' + o + '\"'"),
}
# Per kind, the test under which the value goes to SQLite's driver as it is, else the expression of
# what Django's field would send (the aware UTC time as its naive text: str() of it without the zone).
_ROW_CODE = {
    "text": ("type(v) is str", "v"),
    "int": ("type(v) is int", "v"),
    "bool": ("v is True or v is False", "v"),
    "decimal": ("type(v) is Decimal", "v"),
    "datetime": ("type(v) is datetime and v.tzinfo is UTC", "ROW_TIMES.get(v) or row_time(v)"),
    "date": ("type(v) is date", "v.isoformat()"),
}
KINDS = {
    **dict.fromkeys(("CharField", "TextField", "SlugField", "EmailField", "URLField"), "text"),
    **dict.fromkeys(
        (
            "AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
            "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField", "ForeignKey",
            "OneToOneField",
        ),
        "int",
    ),
    "BooleanField": "bool",
    "DecimalField": "decimal",
    "DateTimeField": "datetime",
    "DateField": "date",
}  # fmt: skip
# The texts of the UTC times met in a batch, snapshot's and row's: the times an import gives are
# few (the import's own, each source time shared by many lines), and a record's created_at is the
# time its entry was given (batch._write_batch adds it). Kept for one batch (forget_times); a race
# between two threads costs a recomputation, never a wrong text (each text is the key's alone).
TIMES: dict[dt.datetime, str] = {}
ROW_TIMES: dict[dt.datetime, str] = {}


def snapshot_time(v: dt.datetime) -> str:
    """Return the snapshot's text of an aware UTC time of the years 1000-9999 (records.rfc3339), remembered."""
    text = TIMES[v] = v.isoformat(timespec="microseconds")[:-6] + "Z"
    return text


def row_time(v: dt.datetime) -> str:
    """Return what SQLite's column holds for an aware UTC time (str() of it naive), remembered."""
    text = ROW_TIMES[v] = v.isoformat()[:-6].replace("T", " ", 1)
    return text


def remember_time(v: dt.datetime, text: str) -> None:
    """Remember a UTC time's texts from its snapshot text, computed already (an entry's time: rfc3339's form)."""
    TIMES[v] = text
    # str() of the naive time: the microseconds only when there are some.
    ROW_TIMES[v] = text[:10] + " " + (text[11:19] if v.microsecond == 0 else text[11:26])


def forget_times() -> None:
    """Forget the times' texts (at each batch: they are worth keeping only while they recur)."""
    TIMES.clear()
    ROW_TIMES.clear()


_NAMESPACE: dict[str, Any] = {
    "TIMES": TIMES,
    "ROW_TIMES": ROW_TIMES,
    "snapshot_time": snapshot_time,
    "row_time": row_time,
    "enc": _encode_string,
    "MAX": MAX_SAFE_INTEGER,
    "Decimal": Decimal,
    "datetime": dt.datetime,
    "date": dt.date,
    "UTC": dt.UTC,
}


def _kind(field: models.Field[Any, Any]) -> str | None:
    kind = KINDS.get(field.get_internal_type())
    if field.get_internal_type() in ("ForeignKey", "OneToOneField") and not _int_key(field):
        return None
    return kind


def _int_key(field: models.Field[Any, Any]) -> bool:
    target = field.target_field  # type: ignore[attr-defined]
    return target.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField", "IntegerField")


def _compiled(source: str, name: str, label: str, extra: dict[str, Any]) -> Callable[..., Any]:
    namespace = {**_NAMESPACE, **extra}
    exec(compile(source, f"<{name} of {label}>", "exec"), namespace)  # noqa: S102  (our own text)
    compiled: Callable[..., Any] = namespace[name]
    return compiled


def compile_snapshot(
    model: type[models.Model], fields: list[tuple[str, Decimal | None, str, bool]]
) -> Callable[[dict[str, Any]], tuple[dict[str, Any], str, str] | None] | None:
    """Return the model's compiled snapshot, or None when a field has no fast form.

    fields: (attname, decimal places or None, its key's JSON text with the colon, whether it is
    among a creation's changes), in the order of the keys. The compiled function takes a record's
    __dict__ and returns the snapshot, its canonical text and its creation's changes as canonical
    text (fields that are null and the version left out), or None for a value it does not take.
    """
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    body, snapshot_text, change_terms, out_items = [], [], [], []
    for i, (name, _places, key, in_changes) in enumerate(fields):
        kind = _kind(by_attname[name])
        if kind is None:
            return None
        test, make = _SNAPSHOT_CODE[kind]
        body.append(f"    v = d[{name!r}]")
        body.append(f"    if {test}:")
        body.append(f"        {make.format(name=name)}")
        if in_changes:
            body.append(f"        c{i} = {',' + key + '[null,'!r} + t + ']'")
        body.append("    elif v is None:")
        body.append(f"        o = None; t = 'null'{f'; c{i} = {chr(39) * 2}' if in_changes else ''}")
        body.append("    else:\n        return None")
        body.append(f"    o{i} = o; t{i} = t")
        snapshot_text.append(key.replace("{", "{{").replace("}", "}}") + f"{{t{i}}}")
        out_items.append(f"{name!r}: o{i}")
        if in_changes:
            change_terms.append(f"{{c{i}}}")
    changes = f"'{{' + f{''.join(change_terms)!r}[1:] + '}}'" if change_terms else "'{}'"
    body.append(f"    return {{{', '.join(out_items)}}}, f{'{{' + ','.join(snapshot_text) + '}}'!r}, {changes}")
    places = {name: p for name, p, _key, _c in fields if p is not None}
    source = "def snapshot(d):\n" + "\n".join(body) + "\n"
    return _compiled(source, "snapshot", model._meta.label_lower, {"PLACES": places})


def compile_row(
    model: type[models.Model], columns: list[models.Field[Any, Any]]
) -> Callable[[dict[str, Any]], list[Any] | None] | None:
    """Return the model's compiled row for SQLite with its connection in UTC, or None when a column has no fast form.

    The compiled function takes a record's __dict__ and returns the columns' values as SQLite's
    driver takes them (what Plan.row returns), or None for a value it does not take (a related
    record assigned before it was saved included: Plan.row names it).
    """
    body, values = [], []
    relations = [f for f in columns if f.is_relation]
    if relations:
        body.append("    cache = d['_state'].__dict__.get('fields_cache')")
    for i, field in enumerate(columns):
        kind = _kind(field)
        if kind is None:
            return None
        test, value = _ROW_CODE[kind]
        body.append(f"    v = d[{field.attname!r}]")
        if field.is_relation:
            body.append(f"    if v is None and cache and {field.name!r} in cache:\n        return None")
        body.append(f"    if {test}:\n        r{i} = {value}")
        body.append(f"    elif v is None:\n        r{i} = None\n    else:\n        return None")
        values.append(f"r{i}")
    body.append(f"    return [{', '.join(values)}]")
    source = "def row(d):\n" + "\n".join(body) + "\n"
    return _compiled(source, "row", model._meta.label_lower, {})
