"""Donors and patients: register one under a new COI code of the site's scheme, and nothing more.

No personal data is taken here (DESIGN.md principle 8): who the person is is kept apart, sealed,
by atmp.trace.services.identities (which calls this in the same change); this record and its
ledger entries carry the COI only.
"""

from __future__ import annotations

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import Site, User
from atmp.accounts.services import can_see
from atmp.ledger import writer
from atmp.quality.services import edits
from atmp.trace import coi
from atmp.trace.models import Lot, Person, PersonKind


def register_person(*, actor: User, kind: str, site: Site, reason: str = "") -> Person:
    """Register a donor or patient of the site under the next COI code of the site's scheme."""
    edits.check_writer(actor, Person, site=site)
    person = Person(kind=edits.choice(kind, "kind", PersonKind.values), site=site)
    with writer.change(actor=actor, reason=reason) as ch:
        ch.hold()  # the next sequence number is derived from what is stored: one registration at a time
        person.coi = _next_coi(site)
        ch.save(person)
    return person


def _next_coi(site: Site) -> str:
    stem = f"{site.code}-{coi.PERSON}-"
    taken = Person._base_manager.filter(coi__startswith=stem).values_list("coi", flat=True)
    sequence = max((s for t in taken if (s := coi.sequence_of(t)) is not None), default=0) + 1
    made = coi.make_coi(site.code, sequence)
    while Lot._base_manager.filter(number=made).exists():  # a lot numbered like a COI: skip that code
        sequence += 1
        made = coi.make_coi(site.code, sequence)
    return made


def find_person(code: str, *, field: str = "person", user: User | None = None) -> Person:
    """Return the live person of the COI (one the user may see), or refuse naming the field."""
    found = Person.objects.filter(coi=str(code).strip(), voided=False).first()
    if found is None or (user is not None and not can_see(user, found)):
        raise InvalidInput(field, f"there is no person {code!r}")
    return found
