"""Account and site administration: every change audited in the ledger, every rule enforced here."""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from atmp.accounts.attest import USER_TYPE as USER_TYPE  # re-exported: auth and the web name it from here
from atmp.accounts.attest import account_event
from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import RoleAssignment, Site, User
from atmp.accounts.roles import Role
from atmp.ledger import writer
from atmp.ledger.records import GmpRecord

# Every role but the administrator's is a GMP role: it needs a QA Approver's approval before it
# takes effect, and nobody holds one beside system_admin (Annex 11 §12; docs/adr/0006-role-approval.md).
ADMIN_ROLE = Role.SYSTEM_ADMIN.value

USERNAME = re.compile(r"^[a-z][a-z0-9._-]{1,39}$")
SITE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")


def check_printed_name(field: str, value: str) -> None:
    """Refuse a name with control, format or bidirectional-override characters (U+202E, U+200B, U+2066…).

    A printed name appears on every signature (Part 11 §11.50): an invisible or reordering character
    would let one name display as another.
    """
    for char in value:
        if unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp"):
            raise InvalidInput(
                field, f"contains the invisible or control character U+{ord(char):04X}: type the name as it is printed"
            )


def require(actor: User | None, permission: str) -> None:
    """Refuse unless the actor (None: atmp itself, e.g. the CLI's bootstrap) holds the permission."""
    if actor is not None and not actor.can(permission):
        raise NotAllowed(f"{actor.username} may not do this: it needs the permission '{permission}'")


def user_snapshot(user: User) -> dict[str, Any]:
    """Return the audited fields of an account (never its password hash or MFA secret)."""
    return {"username": user.username, "full_name": user.full_name, "email": user.email, "is_active": user.is_active}


def _check_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput("password", " ".join(exc.messages)) from None


def create_user(
    *,
    actor: User | None,
    username: str,
    full_name: str,
    email: str = "",
    password: str,
    roles: Iterable[str] = (),
    site: Site | None = None,
    reason: str = "",
    must_change_password: bool | None = None,
) -> User:
    """Create an account with its roles; the ledger records who created it.

    An account an administrator creates must change its password at first sign-in (the
    administrator knows it); the server console's (actor None) need not unless asked to.
    """
    require(actor, "accounts.manage")
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise InvalidInput("username", "2–40 characters: a lowercase letter, then letters, digits, '.', '_' or '-'")
    if not full_name.strip():
        raise InvalidInput("full_name", "the printed name is required: it appears on every signature (Part 11 §11.50)")
    check_printed_name("full_name", full_name)
    if User.objects.filter(username=username).exists():
        raise InvalidInput("username", f"{username!r} is taken")
    user = User(username=username, full_name=full_name.strip(), email=email.strip())
    _check_password(password, user)
    roles = list(roles)
    _check_roles(roles)
    _check_admin_apart(set(roles))
    user.set_password(password)
    user.must_change_password = actor is not None if must_change_password is None else must_change_password
    with writer.change(actor=actor, reason=reason) as ch:
        user.save()
        account_event(ch, user, action="user_created", changes={k: [None, v] for k, v in user_snapshot(user).items()})
        for role in roles:
            RoleAssignment(user=user, role=role, site=site, status=_first_status(actor, user, role)).save()
    user.forget_roles()
    return user


def _check_roles(roles: Iterable[str]) -> None:
    for role in roles:
        if role not in Role.values:
            raise InvalidInput("roles", f"{role!r} is not a role; use one of: {', '.join(Role.values)}")


def _check_admin_apart(roles: set[str]) -> None:
    """Refuse system_admin beside any GMP role (at any site): IT and GMP duties stay apart."""
    if ADMIN_ROLE in roles and roles - {ADMIN_ROLE}:
        others = ", ".join(sorted(roles - {ADMIN_ROLE}))
        raise NotAllowed(
            f"segregation of duties: a System Administrator holds no GMP role ({others}) beside it, "
            "at any site (Annex 11 §12)"
        )


def _first_status(actor: User | None, user: User, role: str) -> str:
    """Return the status a new assignment starts in: pending for a GMP role, unless bootstrapping.

    The server console (actor None) grants directly only while nobody else could approve the
    grant, which is how the first QA Approver comes to exist (docs/adr/0006-role-approval.md).
    """
    if role == ADMIN_ROLE:
        return RoleAssignment.ACTIVE
    if actor is None and not _approvers_besides(user):
        return RoleAssignment.ACTIVE
    return RoleAssignment.PENDING


def _approvers_besides(user: User) -> bool:
    """Return True when an active account other than the user may sign role assignments as approved."""
    from atmp.accounts.roles import signing_meanings_of

    # The role assignment's own declaration says who approves it (a QP does not).
    approving = sorted(signing_meanings_of(RoleAssignment)["approved"])
    return RoleAssignment.in_force().filter(role__in=approving, user__is_active=True).exclude(user=user).exists()


def set_roles(*, actor: User | None, user: User, roles: Iterable[str], site: Site | None = None, reason: str) -> User:
    """Make the user's roles (at one site, or at all sites) exactly `roles`, voiding the others.

    A new GMP role starts pending until a QA Approver approves it (approve_role_assignment).
    """
    require(actor, "accounts.manage")
    check_manages(actor, user)
    if actor is not None and actor.pk == user.pk:
        raise NotAllowed("segregation of duties: you cannot change your own roles; another administrator must")
    wanted = set(roles)
    _check_roles(wanted)
    if not reason.strip():
        raise InvalidInput("reason", "a reason is required for every change of a user's roles (Annex 11 §9, §12)")
    current = {a.role: a for a in RoleAssignment.objects.filter(user=user, site=site, voided=False)}
    if set(current) == wanted:
        raise InvalidInput("roles", f"{user.username} already has exactly these roles")
    elsewhere = set(
        RoleAssignment.objects.filter(user=user, voided=False).exclude(site=site).values_list("role", flat=True)
    )
    _check_admin_apart(wanted | elsewhere)
    with writer.change(actor=actor, reason=reason):
        for role, assignment in current.items():
            if role not in wanted:
                assignment.voided = True
                assignment.status = "voided"
                assignment.save()
        for role in sorted(wanted - set(current)):
            RoleAssignment(user=user, role=role, site=site, status=_first_status(actor, user, role)).save()
    user.forget_roles()
    return user


def pending_assignments(user: User | None = None) -> list[RoleAssignment]:
    """Return the role assignments awaiting approval (of one user, or of everyone), oldest first."""
    rows = RoleAssignment.objects.filter(voided=False, status=RoleAssignment.PENDING).select_related("user", "site")
    if user is not None:
        rows = rows.filter(user=user)
    return list(rows.order_by("created_at", "pk"))


def disable_user(*, actor: User | None, user: User, reason: str) -> User:
    """Disable an account (accounts are never deleted: their entries and signatures name them)."""
    require(actor, "accounts.manage")
    if not reason.strip():
        raise InvalidInput("reason", "a reason is required to disable an account")
    if not user.is_active:
        raise InvalidInput("username", f"{user.username} is already disabled")
    if actor is not None and actor.pk == user.pk:
        raise NotAllowed("you cannot disable your own account")
    check_manages(actor, user)
    with writer.change(actor=actor, reason=reason) as ch:
        user.is_active = False
        user.save(update_fields=["is_active"])
        account_event(ch, user, action="user_disabled", changes={"is_active": [True, False]})
    return user


def _recovery(actor: User | None, user: User, reason: str, what: str) -> None:
    """Check what every recovery action needs: the permission, a reason, and not one's own account."""
    require(actor, "accounts.manage")
    if actor is not None and actor.pk == user.pk:
        raise NotAllowed(f"you cannot {what} your own account; another administrator must")
    check_manages(actor, user)
    if not reason.strip():
        raise InvalidInput("reason", f"a reason is required to {what} an account")


def check_manages(actor: User | None, user: User) -> None:
    """Refuse an administrator limited to some sites acting on an account they do not see."""
    from atmp.accounts.visibility import visible_users

    if actor is not None and actor.site_ids() is not None and not visible_users(actor).filter(pk=user.pk).exists():
        raise NotAllowed(f"{user.username} works at no site of yours: an administrator of those sites must act")


def enable_user(*, actor: User | None, user: User, reason: str) -> User:
    """Re-enable a disabled account, with a reason."""
    _recovery(actor, user, reason, "re-enable")
    if user.is_active:
        raise InvalidInput("username", f"{user.username} is not disabled")
    with writer.change(actor=actor, reason=reason) as ch:
        user.is_active = True
        user.save(update_fields=["is_active"])
        account_event(ch, user, action="user_enabled", changes={"is_active": [False, True]})
    return user


def unlock_user(*, actor: User | None, user: User, reason: str) -> User:
    """Lift a lockout after repeated failed sign-ins, with a reason."""
    from atmp.accounts.auth import is_locked

    _recovery(actor, user, reason, "unlock")
    if not is_locked(user) and not user.failed_logins:
        raise InvalidInput("username", f"{user.username} is not locked")
    with writer.change(actor=actor, reason=reason) as ch:
        until = user.locked_until
        user.locked_until = None
        user.failed_logins = 0
        user.save(update_fields=["locked_until", "failed_logins"])
        ch.event(
            action="user_unlocked",
            record_type=USER_TYPE,
            record_id=str(user.pk),
            changes={"locked_until": [until.isoformat() if until else None, None]},
        )
    return user


def reset_password(*, actor: User | None, user: User, password: str, reason: str) -> User:
    """Set a temporary password that the user must change at the next sign-in; their sessions end."""
    from atmp.accounts.auth import set_password

    _recovery(actor, user, reason, "reset the password of")
    set_password(user, password, field="password")
    with writer.change(actor=actor, reason=reason) as ch:
        user.must_change_password = True
        # The session hash derives from the password hash: every open session of the user ends.
        user.save(update_fields=["password", "must_change_password"])
        account_event(ch, user, action="password_reset", changes={"must_change_password": [None, True]})
    return user


def find_user(username: str) -> User:
    """Return the account with this username, or refuse naming it."""
    try:
        return User.objects.get(username=username.strip().lower())
    except User.DoesNotExist:
        raise InvalidInput("username", f"no user {username!r}") from None


def find_site(code: str) -> Site:
    """Return the site with this code, or refuse naming it."""
    site = Site.objects.filter(code=code.strip().upper()).first()
    if site is None:
        raise InvalidInput("site", f"there is no site {code!r}")
    return site


def _site_fields(code: str | None, name: str | None, timezone: str | None) -> None:
    if code is not None and not SITE_CODE.match(code):
        raise InvalidInput("code", "2–20 characters: capital letters, digits and '-'")
    if name is not None and not name.strip():
        raise InvalidInput("name", "a site needs a name")
    if name is not None:
        check_printed_name("name", name)
    if timezone is not None:
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise InvalidInput("timezone", f"{timezone!r} is not an IANA time zone such as Europe/Amsterdam") from None


def create_site(
    *, actor: User | None, code: str, name: str, timezone: str = "Europe/Amsterdam", address: str = ""
) -> Site:
    """Create a site (GMP master data)."""
    require(actor, Site.write_permission)
    code = code.strip().upper()
    _site_fields(code, name, timezone)
    if Site.objects.filter(code=code).exists():
        raise InvalidInput("code", f"site {code} exists already")
    site = Site(code=code, name=name.strip(), timezone=timezone, address=address.strip())
    with writer.change(actor=actor, reason=""):
        site.save()
    return site


SITE_EDITABLE = ("name", "timezone", "address")


def update_site(*, actor: User | None, site: Site, reason: str, **fields: str) -> Site:
    """Change a site's name, time zone or address, with a reason."""
    require(actor, Site.write_permission)
    unknown = set(fields) - set(SITE_EDITABLE)
    if unknown:
        raise InvalidInput(sorted(unknown)[0], f"cannot be changed; editable fields: {', '.join(SITE_EDITABLE)}")
    _site_fields(None, fields.get("name"), fields.get("timezone"))
    with writer.change(actor=actor, reason=reason):
        for key, value in fields.items():
            setattr(site, key, value.strip() if key != "timezone" else value)
        site.save()
    return site


def void_site(*, actor: User | None, site: Site, reason: str) -> Site:
    """Void a site with a reason (it stays, marked void, with its history)."""
    require(actor, Site.write_permission)
    if site.voided:
        raise InvalidInput("site", f"{site.code} is already voided")
    with writer.change(actor=actor, reason=reason):
        site.voided = True
        site.status = "voided"
        site.save()
    return site


def can_see(user: User, record: GmpRecord) -> bool:
    """Return True when the record belongs to one of the user's sites (or to no site, or the user has all).

    A site is its own site; any other record is bound to the site its `site` field names, if any,
    or that its declared `site_path` reaches, and seen too at the sites its `shared_site_paths`
    reach (atmp.accounts.visibility).
    """
    ids = user.site_ids()
    if ids is None:
        return True
    from atmp.accounts.visibility import shared_sites_of, site_of  # the same rule as SQL, for lists

    site_id = site_of(record)
    return site_id is None or site_id in ids or bool(shared_sites_of(record) & ids)


def visible_sites(user: User) -> list[Site]:
    """Return the sites the user may see: their own, or all for a user assigned to every site."""
    from atmp.accounts import visibility

    return list(visibility.visible_sites(user))
