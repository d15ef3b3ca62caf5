"""Who a donor or patient is, sealed: the personal data of a Person, kept apart from it and from the ledger.

DESIGN.md principle 8, docs/personal-data.md, docs/adr/0015-sealed-identities.md. The personal data
(name, birth date, hospital number; atmp.trace.personal declares the fields) is stored only as
`ciphertext`, sealed with the person's own data key, which is stored only wrapped by a key outside
the database (atmp.trace.sealed). The audited snapshot, and so the ledger, carries two digests and
nothing else about the person: the keyed hash of the sealed data (a server holding the hash key
proves the row unchanged) and the SHA-256 of the ciphertext (anyone proves it, with no key).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from django.db import models
from django.db.models import Q

from atmp.accounts.roles import Role
from atmp.ledger.records import GmpRecord
from atmp.trace.models.persons import Person

__all__ = ["Identity"]


class Identity(GmpRecord):
    """The sealed personal data of one donor or patient, found through their COI, shown only on a recorded reveal."""

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="identity")
    # Audited: the keyed hash ("key id:HMAC-SHA256 hex") of the sealed plaintext, and the SHA-256 of
    # the ciphertext as stored.
    data_hash = models.CharField("keyed hash of the personal data", max_length=80)
    ciphertext_sha256 = models.CharField("SHA-256 of the sealed data", max_length=64)
    # Set when the retention ended and the data key was destroyed (crypto-shredding): the data can
    # no longer be read by anyone, the ciphertext and its proof stay.
    erased = models.BooleanField("erased (data key destroyed)", default=False)

    # Not audited (unaudited_fields): they hold the person, sealed or keyed, and must never reach the
    # ledger, which keeps what it is given for 30 years. `atmp verify` checks each of them: the
    # ciphertext against its audited SHA-256, and, where the keys are, the data key, the data and
    # the search index against the audited keyed hash.
    ciphertext = models.BinaryField()
    wrapped_key = models.CharField(max_length=200, blank=True)  # "key id:base64", empty once erased
    hospital_number_index = models.CharField(max_length=80, blank=True)  # keyed hash, for search
    name_birth_date_index = models.CharField(max_length=80, blank=True)  # keyed hash, for search

    # Left out of the snapshot: the sealed data, its wrapped key and the search index. Each is
    # personal data (sealed or pseudonymised); the snapshot's two digests prove them instead.
    unaudited_fields: ClassVar[frozenset[str]] = frozenset(
        {"ciphertext", "wrapped_key", "hospital_number_index", "name_birth_date_index"}
    )
    write_permission: ClassVar[str] = "identity.manage"
    site_path: ClassVar[str | None] = "person__site_id"
    # A second coordinator may verify an identity as registered (a two-person check of who the patient is).
    signing_meanings: ClassVar[Mapping[str, frozenset[str]] | None] = {
        "authored": frozenset({Role.COI_COORDINATOR}),
        "verified": frozenset({Role.COI_COORDINATOR}),
    }

    person_id: int

    class Meta:
        ordering = ["pk"]
        verbose_name = "identity"
        verbose_name_plural = "identities"
        constraints = [
            # One live registration per hospital number (under one hash key): a duplicate is refused
            # by the service, and by the database should two registrations ever race.
            models.UniqueConstraint(
                fields=["hospital_number_index"],
                condition=Q(voided=False, erased=False) & ~Q(hospital_number_index=""),
                name="trace_identity_one_hospital_number",
            ),
        ]
        # The search's lookups (the partial unique index above serves only queries that name its condition).
        indexes = [
            models.Index(fields=["hospital_number_index"], name="trace_identity_hospital_no"),
            models.Index(fields=["name_birth_date_index"], name="trace_identity_name_birth"),
        ]

    def __str__(self) -> str:
        return f"Identity of {self.person.coi}"
