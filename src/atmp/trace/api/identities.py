"""REST operations on donors' and patients' personal data: add, correct, reveal, find, erase.

Registering a person with their personal data is `POST /trace/persons` (atmp.trace.api.persons)
with the personal fields.

Only the reveal answers with personal data, and only with `Cache-Control: no-store`; every other
answer carries the COI and the sealed record's digests. A search travels in a POST body, never in a
URL, so that no hospital number or name lands in an access log.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status
from pydantic import StrictBool

from atmp.accounts.access import requires
from atmp.api.auth import user_of
from atmp.api.schemas import BodyIn, Reason, answers, bounded, segment
from atmp.quality.api.paging import Version
from atmp.trace.models import Identity, Person
from atmp.trace.selectors.lookups import person_named
from atmp.trace.services import identities as svc

router = Router(tags=["trace: donors and patients"])

Coi = Annotated[str, segment(40)]
Name = Annotated[str, bounded(200)]
BirthDate = Annotated[str, bounded(20)]
HospitalNumber = Annotated[str, bounded(40)]
Purpose = Annotated[str, bounded(svc.MAX_PURPOSE)]
NO_STORE = "no-store, private"


class IdentityIn(BodyIn):
    """The personal data of a person registered without it."""

    name: Name
    birth_date: BirthDate
    hospital_number: HospitalNumber
    reason: Reason = ""
    not_a_duplicate: StrictBool = False


class IdentityPatch(BodyIn):
    """A correction of some of the personal data, with why and the version seen."""

    reason: Reason
    version: Version | None = None
    name: Name | None = None
    birth_date: BirthDate | None = None
    hospital_number: HospitalNumber | None = None


class EraseIn(BodyIn):
    """Why the personal data is erased (only once its retention has ended)."""

    reason: Reason


class RevealIn(BodyIn):
    """Why the reader needs the personal data: recorded in the ledger with the reader and the COI."""

    purpose: Purpose


class FindIn(BodyIn):
    """A hospital number, or a name with a birth date, and why: recorded with what was found."""

    purpose: Purpose
    hospital_number: HospitalNumber | None = None
    name: Name | None = None
    birth_date: BirthDate | None = None


class IdentityOut(Schema):
    """The sealed record of a person's personal data, as the ledger knows it: its digests, never the data."""

    record: str
    version: int
    coi: str
    data_hash: str
    ciphertext_sha256: str
    erased: bool


class RevealedOut(Schema):
    """A person's personal data, and the ledger entry that recorded this read."""

    coi: str
    name: str
    birth_date: str
    hospital_number: str
    entry_seq: int


class FoundPerson(Schema):
    record: str
    coi: str
    kind: str
    site: str


class FoundOut(Schema):
    """The persons found (of the reader's sites), and the ledger entry that recorded the search."""

    items: list[FoundPerson]
    entry_seq: int


def identity_doc(identity: Identity) -> dict[str, Any]:
    """Return a sealed identity as IdentityOut."""
    return {
        "record": identity.record_key,
        "version": identity.version,
        "coi": identity.person.coi,
        "data_hash": identity.data_hash,
        "ciphertext_sha256": identity.ciphertext_sha256,
        "erased": identity.erased,
    }


def identity_summary(person: Person) -> dict[str, Any] | None:
    """Return the digests of the person's sealed personal data as IdentityOut, or None when none is registered."""
    identity = Identity._base_manager.filter(person=person).select_related("person").first()
    return identity_doc(identity) if identity is not None else None


def _person(request: HttpRequest, coi: str) -> Person:
    return person_named(coi, user_of(request))


@router.post("/trace/persons/find", response=answers({200: FoundOut}))
@requires("identity.view")
def find_persons(request: HttpRequest, body: FindIn, response: HttpResponse) -> dict[str, Any]:
    """Find persons by hospital number, or by name and birth date (recorded with the purpose and what was found)."""
    response["Cache-Control"] = NO_STORE
    found = svc.find(actor=user_of(request), **body.model_dump())
    items = [{"record": p.record_key, "coi": p.coi, "kind": p.kind, "site": p.site.code} for p in found.persons]
    return {"items": items, "entry_seq": found.entry_seq}


@router.post("/trace/persons/{coi}/reveal", response=answers({200: RevealedOut}))
@requires("identity.view")
def reveal_person(request: HttpRequest, coi: Coi, body: RevealIn, response: HttpResponse) -> dict[str, Any]:
    """Show a person's personal data (recorded in the ledger: the reader, the COI and the purpose)."""
    response["Cache-Control"] = NO_STORE
    shown = svc.reveal(actor=user_of(request), person=_person(request, coi), purpose=body.purpose)
    return {"coi": shown.coi, **shown.data, "entry_seq": shown.entry_seq}


@router.post("/trace/persons/{coi}/identity", response=answers({201: IdentityOut}))
@requires("identity.manage")
def add_identity(request: HttpRequest, coi: Coi, body: IdentityIn) -> Status[dict[str, Any]]:
    """Seal the personal data of a person registered without it."""
    made = svc.add_identity(actor=user_of(request), person=_person(request, coi), **body.model_dump())
    return Status(201, identity_doc(made))


@router.patch("/trace/persons/{coi}/identity", response=answers({200: IdentityOut}))
@requires("identity.manage")
def correct_identity(request: HttpRequest, coi: Coi, body: IdentityPatch) -> dict[str, Any]:
    """Correct a person's personal data (a reason is required)."""
    changes = body.model_dump(exclude={"reason", "version"}, exclude_none=True)
    fixed = svc.correct_identity(
        actor=user_of(request), person=_person(request, coi), reason=body.reason, version=body.version, **changes
    )
    return identity_doc(fixed)


@router.post("/trace/persons/{coi}/identity/erase", response=answers({200: IdentityOut}))
@requires("identity.manage")
def erase_identity(request: HttpRequest, coi: Coi, body: EraseIn) -> dict[str, Any]:
    """Destroy a person's data key once their 30-year retention has ended (422 before)."""
    return identity_doc(svc.erase_identity(actor=user_of(request), person=_person(request, coi), reason=body.reason))
