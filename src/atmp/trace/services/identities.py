"""Donors' and patients' personal data: register, correct, reveal, find, erase, rekey. Each one use case.

DESIGN.md principle 8 and docs/personal-data.md. The data is sealed (atmp.trace.sealed) in an
Identity beside the Person; what reaches the ledger is the COI, two digests, the reader and their
purpose: never the data. Reading it is a ledger event (`identity_revealed`, `identity_searched`)
naming the reader (the entry's actor), the person (COI) and the purpose (the entry's reason).
A reason or purpose that repeats the person's name, birth date or hospital number is refused.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.views.decorators.debug import sensitive_variables

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import Site, User
from atmp.accounts.services import can_see
from atmp.ledger import clock, writer
from atmp.ledger.canonical import dumps
from atmp.ledger.errors import Conflict, ReasonRequired, RecordVoided, RuleViolation, StaleRecord
from atmp.quality.services import edits
from atmp.trace import personal, retention, sealed
from atmp.trace.models import Identity, Person
from atmp.trace.services.persons import register_person

VIEW = "identity.view"
MANAGE = "identity.manage"
REVEALED = "identity_revealed"
SEARCHED = "identity_searched"
REKEYED = "identity_rekeyed"
MAX_PURPOSE = 500
RETENTION_YEARS = retention.RETENTION_YEARS  # Regulation (EC) No 1394/2007 Art. 15(4)
SALT_BYTES = 16


@dataclass(frozen=True)
class Revealed:
    """What a reveal shows: the person's COI, their personal data, and the ledger entry that recorded the read."""

    coi: str
    data: dict[str, str]
    entry_seq: int


@dataclass(frozen=True)
class Found:
    """The persons a search found (those the reader may see), and the ledger entry that recorded it."""

    persons: list[Person]
    entry_seq: int


# --- register ------------------------------------------------------------------------------------


@sensitive_variables("values", "data")
def register_person_with_identity(
    *,
    actor: User,
    kind: str,
    site: Site,
    reason: str = "",
    not_a_duplicate: bool = False,
    **values: Any,
) -> Person:
    """Register a donor or patient under a new COI with their personal data sealed, in one change."""
    edits.check_writer(actor, Identity, site=site)
    data = _checked(values)
    _check_reason(reason, data, required=not_a_duplicate)
    with writer.change(actor=actor, reason=reason) as ch:
        ch.hold()  # the duplicate check and the COI's sequence read what is stored: one registration at a time
        _refuse_duplicate(data, not_a_duplicate=not_a_duplicate)
        person = register_person(actor=actor, kind=kind, site=site, reason=reason)
        _seal_new(ch, person, data)
    return person


@sensitive_variables("values", "data")
def add_identity(
    *, actor: User, person: Person, reason: str = "", not_a_duplicate: bool = False, **values: Any
) -> Identity:
    """Seal the personal data of a person registered without it (an import, a registration before this module)."""
    edits.check_writer(actor, Identity, site=person.site)
    if person.voided:
        raise RecordVoided(f"{person.coi} is voided: no personal data is added to it")
    data = _checked(values)
    _check_reason(reason, data, required=not_a_duplicate)
    with writer.change(actor=actor, reason=reason) as ch:
        ch.hold()
        if Identity._base_manager.filter(person=person).exists():
            raise Conflict(f"{person.coi} has its personal data already: correct it instead")
        _refuse_duplicate(data, not_a_duplicate=not_a_duplicate)
        return _seal_new(ch, person, data)


def _seal_new(ch: writer.Change, person: Person, data: dict[str, str]) -> Identity:
    identity = sealed_identity(sealed.Keys.load(), person, data)
    ch.save(identity)
    return identity


@sensitive_variables("data", "data_key")
def sealed_identity(keys: sealed.Keys, person: Person, data: dict[str, str]) -> Identity:
    """Return a new, unsaved identity of the saved person with the checked data sealed under a new data key."""
    data_key = sealed.new_data_key()
    identity = Identity(person=person, wrapped_key=keys.wrap(data_key, person_id=person.pk))
    _seal_into(identity, keys, data_key, data)
    return identity


@sensitive_variables("data", "plaintext", "data_key")
def _seal_into(identity: Identity, keys: sealed.Keys, data_key: bytes, data: dict[str, str]) -> None:
    """Seal the data into the identity's row with its data key: ciphertext, digests and search index."""
    plaintext = _plaintext(identity.person_id, data)
    identity.ciphertext = sealed.seal(plaintext, data_key, person_id=identity.person_id)
    identity.ciphertext_sha256 = sealed.ciphertext_hash(identity.ciphertext)
    identity.data_hash = keys.data_hash(plaintext)
    identity.hospital_number_index, identity.name_birth_date_index = index_of(keys, data)


def _plaintext(person_id: int, data: Mapping[str, str]) -> bytes:
    """Return the sealed form: RFC 8785 JSON of the data, the person it belongs to and a random salt.

    The salt, sealed with the data, makes the audited keyed hash unguessable once the data key is
    destroyed, even to someone who holds the hash key and guesses a name, birth date and number.
    """
    salt = os.urandom(SALT_BYTES).hex()
    return dumps({"v": personal.VERSION, "person": person_id, "salt": salt, "data": dict(data)})


def index_of(keys: sealed.Keys, data: Mapping[str, str]) -> tuple[str, str]:
    """Return the search index's keyed hashes of the data: hospital number; name with birth date."""
    number = data.get("hospital_number", "")
    by_number = keys.index_hash(personal.hospital_number_key(number)) if number else ""
    by_name = keys.index_hash(personal.name_and_birth_date_key(data["name"], data["birth_date"]))
    return by_number, by_name


# --- correct -------------------------------------------------------------------------------------


@sensitive_variables("changes", "data", "old")
def correct_identity(
    *, actor: User, person: Person, reason: str, version: int | None = None, **changes: Any
) -> Identity:
    """Correct a person's personal data (a reason is required; it must not repeat the data)."""
    identity = _identity_of(person, actor=actor, permission=MANAGE)
    if not changes:
        raise InvalidInput("fields", f"name at least one field to correct: {', '.join(personal.FIELD_NAMES)}")
    if version is not None and version != identity.version:
        raise StaleRecord(
            f"{identity.record_key}: you saw version {version}, version {identity.version} is current; reload"
        )
    keys = sealed.Keys.load()
    old = open_data(identity, keys)
    data = _checked({**old, **changes})
    if data == old:
        raise InvalidInput("fields", "the corrected data is the data stored: nothing to correct")
    if not reason.strip():
        raise ReasonRequired("reason: say why the personal data is corrected (Annex 11 §9)")
    _check_reason(reason, old, required=True)
    _check_reason(reason, data, required=True)
    with writer.change(actor=actor, reason=reason) as ch:
        ch.hold()
        _refuse_duplicate(data, not_a_duplicate=True, besides=identity)
        _seal_into(identity, keys, keys.unwrap(identity.wrapped_key, person_id=person.pk), data)
        ch.save(identity)
    return identity


# --- reveal and find -----------------------------------------------------------------------------


def reveal(*, actor: User, person: Person, purpose: str) -> Revealed:
    """Return the person's personal data to a permitted reader, recording who read it, whose, and why."""
    identity = _identity_of(person, actor=actor, permission=VIEW)
    purpose = _purpose(purpose)
    keys = sealed.Keys.load()
    with writer.change(actor=actor, reason=purpose) as ch:
        data = open_data(identity, keys)
        _check_purpose(purpose, data)
        entry = ch.event(
            action=REVEALED,
            record_type=Identity.record_type(),
            record_id=str(identity.pk),
            record_version=identity.version,
            changes={"coi": [None, person.coi], "fields": [None, sorted(data)]},
        )
    return Revealed(person.coi, data, entry.seq)


@sensitive_variables("hospital_number", "name", "birth_date", "search")
def find(
    *,
    actor: User,
    purpose: str,
    hospital_number: str | None = None,
    name: str | None = None,
    birth_date: str | dt.date | None = None,
) -> Found:
    """Return the live persons whose hospital number (or name with birth date) matches, recording the search."""
    if not actor.can(VIEW):
        raise NotAllowed(f"your roles do not grant {VIEW!r}")
    purpose = _purpose(purpose)
    today = clock.now().date()
    try:
        if hospital_number not in (None, ""):
            if name or birth_date:
                raise personal.PersonalDataError(
                    "hospital_number", "search by the hospital number or by name and birth date, not both"
                )
            by, search = (
                "hospital_number",
                personal.hospital_number_key(personal.check_hospital_number(hospital_number, today)),
            )
        elif name or birth_date:
            by = "name_birth_date"
            search = personal.name_and_birth_date_key(
                personal.check_name(name, today), personal.check_birth_date(birth_date, today)
            )
        else:
            raise personal.PersonalDataError("hospital_number", "give a hospital number, or a name and a birth date")
    except personal.PersonalDataError as exc:
        raise InvalidInput(exc.field, exc.message) from None
    _check_purpose(purpose, {"hospital_number": str(hospital_number or ""), "name": str(name or "")})
    keys = sealed.Keys.load()
    column = "hospital_number_index" if by == "hospital_number" else "name_birth_date_index"
    rows = Identity.objects.filter(**{f"{column}__in": keys.index_hashes(search)}, voided=False, erased=False)
    persons = [i.person for i in rows.select_related("person", "person__site").order_by("person__coi")]
    persons = [p for p in persons if not p.voided and can_see(actor, p)]
    with writer.change(actor=actor, reason=purpose) as ch:
        entry = ch.event(
            action=SEARCHED,
            record_type=Identity.record_type(),
            record_id=None,
            changes={"by": [None, by], "found": [None, [p.coi for p in persons]]},
        )
    return Found(persons, entry.seq)


def open_data(identity: Identity, keys: sealed.Keys) -> dict[str, str]:
    """Return the identity's personal data, checked against its audited keyed hash; refuse when it does not hold."""
    if identity.erased:
        raise Conflict(f"the personal data of {identity.person.coi} was erased at the end of its retention")
    return keys.open_data(
        person_id=identity.person_id,
        wrapped_key=identity.wrapped_key,
        ciphertext=bytes(identity.ciphertext),
        data_hash=identity.data_hash,
        name=identity.record_key,
    )


# --- erase at the end of retention -----------------------------------------------------------------


def retention_end(person: Person) -> dt.date | None:
    """Return the day the person's traceability data may go: 30 years after the last expiry of what they gave or got.

    What they gave: their donations and every lot made from them (one forward trace); what they
    got: the lots administered to them. None when a lot of those has no expiry date (its retention
    cannot end yet). A person reached by no lot has no traceability record to keep: today. The rule
    is atmp.trace.retention's, shared by every traceability record.
    """
    return retention.retention_end(person)


def erase_identity(*, actor: User, person: Person, reason: str) -> Identity:
    """Destroy the person's data key once their retention has ended: the data can never be read again."""
    identity = _identity_of(person, actor=actor, permission=MANAGE)
    if identity.erased:
        raise Conflict(f"the personal data of {person.coi} is erased already")
    if not reason.strip():
        raise ReasonRequired("reason: say why the personal data is erased")
    ends = retention_end(person)
    today = clock.now().date()
    if ends is None:
        raise RuleViolation(
            f"{person.coi}: a lot they gave or received has no expiry date, so its 30-year retention "
            "(Regulation (EC) 1394/2007 Art. 15) cannot end: the personal data is kept"
        )
    if ends > today:
        raise RuleViolation(
            f"{person.coi}: the traceability data is kept until {ends.isoformat()} (30 years after the "
            "last expiry, Regulation (EC) 1394/2007 Art. 15; GDPR Art. 17(3)(b)): it cannot be erased before"
        )
    with writer.change(actor=actor, reason=reason) as ch:
        identity.erased = True
        identity.wrapped_key = ""
        identity.hospital_number_index = identity.name_birth_date_index = ""
        ch.save(identity)
    return identity


# --- rotate the keys -----------------------------------------------------------------------------


def rekey(*, actor: User, reason: str) -> dict[str, int]:
    """Re-wrap every data key and re-hash every identity under the keyrings' current keys; return the counts.

    Run after putting a new key on top of a keyring; afterwards the old key can be removed. A new
    keyed hash is an audited change of each identity (with the reason); a re-wrapped data key and
    the search index are not audited fields, and one entry records the run.
    """
    if not actor.can(MANAGE):
        raise NotAllowed(f"your roles do not grant {MANAGE!r}")
    if not reason.strip():
        raise ReasonRequired("reason: say why the keys are rotated")
    keys = sealed.Keys.load()
    hash_kid = keys.hashing.current[0]
    counts = {"identities": 0, "rewrapped": 0, "rehashed": 0, "voided_kept": 0}
    with writer.change(actor=actor, reason=reason) as ch:
        ch.hold()
        for identity in Identity._base_manager.filter(erased=False).select_related("person").order_by("pk"):
            counts["identities"] += 1
            data_key = keys.unwrap(identity.wrapped_key, person_id=identity.person_id)
            wrapped = identity.wrapped_key
            if not keys.wrapped_with_current(wrapped):
                wrapped = keys.wrap(data_key, person_id=identity.person_id)
                counts["rewrapped"] += 1
            stale_hash = identity.data_hash.partition(":")[0] != hash_kid
            if stale_hash and identity.voided:
                # A voided record is never changed: its keyed hash stays under the old hash key,
                # which therefore stays in the keyring (below the current one).
                counts["voided_kept"] += 1
            if stale_hash and not identity.voided:
                data = open_data(identity, keys)
                identity.wrapped_key = wrapped
                _seal_into(identity, keys, data_key, data)
                ch.save(identity)
                counts["rehashed"] += 1
                continue
            unaudited: dict[str, str] = {}
            if wrapped != identity.wrapped_key:
                unaudited["wrapped_key"] = wrapped
            if identity.name_birth_date_index.partition(":")[0] != hash_kid:
                by_number, by_name = index_of(keys, open_data(identity, keys))
                unaudited |= {"hospital_number_index": by_number, "name_birth_date_index": by_name}
            if unaudited:
                # Fields the snapshot does not hold: written as they are; the run's entry records it.
                Identity._base_manager.filter(pk=identity.pk).update(**unaudited)
        ch.event(
            action=REKEYED,
            record_type=Identity.record_type(),
            record_id=None,
            changes={
                name: [None, value]
                for name, value in {"wrapping_key": keys.wrapping.current[0], "hash_key": hash_kid, **counts}.items()
            },
        )
    return counts


# --- shared checks --------------------------------------------------------------------------------


def _identity_of(person: Person, *, actor: User, permission: str) -> Identity:
    if not actor.can(permission):
        raise NotAllowed(f"your roles do not grant {permission!r}")
    if not can_see(actor, person):
        raise InvalidInput("person", f"there is no person {person.coi!r}")
    identity = Identity._base_manager.filter(person=person).select_related("person").first()
    if identity is None:
        raise InvalidInput("person", f"{person.coi} has no personal data registered")
    if identity.voided:
        raise RecordVoided(f"{identity.record_key} is voided")
    return identity


def _checked(values: Mapping[str, Any]) -> dict[str, str]:
    try:
        return personal.check(values, today=clock.now().date())
    except personal.PersonalDataError as exc:
        raise InvalidInput(exc.field, exc.message) from None


def _refuse_duplicate(data: Mapping[str, str], *, not_a_duplicate: bool, besides: Identity | None = None) -> None:
    """Refuse a hospital number registered already; a name with birth date unless confirmed as another person.

    The refusal does not name the person registered: it would link the data typed to a COI without
    the recorded search (`find`) that such a link takes, whoever's site the person is at.
    """
    keys = sealed.Keys.load()
    live = Identity._base_manager.filter(voided=False, erased=False)
    if besides is not None:
        live = live.exclude(pk=besides.pk)
    number = data.get("hospital_number", "")
    if (
        number
        and live.filter(hospital_number_index__in=keys.index_hashes(personal.hospital_number_key(number))).exists()
    ):
        raise InvalidInput(
            "hospital_number", "is registered already for another person: find them with a (recorded) search"
        )
    if not not_a_duplicate:
        key = personal.name_and_birth_date_key(data["name"], data["birth_date"])
        if live.filter(name_birth_date_index__in=keys.index_hashes(key)).exists():
            raise InvalidInput(
                "name",
                "a person of this name and birth date is registered already (find them with a recorded search): "
                "if this is another person, confirm it (not_a_duplicate, --not-a-duplicate) and say why",
            )


def _check_reason(reason: str, data: Mapping[str, str], *, required: bool) -> None:
    reason = edits.text(reason, "reason", limit=2000)
    if required and not reason:
        raise ReasonRequired("reason: say why (a duplicate name and birth date confirmed, a correction)")
    field = personal.mentions(reason, data)
    if field is not None:
        raise InvalidInput(
            "reason", f"repeats the person's {field.replace('_', ' ')}: personal data never enters the ledger"
        )


def _purpose(purpose: str) -> str:
    text = edits.text(purpose, "purpose", required=True, limit=MAX_PURPOSE)
    if not any(c.isalpha() for c in text):
        raise InvalidInput("purpose", "say why you need the personal data, in words")
    return text


def _check_purpose(purpose: str, data: Mapping[str, str]) -> None:
    field = personal.mentions(purpose, data)
    if field is not None:
        raise InvalidInput(
            "purpose", f"repeats the person's {field.replace('_', ' ')}: the purpose is recorded in the ledger"
        )
