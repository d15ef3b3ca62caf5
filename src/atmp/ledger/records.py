"""The GmpRecord base: versioned records that only the ledger's write path may save."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import models

from atmp.ledger.canonical import dumps, sha256_hex
from atmp.ledger.errors import LedgerBypass

# The field types whose loaded values are immutable (str, int, bool, Decimal, date, UUID …); any other
# (JSONField's dicts and lists) is copied on load, so that changing it in place cannot change the
# "old" side of the next audited change.
IMMUTABLE_FIELDS = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DateField",
        "DateTimeField",
        "DecimalField",
        "DurationField",
        "EmailField",
        "FloatField",
        "ForeignKey",
        "GenericIPAddressField",
        "IntegerField",
        "OneToOneField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SlugField",
        "SmallAutoField",
        "SmallIntegerField",
        "TextField",
        "TimeField",
        "URLField",
        "UUIDField",
    }
)


class RecordStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    VOIDED = "voided", "Voided"


class GmpQuerySet(models.QuerySet):
    """Bulk writes skip save(), and with it the ledger, so they are refused."""

    def _refuse(self, what: str) -> LedgerBypass:
        return LedgerBypass(
            f"{self.model._meta.label_lower}: {what} bypasses the ledger; change records one at a time "
            "inside ledger.change(actor, reason)"
        )

    def update(self, **kwargs: Any) -> int:
        raise self._refuse("QuerySet.update()")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise self._refuse("deleting records (GMP records are voided, never deleted)")

    def bulk_create(self, *args: Any, **kwargs: Any) -> list[Any]:
        raise self._refuse("bulk_create()")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise self._refuse("bulk_update()")

    def update_or_create(self, *args: Any, **kwargs: Any) -> Any:
        raise self._refuse("update_or_create()")


GmpRecordManager = models.Manager.from_queryset(GmpQuerySet)


class GmpRecord(models.Model):
    """A GMP record: versioned, audited on every save, voided instead of deleted."""

    version = models.PositiveIntegerField(default=0, editable=False)
    status = models.CharField(max_length=32, default=RecordStatus.ACTIVE)
    created_at = models.DateTimeField(null=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, editable=False, related_name="+"
    )
    voided = models.BooleanField(default=False, editable=False)

    objects = GmpRecordManager()

    # Which permission a user needs to create or change records of this type (atmp.accounts.roles).
    write_permission: ClassVar[str] = "records.write"
    # Fields left out of the audited snapshot: none by default. A subclass must justify any it adds.
    unaudited_fields: ClassVar[frozenset[str]] = frozenset()
    # The signature meanings records of this type take, each with the roles that may give it
    # (meaning → role values of atmp.accounts.roles.Role), declared once, here, for every entry
    # point and for the workflow engine that binds its transitions to meanings. None: the role
    # table's defaults (atmp.accounts.roles.DEFAULT_SIGNING_MEANINGS). A declaration narrows the
    # role table (roles.MEANINGS_BY_ROLE), never widens it.
    signing_meanings: ClassVar[Mapping[str, frozenset[str]] | None] = None
    # The row's values as loaded (from_db), until loaded_snapshot() first makes them a snapshot.
    _ledger_loaded_values: tuple[Any, ...]
    _ledger_mutable_positions: ClassVar[frozenset[int]]

    class Meta:
        abstract = True

    @classmethod
    def record_type(cls) -> str:
        """Return the stable type name used in ledger entries, e.g. 'accounts.site'."""
        return cls._meta.label_lower

    @property
    def record_key(self) -> str:
        """Return 'type:id', the record's name in verify reports."""
        return f"{self.record_type()}:{self.pk}"

    def subject_user_ids(self) -> frozenset[int]:
        """Return the ids of the users this record is about: none of them may sign it."""
        if self._meta.label_lower == settings.AUTH_USER_MODEL.lower():
            return frozenset({int(self.pk)})
        return frozenset()

    def concerned_site_ids(self) -> frozenset[int] | None:
        """Return the ids of the sites this record concerns, or None for every site.

        A record bound to a site (a `site` field, or a `site_path` such as "batch__site_id" through
        the record it belongs to, as atmp.accounts.visibility reads it) concerns that site; one bound
        to none concerns every site, so only a signer who sees every site may sign it. The path is
        followed on the instance, so a record not yet written (opened in its signed change) has it too.
        """
        path = getattr(type(self), "site_path", "site_id")
        value: Any = self
        for part in (path or "").split("__") if path and path != "pk" else ():
            value = getattr(value, part, None)
            if value is None:
                break
        site_id = value if path and path != "pk" else None
        return None if site_id is None else frozenset({int(site_id)})

    def check_change(self, old: dict[str, Any] | None, action: str) -> None:
        """Refuse a save this record type forbids (old: the stored snapshot, None on create).

        The write path calls it before every save; a type with rules of its own about who may
        change which fields how (a workflow's status) overrides it. The default allows any save.
        """

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save through the ledger's current change, or refuse."""
        from atmp.ledger import writer

        writer.save_record(self, args, kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        """Refuse: GMP records are voided with a reason, never deleted."""
        raise LedgerBypass(f"{self.record_key}: GMP records are voided with a reason, never deleted")

    @classmethod
    def from_db(  # type: ignore[override]  # django-stubs describe Django 6's extra fetch_mode
        cls, db: str | None, field_names: Any, values: Any, *args: Any, **kwargs: Any
    ) -> Any:
        """Load a row and remember what was read: the "old" side of the next audited change."""
        instance = super().from_db(db, field_names, values, *args, **kwargs)
        # A partial load (.only/.defer) would fetch the missing fields one query each: skip it.
        if len(values) == len(cls._meta.concrete_fields):
            # The values as read, not yet their snapshot: a list page loads hundreds of records and
            # never changes one, so the snapshot is computed when the write path first asks for it
            # (bench/qms.py, My work). JSON values are copied: an in-place change to the record's
            # dict or list must not reach the "old" side.
            mutable = cls._mutable_positions()
            instance._ledger_loaded_values = (
                tuple(_detached(v) if i in mutable else v for i, v in enumerate(values)) if mutable else tuple(values)
            )
        return instance

    @classmethod
    def _mutable_positions(cls) -> frozenset[int]:
        """Return the positions, among the concrete fields, of those whose values can change in place (JSON)."""
        found: frozenset[int] | None = cls.__dict__.get("_ledger_mutable_positions")
        if found is None:
            found = frozenset(
                i for i, f in enumerate(cls._meta.concrete_fields) if f.get_internal_type() not in IMMUTABLE_FIELDS
            )
            cls._ledger_mutable_positions = found
        return found

    def loaded_snapshot(self) -> dict[str, Any] | None:
        """Return the snapshot as read from the database or last saved, if this instance has one."""
        snapshot: dict[str, Any] | None = self.__dict__.get("_ledger_loaded")
        if snapshot is None:
            values = self.__dict__.pop("_ledger_loaded_values", None)
            if values is None:
                return None
            snapshot = self._ledger_loaded = self._snapshot_of(values)
        return snapshot

    def _snapshot_of(self, values: Iterable[Any]) -> dict[str, Any]:
        """Return the snapshot of field values given in the order of the concrete fields (as loaded)."""
        return {
            f.attname: to_json(_as_stored(f, value))
            for f, value in zip(self._meta.concrete_fields, values, strict=True)
            if f.attname not in self.unaudited_fields
        }

    def remember_snapshot(self, snapshot: dict[str, Any]) -> None:
        """Remember the snapshot just written, for the next change's diff."""
        self.__dict__.pop("_ledger_loaded_values", None)
        self._ledger_loaded = snapshot

    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None:
        """Reload the fields and forget the remembered snapshot, which may be stale."""
        super().refresh_from_db(*args, **kwargs)
        self.__dict__.pop("_ledger_loaded", None)
        self.__dict__.pop("_ledger_loaded_values", None)

    def _save_unaudited(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)

    def snapshot(self, *, leave_out: Collection[str] = ()) -> dict[str, Any]:
        """Return every audited field as a float-free JSON value, keyed by column attribute name.

        leave_out: fields a data migration must not read, because a later migration adds them.
        """
        return {
            f.attname: to_json(_as_stored(f, getattr(self, f.attname)))
            for f in self._meta.concrete_fields
            if f.attname not in self.unaudited_fields and f.attname not in leave_out
        }

    def snapshot_hash(self, *, leave_out: Collection[str] = ()) -> str:
        """Return the SHA-256 of the RFC 8785 form of the snapshot."""
        return sha256_hex(dumps(self.snapshot(leave_out=leave_out)))


def _detached(value: Any) -> Any:
    """Return a JSON value's containers copied (scalars as they are), so the copy cannot change with it."""
    if isinstance(value, dict):
        return {k: _detached(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_detached(v) for v in value]
    return value


def _as_stored(field: models.Field[Any, Any], value: Any) -> Any:
    """Return the value as the database will give it back, so a snapshot is the same before and after a save."""
    if isinstance(field, models.DecimalField) and value is not None:
        # "1.5" saved into decimal_places=2 reads back as "1.50".
        return Decimal(value).quantize(Decimal(1).scaleb(-(field.decimal_places or 0)))
    return value


def to_json(value: Any) -> Any:
    """Return a field value as the float-free JSON the ledger stores (DESIGN: decimals as strings)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return rfc3339(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    raise TypeError(f"{type(value).__name__} cannot be stored in a GMP record snapshot")


def rfc3339(moment: dt.datetime) -> str:
    """Return a UTC RFC 3339 timestamp with microseconds and Z, e.g. 2026-11-25T04:05:26.123456Z."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: atmp stores only aware UTC times")
    try:
        utc = moment.astimezone(dt.UTC)
    except OverflowError:
        # 9999-12-31T23:59:59-14:00 or 0001-01-01T00:00:00+01:00: a valid local time, no UTC year 1–9999.
        raise ValueError(f"{moment.isoformat()} is outside the years 1 to 9999 in UTC") from None
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_rfc3339(text: str) -> dt.datetime:
    """Return the aware datetime of a timestamp written by rfc3339()."""
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)


def gmp_models() -> list[type[GmpRecord]]:
    """Return every concrete GmpRecord model installed."""
    from django.apps import apps

    return [m for m in apps.get_models() if issubclass(m, GmpRecord)]


def model_for(record_type: str) -> type[GmpRecord] | None:
    """Return the GmpRecord model of a record type name, or None."""
    for model in gmp_models():
        if model.record_type() == record_type:
            return model
    return None
