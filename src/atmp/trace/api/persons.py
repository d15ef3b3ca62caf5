"""REST operations of donors and patients: register one (a new COI, with or without their personal data), read one.

The personal data, when given, is sealed by atmp.trace.services.identities in the same change as
the person (and needs the permission identity.manage); no answer here ever carries it back, only
the sealed record's digests (atmp.trace.api.identities holds the reveal and the search).
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import StrictBool

from atmp.accounts import services as accounts
from atmp.accounts.access import requires
from atmp.api.auth import user_of
from atmp.api.schemas import BodyIn, Reason, answers, bounded, segment
from atmp.trace.api.documents import person_document
from atmp.trace.api.identities import BirthDate, HospitalNumber, IdentityOut, Name, identity_summary
from atmp.trace.selectors.lookups import person_named
from atmp.trace.services import identities
from atmp.trace.services import persons as svc

router = Router(tags=["trace"])


class PersonIn(BodyIn):
    """A donor or patient to register at a site; the answer is their new COI.

    With name, birth_date and hospital_number (all three) the personal data is sealed in the same
    change (permission identity.manage: a Chain-of-Identity Coordinator); not_a_duplicate confirms
    another person of a registered name and birth date (say why in the reason).
    """

    kind: Annotated[str, bounded(16)]
    site: Annotated[str, bounded(20)]
    reason: Reason = ""
    name: Name | None = None
    birth_date: BirthDate | None = None
    hospital_number: HospitalNumber | None = None
    not_a_duplicate: StrictBool = False


class PersonOut(Schema):
    id: int
    record: str
    version: int
    coi: str
    kind: str
    site: str
    retention_end: str | None = None
    identity: IdentityOut | None = None


@router.post("/trace/persons", response=answers({201: PersonOut}))
@requires("records.write")
def register_person(request: HttpRequest, body: PersonIn) -> Status[dict[str, Any]]:
    """Register a donor or patient under the next COI of the site's scheme, with their personal data sealed if given."""
    site = accounts.find_site(body.site)
    personal = body.model_dump(include={"name", "birth_date", "hospital_number"}, exclude_none=True)
    if personal or body.not_a_duplicate:
        made = identities.register_person_with_identity(
            actor=user_of(request),
            kind=body.kind,
            site=site,
            reason=body.reason,
            not_a_duplicate=body.not_a_duplicate,
            **personal,
        )
    else:
        made = svc.register_person(actor=user_of(request), kind=body.kind, site=site, reason=body.reason)
    return Status(201, {**person_document(made), "identity": identity_summary(made)})


@router.get("/trace/persons/{coi}", response=answers({200: PersonOut}))
@requires("records.view")
def get_person(request: HttpRequest, coi: Annotated[str, segment(40)]) -> dict[str, Any]:
    """Return the person of the COI: the code and kind, and the digests of their sealed personal data, if any."""
    found = person_named(coi, user_of(request))
    return {**person_document(found), "identity": identity_summary(found)}
