"""Many new records of one model in one audited change: rows in bulk, each record with its own entry.

`Change.create_many` (docs/adr/0016) writes what `Change.save` writes for each create (version 1,
created_at and created_by, the snapshot, one entry with every field, its tree nodes), so that the
ledger cannot tell the two apart, but a batch at a time: the rows in multi-row INSERTs, the entries
in one, the tree nodes in another, the head once (on PostgreSQL each INSERT sends one array per
column, UNNEST). Entries carry consecutive microsecond times from
one reading of the clock, which is what `Change.save` gives when it writes faster than the clock
ticks. A batch ends where a checkpoint falls due, so checkpoints are signed at the sizes one-by-one
saves sign them.

The per-record work is decided once per model (`Plan`): which fields the snapshot holds and how
each becomes JSON, how each becomes a database value, and whether the snapshot can go straight to
the C JSON encoder. Django's bulk_create is not used: it prepares every value through four layers
of calls and splits SQLite statements at 999 values, which made it cost more than the ledger
(bench/trace_import.py, docs/performance.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.db import connection, connections, models
from django.db.models.base import ModelState

from atmp.ledger import clock
from atmp.ledger.canonical import MAX_SAFE_INTEGER, dumps, dumps_text, entry_bytes
from atmp.ledger.records import GmpRecord, rfc3339, to_json

if TYPE_CHECKING:
    from atmp.ledger.writer import Change, _Head

R = TypeVar("R", bound=models.Model)

# A batch's entries and nodes go in one statement each: 14 values an entry, 3 a node (about two
# nodes an entry), within SQLite's 32 766 bound variables and PostgreSQL's 65 535.
MAX_BATCH = 2000
DEFAULT_BATCH = 1000
POSTGRES_MAX_PARAMS = 65_535
_NODE_PREFIX = b"\x01"
_LEAF_PREFIX = b"\x00"
_SCALARS = (str, bool, type(None))
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
        self.compiled = _compile_snapshot(model, self.audited_sorted) if self.ascii_keys else None
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
        out: dict[str, Any] = {}
        snapshot_parts: list[str] = []
        change_parts: list[str] = []
        if self.compiled is not None:
            if self.compiled(values, out, snapshot_parts.append, change_parts.append):
                try:
                    return out, ("{" + ",".join(snapshot_parts) + "}").encode(), "{" + ",".join(change_parts) + "}"
                except UnicodeEncodeError:
                    pass  # a lone surrogate: dumps names it, below
            out, snapshot_parts, change_parts = {}, [], []
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

    def converters(self, db: Any) -> list[tuple[bool, Callable[[Any], Any]]]:
        """Return, per column, whether a plain value goes as it is, and what makes any other the driver's.

        What Field.get_db_prep_save does, with its layers cut where the type is known: an aware
        time or a date goes straight to the backend's adapter, a Decimal to its decimal adapter.
        """
        return [(f.get_internal_type() in _AS_IS, _converter(f, f.get_internal_type(), db)) for f in self.columns]


# The compiled snapshot: per field, its value's JSON text by the type its field holds, each field a
# few lines of straight code (a loop over the fields with the same tests costs twice as much). Any
# value of another type (a str subclass, a naive time, a huge integer) returns False, and
# Plan.snapshot takes the general loop for that record.
_FIELD_CODE = {
    "text": """
    v = d[{name!r}]
    if type(v) is str:
        t = enc(v); out[{name!r}] = v; S({key!r} + t){change}
    elif v is None:
        out[{name!r}] = None; S({key!r} "null")
    else:
        return False""",
    "int": """
    v = d[{name!r}]
    if type(v) is int and -MAX <= v <= MAX:
        t = str(v); out[{name!r}] = v; S({key!r} + t){change}
    elif v is None:
        out[{name!r}] = None; S({key!r} "null")
    else:
        return False""",
    "bool": """
    v = d[{name!r}]
    if v is True or v is False:
        t = "true" if v else "false"; out[{name!r}] = v; S({key!r} + t){change}
    elif v is None:
        out[{name!r}] = None; S({key!r} "null")
    else:
        return False""",
    "decimal": """
    v = d[{name!r}]
    if type(v) is Decimal and v.is_finite():
        v = str(v.quantize(PLACES[{name!r}])); t = enc(v); out[{name!r}] = v; S({key!r} + t){change}
    elif v is None:
        out[{name!r}] = None; S({key!r} "null")
    else:
        return False""",
    "datetime": """
    v = d[{name!r}]
    if type(v) is datetime and v.tzinfo is UTC and v.year >= 1000:
        v = v.isoformat(timespec="microseconds")[:-6] + "Z"; t = '"' + v + '"'
        out[{name!r}] = v; S({key!r} + t){change}
    elif v is None:
        out[{name!r}] = None; S({key!r} "null")
    else:
        return False""",
    "date": """
    v = d[{name!r}]
    if type(v) is date:
        v = v.isoformat(); t = '"' + v + '"'; out[{name!r}] = v; S({key!r} + t){change}
    elif v is None:
        out[{name!r}] = None; S({key!r} "null")
    else:
        return False""",
}
_KINDS = {
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


def _compile_snapshot(
    model: type[GmpRecord], fields: list[tuple[str, Decimal | None, str, bool]]
) -> Callable[..., bool] | None:
    """Return the model's compiled snapshot (see _FIELD_CODE), or None when a field has no fast form."""
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    body = []
    for name, _places, key, in_changes in fields:
        kind = _KINDS.get(by_attname[name].get_internal_type())
        if kind is None or (by_attname[name].get_internal_type() == "ForeignKey" and not _int_key(by_attname[name])):
            return None
        change = f'; C({key!r} "[null," + t + "]")' if in_changes else ""
        body.append(_FIELD_CODE[kind].format(name=name, key=key, change=change))
    source = "def snapshot(d, out, S, C):" + "".join(body) + "\n    return True\n"
    namespace: dict[str, Any] = {
        "enc": _encode_string,
        "MAX": MAX_SAFE_INTEGER,
        "Decimal": Decimal,
        "datetime": dt.datetime,
        "date": dt.date,
        "UTC": dt.UTC,
        "PLACES": {name: places for name, places, _key, _c in fields if places is not None},
    }
    exec(compile(source, f"<snapshot of {model._meta.label_lower}>", "exec"), namespace)  # noqa: S102  (our own text)
    compiled: Callable[..., bool] = namespace["snapshot"]
    return compiled


def _int_key(field: models.Field[Any, Any]) -> bool:
    target = field.target_field  # type: ignore[attr-defined]
    return target.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField", "IntegerField")


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


def create_many(
    ch: Change, records: Iterable[GmpRecord], *, action: str = "create", batch_size: int = DEFAULT_BATCH
) -> int:
    """Create new records of one model, each with its own entry, a batch at a time; return how many."""
    from atmp.ledger import checkpoints

    pending = list(records)
    if not pending:
        return 0
    model = type(pending[0])
    for record in pending:
        if type(record) is not model:
            raise TypeError(f"create_many takes records of one model: {model.__name__} and {type(record).__name__}")
        if not record._state.adding:
            raise ValueError(f"{record.record_key}: create_many creates new records only; save() changes one")
    size = max(1, min(batch_size, MAX_BATCH))
    interval = settings.ATMP_CHECKPOINT_INTERVAL
    plan = Plan.of(model)
    done = 0
    while done < len(pending):
        head = ch._lock()
        # End the batch where a checkpoint falls due: _write signs one after that entry.
        room = interval - head.size % interval
        batch = pending[done : done + min(size, room)]
        _write_batch(ch, head, plan, batch, action)
        done += len(batch)
        if head.size % interval == 0:
            checkpoints.sign_in_change(ch)
    return done


def _times(head: _Head, count: int) -> list[tuple[dt.datetime, str]]:
    """Return `count` distinct, ordered times after the head's, from one reading of the clock."""
    from atmp.ledger.writer import ONE_MICROSECOND, _parse_at

    start = clock.now()
    if head.at:
        start = max(start, _parse_at(head.at) + ONE_MICROSECOND)
    out = []
    moment = start
    second = moment.replace(microsecond=0)
    prefix = rfc3339(second)[:-7]  # "2026-12-05T15:00:00.", without the microseconds and Z
    for _ in range(count):
        if moment.replace(microsecond=0) != second:
            second = moment.replace(microsecond=0)
            prefix = rfc3339(second)[:-7]
        out.append((moment, f"{prefix}{moment.microsecond:06d}Z"))
        moment += ONE_MICROSECOND
    return out


def _write_batch(ch: Change, head: _Head, plan: Plan, batch: Sequence[GmpRecord], action: str) -> None:
    actor_id = ch.actor.id
    times = _times(head, len(batch))
    for record, (moment, _text) in zip(batch, times, strict=True):
        record.check_change(None, action)
        record.version = 1
        record.created_at = moment
        record.created_by_id = actor_id  # type: ignore[attr-defined]
    _insert_rows(plan, batch)
    actor_name = ch.actor.name
    roles = dumps_text(list(ch.actor.roles))
    reason = ch.reason
    record_type = plan.record_type
    sha256 = hashlib.sha256
    frontier = head.frontier
    size = head.size
    prev = head.hash
    entries: list[Any] = []
    nodes: list[Any] = []
    for record, (_moment, at_text) in zip(batch, times, strict=True):
        new, snapshot_bytes, changes = plan.snapshot(record)
        record.remember_snapshot(new)
        snap = sha256(snapshot_bytes).hexdigest()
        seq = size + 1
        record_id = str(record.pk)
        body = entry_bytes(
            seq, at_text, actor_id, actor_name, roles, action, record_type, record_id, 1, reason, changes, snap, prev
        )
        digest = sha256(body).digest()
        entry_hash = digest.hex()
        entries += (seq, at_text, actor_id, actor_name, roles, action, record_type, record_id, 1, reason, changes)
        entries += (snap, prev, entry_hash)
        # The leaf and the subtrees it completes (writer._extend_frontier, inlined: it runs per entry).
        node = sha256(_LEAF_PREFIX + digest).digest()
        level, index = 0, size
        nodes += (0, index, node)
        while index & 1:
            node = sha256(_NODE_PREFIX + frontier.pop() + node).digest()
            level, index = level + 1, index >> 1
            nodes += (level, index, node)
        frontier.append(node)
        size, prev = seq, entry_hash
    head_params = [size, prev, times[-1][1], b"".join(frontier)]
    _insert_entries(len(batch), len(nodes) // 3, entries, nodes, head_params)
    head.size, head.hash, head.at = size, prev, times[-1][1]


def _direct() -> bool:
    """Return True when statements may go to SQLite's driver, Django's cursor wrapper watching nothing."""
    return connection.vendor == "sqlite" and not (connection.queries_logged or connection.execute_wrappers)


def _max_params() -> int:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        return int(connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return POSTGRES_MAX_PARAMS


def _execute(cursor: Any, sql: str, params: Sequence[Any], *, direct: bool) -> None:
    if direct:
        # writer._run's fast path, without its cache of statements (one text per batch length here).
        connection.validate_no_broken_transaction()
        with connection.wrap_database_errors:
            sqlite3.Cursor.execute(cursor.cursor, sql, params)
    else:
        cursor.execute(sql, params)


def _insert_rows(plan: Plan, batch: Sequence[GmpRecord]) -> None:
    """Insert the records' rows, many to a statement, and give each its primary key."""
    quote = connection.ops.quote_name
    direct = _direct()
    mark = "?" if direct else "%s"

    real = connections[connection.alias]  # not the proxy: its every attribute is a thread-local lookup
    convert = plan.converters(real)

    groups = {False: [r for r in batch if r.pk is None], True: [r for r in batch if r.pk is not None]}
    for with_pk, group in groups.items():
        if not group:
            continue
        fields = [plan.pk, *plan.columns] if with_pk else plan.columns
        names = ", ".join(quote(str(f.column)) for f in fields)
        head = f"INSERT INTO {quote(plan.model._meta.db_table)} ({names}) VALUES "
        row_marks = "(" + ", ".join([mark] * len(fields)) + ")"
        per_statement = max(1, _max_params() // len(fields))
        if connection.vendor == "postgresql":
            # One array per column (as Django's bulk_create does on PostgreSQL): a statement of a
            # few parameters that the server parses and plans once, not one of thousands.
            head = f"INSERT INTO {quote(plan.model._meta.db_table)} ({names}) " + _unnest(fields, real)
            per_statement = len(group)
        with connection.cursor() as cursor:
            for start in range(0, len(group), per_statement):
                chunk = group[start : start + per_statement]
                params: list[Any] = []
                for record in chunk:
                    if with_pk:
                        params.append(plan.pk.get_db_prep_save(record.pk, real))
                    params += plan.row(record, convert)
                if connection.vendor == "postgresql":
                    sql, params = head, _columns(params, len(fields))
                else:
                    sql = head + ", ".join([row_marks] * len(chunk))
                if with_pk:
                    _execute(cursor, sql, params, direct=direct)
                else:
                    # RETURNING gives the keys in the order of the rows, as Django's bulk_create relies on.
                    _execute(cursor, f"{sql} RETURNING {quote(str(plan.pk.column))}", params, direct=direct)
                    for record, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                        record.pk = pk
        for record in group:
            record._state.adding = False
            record._state.db = connection.alias


def _unnest(fields: Sequence[Any], db: Any) -> str:
    """Return `SELECT * FROM UNNEST(%s::type[], …)` for the fields' columns."""
    return "SELECT * FROM UNNEST(" + ", ".join(f"%s::{f.db_type(db)}[]" for f in fields) + ")"


def _columns(flat: list[Any], width: int) -> list[list[Any]]:
    """Return the values of rows laid end to end (`width` a row) as one list per column."""
    return [flat[i::width] for i in range(width)]


def _insert_entries(count: int, node_count: int, entries: list[Any], nodes: list[Any], head_params: list[Any]) -> None:
    """Insert a batch's entries and tree nodes and move the head, each one statement."""
    from atmp.ledger.models import AuditEntry, TreeNode
    from atmp.ledger.writer import ENTRY_COLUMNS, HEAD_UPDATE, _run

    direct = _direct()
    mark = "?" if direct else "%s"
    row = "(" + ", ".join([mark] * len(ENTRY_COLUMNS)) + ")"
    entry_sql = f"INSERT INTO ledger_auditentry ({', '.join(ENTRY_COLUMNS)}) VALUES " + ", ".join([row] * count)
    node_sql = 'INSERT INTO ledger_treenode (level, "index", hash) VALUES ' + ", ".join(
        [f"({mark}, {mark}, {mark})"] * node_count
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement, one round trip (as writer._write): all of it or nothing; the entries
            # and nodes as one array per column (see _insert_rows).
            real = connections[connection.alias]
            entry_fields = [AuditEntry._meta.get_field(name) for name in ENTRY_COLUMNS]
            node_fields = [TreeNode._meta.get_field(name) for name in ("level", "index", "hash")]
            entry_sql = f"INSERT INTO ledger_auditentry ({', '.join(ENTRY_COLUMNS)}) " + _unnest(entry_fields, real)
            node_sql = 'INSERT INTO ledger_treenode (level, "index", hash) ' + _unnest(node_fields, real)
            params = [*_columns(entries, len(ENTRY_COLUMNS)), *_columns(nodes, 3), *head_params]
            _run(cursor, f"WITH e AS ({entry_sql}), n AS ({node_sql}) {HEAD_UPDATE}", params)
        else:
            _execute(cursor, entry_sql, entries, direct=direct)
            _execute(cursor, node_sql, nodes, direct=direct)
            _run(cursor, HEAD_UPDATE, head_params)


def new_record(model: type[R], values: dict[str, Any]) -> R:
    """Return a new, unsaved record of the model from attribute values (attnames: material_id, not material).

    What Model(**values) gives, with the defaults resolved once per model instead of per keyword
    (Model.__init__ costs ~10 µs a record: as much as writing it with its entry). A field left out
    takes its default; a callable default is called for each record.
    """
    fixed, called = _defaults(model)
    record = model.__new__(model)
    state = record.__dict__
    state.update(fixed)
    for attname, default in called:
        state[attname] = default()
    state.update(values)
    state["_state"] = ModelState()
    return record


def _defaults(model: type[models.Model]) -> tuple[dict[str, Any], list[tuple[str, Callable[[], Any]]]]:
    found = _DEFAULTS.get(model)
    if found is None:
        fixed: dict[str, Any] = {}
        called: list[tuple[str, Callable[[], Any]]] = []
        for field in model._meta.concrete_fields:
            if field.has_default() and callable(field.default):
                called.append((field.attname, field.default))
            else:
                default = field.get_default()
                # A TextChoices default (RecordStatus.ACTIVE) is kept as its text, what a loaded row holds.
                fixed[field.attname] = str.__str__(default) if isinstance(default, str) else default
        found = _DEFAULTS[model] = (fixed, called)
    return found


_DEFAULTS: dict[type[models.Model], tuple[dict[str, Any], list[tuple[str, Callable[[], Any]]]]] = {}
