"""How records and audit entries read on a page: labels, values, times, links."""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from dataclasses import dataclass, replace
from typing import Any

from django.db import models
from django.urls import reverse
from django.utils.text import capfirst

from atmp.accounts.roles import Role
from atmp.ledger.models import AuditEntry
from atmp.ledger.records import GmpRecord, model_for, parse_rfc3339
from atmp.ledger.signatures import MEANINGS
from atmp.ledger.trail import WITHOUT_SIGN_INS

USER_TYPE = "accounts.user"
CREATIONS = ("create", "import", "user_created")
# Entry record types that are not GmpRecord models.
OTHER_TYPES = {USER_TYPE: "User account", "ledger.checkpoint": "Checkpoint"}

ACTIONS: dict[str, str] = {
    "create": "Created",
    "import": "Imported",
    "update": "Changed",
    "void": "Voided",
    "sign": "Signed",
    "sign_failed": "Signature refused",
    "login": "Signed in",
    "login_failed": "Sign-in failed",
    "login_refused": "Sign-in refused",
    "lockout": "Locked out",
    "logout": "Signed out",
    "mfa_enabled": "MFA enabled",
    "mfa_disabled": "MFA removed",
    "user_created": "Account created",
    "user_disabled": "Account disabled",
    "token_created": "API token created",
    "token_revoked": "API token revoked",
    "checkpoint": "Checkpoint signed",
    "sign_auth_failed": "Signing re-authentication failed",
}

ROLE_LABELS: dict[str, str] = {str(value): str(label) for value, label in Role.choices}


def action_label(action: str) -> str:
    """Return the readable name of an entry's action."""
    return ACTIONS.get(action, action.replace("_", " ").capitalize())


def action_code(text: str) -> str | None:
    """Return the action a label or code names ('Changed' or 'update' → 'update'), or None."""
    wanted = text.strip().lower()
    for code, label in ACTIONS.items():
        if wanted in (code, label.lower()):
            return code
    return None


def type_code(text: str) -> str | None:
    """Return the record type a label or code names ('Site' or 'accounts.site' → 'accounts.site'), or None."""
    wanted = text.strip().lower()
    for code in record_types():
        if wanted in (code, type_label(code).lower()):
            return code
    return None


def record_types() -> list[str]:
    """Return every record type an entry may name: the GMP records, user accounts and checkpoints."""
    from atmp.ledger.records import gmp_models

    return sorted({m.record_type() for m in gmp_models()} | set(OTHER_TYPES))


def role_labels(roles: list[str] | set[str] | frozenset[str] | tuple[str, ...]) -> list[str]:
    """Return the roles' printed names, sorted."""
    return sorted(ROLE_LABELS.get(r, r) for r in roles)


# --- times ---------------------------------------------------------------------------------------


def as_datetime(value: str | dt.datetime | None) -> dt.datetime | None:
    """Return an aware datetime from an RFC 3339 ledger time or a datetime."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    try:
        return parse_rfc3339(value)
    except ValueError:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def utc(value: str | dt.datetime | None) -> str:
    """Return '2026-11-25 14:03:12 UTC'."""
    moment = as_datetime(value)
    return "" if moment is None else moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def in_zone(value: str | dt.datetime | None, zone: str | None) -> str:
    """Return the time in an IANA zone with its abbreviation, e.g. '2026-11-25 15:03:12 CET'."""
    moment = as_datetime(value)
    if moment is None or not zone:
        return ""
    try:
        tz = zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return ""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")


# --- records -------------------------------------------------------------------------------------


def record_url(record_type: str | None, record_id: str | int | None) -> str | None:
    """Return the page of a record named in an entry, if atmp has one."""
    if not record_type or record_id in (None, ""):
        return None
    if record_type == USER_TYPE:
        return reverse("web:user", args=[record_id])
    if model_for(record_type) is not None:
        return reverse("web:record", args=[record_type, record_id])
    return None


def type_label(record_type: str) -> str:
    """Return a record type's readable name, e.g. 'Site' for accounts.site."""
    model = model_for(record_type)
    if model is not None:
        return capfirst(str(model._meta.verbose_name))  # "CAPA action", not "Capa action"
    return OTHER_TYPES.get(record_type, record_type)


def _field(model: type[models.Model] | None, name: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    for f in model._meta.concrete_fields:
        if name in (f.attname, f.name):
            return f
    return None


# Where a model's verbose name reads badly on a page.
LABELS = {"timezone": "Time zone", "full_name": "Printed name", "is_active": "Active"}


def field_label(model: type[models.Model] | None, name: str) -> str:
    """Return a field's readable label from its verbose name (attnames like site_id included)."""
    if name in LABELS:
        return LABELS[name]
    f = _field(model, name)
    if f is not None:
        label = str(f.verbose_name)
        return label[:1].upper() + label[1:]
    return name.replace("_", " ").capitalize()


@dataclass(frozen=True)
class FieldRow:
    """One field of a record as the page shows it."""

    name: str
    label: str
    value: str
    url: str | None = None
    long: bool = False


def title_of(record: models.Model) -> str:
    """Return the record's name as a page title (capitalised)."""
    text = str(record)
    return text[:1].upper() + text[1:]


# Fields that hold codes, shown by the name the pages use (an audit-trail review's selection).
CODED = {"record_type_filter": "record_type", "action_filter": "action"}


def _display(record: GmpRecord, f: models.Field[Any, Any]) -> tuple[str, str | None]:
    raw = getattr(record, f.attname)
    if f.attname == "action_filter" and raw in ("", None):
        return "Every action, sign-ins included", None
    if raw is None or raw == "" or raw == []:
        return "—", None
    if f.attname == "status" and hasattr(record, "state_label"):
        return str(record.state_label()), None
    if isinstance(raw, list) and all(isinstance(item, str | int) and not isinstance(item, bool) for item in raw):
        # A list of names or codes (a change's affected products): read as words, not as Python's repr.
        return "; ".join(str(item) for item in raw), None
    if CODED.get(f.attname) == "record_type":
        return type_label(str(raw)), None
    if CODED.get(f.attname) == "action":
        return ("Every action but sign-ins" if raw == WITHOUT_SIGN_INS else action_label(str(raw))), None
    if f.attname.startswith("actor_id") and isinstance(raw, int):
        # A user id kept as a number (entries outlive accounts): name the account if it exists.
        from atmp.accounts.models import User

        account = User.objects.filter(pk=raw).first()
        return (f"{account} · id {raw}" if account else f"id {raw}"), record_url(USER_TYPE, raw) if account else None
    if isinstance(f, models.ForeignKey):
        related = getattr(record, f.name)
        target = f.related_model
        url = None
        if isinstance(target, type) and issubclass(target, GmpRecord):
            url = record_url(target.record_type(), raw)
        elif getattr(target, "_meta", None) is not None and target._meta.label_lower == USER_TYPE:  # type: ignore[union-attr]
            url = record_url(USER_TYPE, raw)
        return str(related), url
    if f.choices:
        return str(getattr(record, f"get_{f.name}_display")()), None
    if isinstance(f, models.DateTimeField):
        return utc(raw), None
    if isinstance(f, models.BooleanField):
        return ("yes" if raw else "no"), None
    if isinstance(raw, dict | list):
        return json.dumps(raw, ensure_ascii=False), None
    return str(raw), None


def record_rows(record: GmpRecord) -> list[FieldRow]:
    """Return the record's audited fields (its snapshot) with labels and readable values."""
    rows = []
    for f in type(record)._meta.concrete_fields:
        if f.attname in record.unaudited_fields:
            continue
        value, url = _display(record, f)
        rows.append(
            FieldRow(
                f.attname,
                field_label(type(record), f.attname),
                value,
                url,
                isinstance(f, models.TextField) or len(value) > 80,
            )
        )
    return rows


def site_zone(record: Any) -> str | None:
    """Return the IANA zone of the site a record belongs to (a site's own zone), if any."""
    zone = getattr(record, "timezone", None)
    if isinstance(zone, str) and zone and type(record)._meta.label_lower == "accounts.site":
        return zone
    site = getattr(record, "site", None) if _field(type(record), "site") else None
    return getattr(site, "timezone", None) if site is not None else None


# --- audit entries -------------------------------------------------------------------------------


RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        if RFC3339.match(value):
            return utc(value)
        return value if value != "" else "(empty)"
    if value == []:
        return "(empty)"
    if isinstance(value, list) and all(isinstance(item, str | int) and not isinstance(item, bool) for item in value):
        return "; ".join(str(item) for item in value)
    return json.dumps(value, ensure_ascii=False)


class Names:
    """Names of the records and users that entries point to, looked up once per page."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], str | None] = {}

    def of(self, model: type[models.Model] | None, pk: Any) -> str | None:
        """Return str() of the row with this primary key, or None."""
        if model is None or pk in (None, "") or not str(pk).isdecimal():
            return None
        key = (model._meta.label_lower, str(pk))
        if key not in self._cache:
            found = model._base_manager.filter(pk=int(pk)).first()  # type: ignore[attr-defined]
            self._cache[key] = str(found) if found is not None else None
        return self._cache[key]

    def remember(self, rows: Any) -> None:
        """Keep the names of rows the caller read at once (a print of many records), so `of` asks for none."""
        for row in rows:
            self._cache[(row._meta.label_lower, str(row.pk))] = str(row)

    def value(self, model: type[models.Model] | None, name: str, value: Any) -> str:
        """Return a changed value as shown: a foreign key by the name of what it points to."""
        if name == "meaning" and isinstance(value, str):
            return MEANINGS.get(value, value)
        if CODED.get(name) == "record_type" and isinstance(value, str) and value:
            return type_label(value)
        if CODED.get(name) == "action" and isinstance(value, str) and value:
            return "Every action but sign-ins" if value == WITHOUT_SIGN_INS else action_label(value)
        f = _field(model, name)
        if isinstance(f, models.ForeignKey) and value is not None:
            named = self.of(f.related_model, value)  # type: ignore[arg-type]
            if named:
                return named
        return _shown(value)


def _model_of(record_type: str) -> type[models.Model] | None:
    model: type[models.Model] | None = model_for(record_type)
    if model is None and record_type == USER_TYPE:
        from atmp.accounts.models import User

        model = User
    return model


def record_label(record_type: str, record_id: str | None, names: Names) -> str:
    """Return 'Site GNT Ghent' for an entry's record, or the type and id when it has no page."""
    kind = type_label(record_type)
    if not record_id:
        return kind
    named = names.of(_model_of(record_type), record_id)
    if not named:
        return f"{kind} {record_id}"
    letters = re.compile(r"[^a-z]")
    if letters.sub("", named.lower()).startswith(letters.sub("", kind.lower())):
        return named[:1].upper() + named[1:]  # the name already says what it is
    return f"{kind} {named}"


@dataclass(frozen=True)
class ChangeRow:
    """One field's old and new value in an entry (old is None when the field was set first)."""

    name: str
    label: str
    old: str | None
    new: str


@dataclass(frozen=True)
class EntryRow:
    """An audit entry as a table row: who, what, when, why, old → new."""

    entry: AuditEntry
    action: str
    roles: list[str]
    changes: list[ChangeRow]
    record_url: str | None
    record_label: str
    at_utc: str
    at_local: str
    reviews: tuple[tuple[int, str], ...] = ()  # (review id, its page) of signed reviews covering it
    # Shown instead of the changes, where a print shows the values elsewhere (the batch record's steps).
    changes_shown_as: str = ""

    @property
    def folded(self) -> bool:
        """Return True for a creation with several initial values (the page folds them)."""
        return self.entry.action in CREATIONS and len(self.changes) > 1


def entry_row(e: AuditEntry, *, zone: str | None = None, names: Names | None = None) -> EntryRow:
    """Return an entry with readable labels; `zone` adds the site's local time."""
    names = names or Names()
    model = _model_of(e.record_type)
    data = json.loads(e.changes or "{}")
    changes = [
        ChangeRow(
            name,
            field_label(model, name),
            None if pair[0] is None else names.value(model, name, pair[0]),
            names.value(model, name, pair[1]),
        )
        for name, pair in sorted(data.items())
    ]
    return EntryRow(
        entry=e,
        action=action_label(e.action),
        roles=role_labels(json.loads(e.actor_roles or "[]")),
        changes=changes,
        record_url=record_url(e.record_type, e.record_id),
        record_label=record_label(e.record_type, e.record_id, names),
        at_utc=utc(e.at),
        at_local=in_zone(e.at, zone),
    )


def entry_rows(entries: list[AuditEntry], *, zone: str | None = None) -> list[EntryRow]:
    """Return a page of entries as rows, looking each named record up once."""
    names = Names()
    return [entry_row(e, zone=zone, names=names) for e in entries]


def mark_reviewed(rows: list[EntryRow]) -> list[EntryRow]:
    """Return the rows with the signed audit-trail reviews that cover each entry."""
    if not rows:
        return rows
    from atmp.ledger.reviews import covering

    covered = {
        seq: [(review.pk, reverse("web:record", args=[review.record_type(), review.pk])) for review in found]
        for seq, found in covering([r.entry.seq for r in rows]).items()
    }
    return [replace(r, reviews=tuple(covered.get(r.entry.seq, ()))) for r in rows]
