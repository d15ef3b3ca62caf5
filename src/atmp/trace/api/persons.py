"""REST operations of donors and patients: register one (a new COI), and read one by its COI."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from atmp.accounts import services as accounts
from atmp.accounts.access import requires
from atmp.api.auth import user_of
from atmp.api.schemas import BodyIn, Reason, answers, bounded, segment
from atmp.trace.api.documents import person_document
from atmp.trace.selectors.lookups import person_named
from atmp.trace.services import persons as svc

router = Router(tags=["trace"])


class PersonIn(BodyIn):
    """A donor or patient to register at a site: no personal data, the answer is their new COI."""

    kind: Annotated[str, bounded(16)]
    site: Annotated[str, bounded(20)]
    reason: Reason = ""


class PersonOut(Schema):
    id: int
    record: str
    version: int
    coi: str
    kind: str
    site: str


@router.post("/trace/persons", response=answers({201: PersonOut}))
@requires("records.write")
def register_person(request: HttpRequest, body: PersonIn) -> Status[dict[str, Any]]:
    """Register a donor or patient under the next COI of the site's scheme."""
    made = svc.register_person(
        actor=user_of(request), kind=body.kind, site=accounts.find_site(body.site), reason=body.reason
    )
    return Status(201, person_document(made))


@router.get("/trace/persons/{coi}", response=answers({200: PersonOut}))
@requires("records.view")
def get_person(request: HttpRequest, coi: Annotated[str, segment(40)]) -> dict[str, Any]:
    """Return the person of the COI (the code and kind only: there is nothing else here)."""
    return person_document(person_named(coi, user_of(request)))
