"""Users, sites and role assignments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import AbstractUser
from django.db import models

from atmp.accounts.roles import Role, permissions_of
from atmp.accounts.throttle import AuthThrottle  # noqa: F401 - a model of this app, declared with its logic
from atmp.ledger.records import GmpRecord, RecordStatus


class User(AbstractUser):
    """A person who signs in; roles come from their active role assignments."""

    full_name = models.CharField(max_length=200)
    # The base32 TOTP secret (RFC 6238), sealed with the MFA key outside the database (accounts.sealed).
    mfa_secret = models.CharField(max_length=255, blank=True)
    mfa_enabled = models.BooleanField(default=False)
    # RFC 6238 §5.2: a code is accepted once; remember the last time step used.
    last_otp_step = models.BigIntegerField(default=0)
    failed_logins = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    # Set when an administrator chose the password (a new account, a reset): the person must replace
    # it with one only they know before doing anything else (ASVS V2.1.6, Annex 11 §12).
    must_change_password = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.full_name} ({self.username})"

    def check_password(self, raw_password: str | None) -> bool:
        """Check the password; a hash upgraded to new Argon2id parameters is attested in the ledger."""

        def rehash(raw: str | None) -> None:
            from atmp.accounts.attest import account_event
            from atmp.ledger import writer

            self.set_password(raw)
            self._password = None
            with writer.change(actor=None, reason="password hash upgraded to the current Argon2id parameters") as ch:
                self.save(update_fields=["password"])
                account_event(ch, self, action="password_rehashed")

        return check_password(raw_password, self.password, rehash)

    def ledger_name(self) -> str:
        """Return the printed name the ledger and signatures record."""
        return self.full_name or self.username

    def ledger_roles(self) -> list[str]:
        """Return the user's active roles, as recorded in each of their ledger entries."""
        return sorted(self.roles())

    def roles(self) -> set[str]:
        """Return the roles of the user's active assignments (cached on the instance).

        A pending assignment (a GMP role awaiting a QA Approver's approval) grants nothing yet.
        """
        cached: set[str] | None = getattr(self, "_roles_cache", None)
        if cached is None:
            cached = (
                set(RoleAssignment.in_force().filter(user=self).values_list("role", flat=True)) if self.pk else set()
            )
            self._roles_cache = cached
        return cached

    def forget_roles(self) -> None:
        """Drop the cached roles and sites after an assignment changes."""
        self.__dict__.pop("_roles_cache", None)
        self.__dict__.pop("_sites_cache", None)

    def permissions(self) -> frozenset[str]:
        """Return what the user's roles allow; nothing for an inactive account."""
        if not self.is_active:
            return frozenset()
        return permissions_of(self.roles())

    def can(self, permission: str) -> bool:
        """Return True when one of the user's roles grants the permission."""
        return permission in self.permissions()

    def site_ids(self) -> set[int] | None:
        """Return the ids of the sites the user works at, or None for every site (cached like the roles).

        A page asks once per record type it lists (My work: about 30 times), so the answer is kept
        on the instance, which lives for one request, and dropped with the roles when an assignment changes.
        """
        if "_sites_cache" not in self.__dict__:
            ids = (
                set(RoleAssignment.in_force().filter(user=self).values_list("site_id", flat=True)) if self.pk else set()
            )
            self._sites_cache = None if None in ids else frozenset(i for i in ids if i is not None)
        cached: frozenset[int] | None = self._sites_cache
        return None if cached is None else set(cached)


class Site(GmpRecord):
    """A manufacturing or testing site; users see the records of their own sites."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64, default="Europe/Amsterdam")
    address = models.TextField(blank=True)

    write_permission: ClassVar[str] = "sites.manage"
    # Site master data is QA's: those who may manage sites author them, QA and the QP review and
    # approve them; a PV Officer, an operator or a QC analyst has no business signing them.
    signing_meanings: ClassVar[Mapping[str, frozenset[str]] | None] = {
        "authored": frozenset({Role.QA_REVIEWER, Role.QA_APPROVER}),
        "reviewed": frozenset({Role.QA_REVIEWER, Role.QA_APPROVER, Role.QUALIFIED_PERSON}),
        "approved": frozenset({Role.QA_APPROVER, Role.QUALIFIED_PERSON}),
    }

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def concerned_site_ids(self) -> frozenset[int] | None:
        """Return the site itself: a site concerns itself only."""
        return frozenset({int(self.pk)})


class RoleAssignment(GmpRecord):
    """A role given to a user at one site (or at every site when site is empty).

    A GMP role starts "pending" and takes effect ("active") only when a QA Approver approves it
    with a signature (docs/adr/0006-role-approval.md); a rejected one is voided with status "rejected".
    """

    PENDING: ClassVar[str] = "pending"
    ACTIVE: ClassVar[str] = RecordStatus.ACTIVE
    REJECTED: ClassVar[str] = "rejected"

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(max_length=32, choices=Role.choices)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="assignments")

    write_permission: ClassVar[str] = "accounts.manage"
    # Annex 11 §12: a role is given by the administrator and approved by QA, a second person.
    signing_meanings: ClassVar[Mapping[str, frozenset[str]] | None] = {
        "approved": frozenset({Role.QA_APPROVER}),
    }

    class Meta:
        ordering = ["user_id", "role"]

    def subject_user_ids(self) -> frozenset[int]:
        """Return the user the role is given to: nobody approves their own roles."""
        return frozenset({int(self.user_id)})

    def concerned_site_ids(self) -> frozenset[int] | None:
        """Return the assignment's site, or None for a role at every site."""
        return None if self.site_id is None else frozenset({int(self.site_id)})

    def __str__(self) -> str:
        where = self.site.code if self.site_id and self.site else "all sites"
        return f"{self.get_role_display()} for {self.user.username} at {where}"

    @classmethod
    def in_force(cls) -> models.QuerySet[RoleAssignment]:
        """Return the assignments that grant their role now: active, not voided."""
        return cls.objects.filter(voided=False, status=RecordStatus.ACTIVE)

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save through the ledger, and keep the user's cached roles fresh."""
        super().save(*args, **kwargs)
        self.user.forget_roles()


class ApiToken(models.Model):
    """A bearer token for the REST API; only its SHA-256 is stored, the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)  # shown in lists so a user can tell tokens apart
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked = models.BooleanField(default=False)
    # "read": safe methods only (GET, HEAD, OPTIONS), enforced in atmp.api.auth; "read-write": all.
    scope = models.CharField(max_length=16, default="read-write")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


__all__ = ["ApiToken", "RecordStatus", "Role", "RoleAssignment", "Site", "User"]
