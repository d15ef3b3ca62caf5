"""REST operations of accounts: who am I, sites, users and their roles, and API tokens.

Thin: each operation parses, calls atmp.accounts.services or atmp.accounts.auth (where every rule
lives, and every change is audited), and shapes the answer.
"""

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from atmp.accounts import approvals, auth, services, visibility
from atmp.accounts.access import requires
from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import ApiToken, RoleAssignment, Site, User
from atmp.api.auth import by_token, user_of
from atmp.api.schemas import MAX_INT, BodyIn, Reason, answers, bounded, segment
from atmp.ledger.errors import NotFound
from atmp.ledger.records import rfc3339

router = Router()

SiteCode = Annotated[str, bounded(20)]
SiteInPath = Annotated[str, segment(20), Field(examples=["LEI"])]
UserInPath = Annotated[str, segment(150), Field(examples=["olga"])]
Role = Annotated[str, bounded(32)]
Version = Annotated[int, Field(ge=1, le=MAX_INT, description="the version you read; refused (409) if it changed since")]


class SiteOut(Schema):
    """A site and its record state."""

    code: str
    name: str
    timezone: str
    address: str
    version: int
    status: str
    voided: bool
    created_at: str | None


class SiteIn(BodyIn):
    """A new site (its creation needs no reason: the first version of a record is its reason)."""

    code: SiteCode
    name: Annotated[str, bounded(200)]
    timezone: Annotated[str, bounded(64)] = "Europe/Amsterdam"
    address: Annotated[str, bounded(2000)] = ""


class SitePatch(BodyIn):
    """A change to a site: the fields to change, and why."""

    name: Annotated[str, bounded(200)] | None = None
    timezone: Annotated[str, bounded(64)] | None = None
    address: Annotated[str, bounded(2000)] | None = None
    reason: Reason
    version: Version | None = None


class VoidIn(BodyIn):
    """Why a record is voided (it stays, marked void, with its history)."""

    reason: Reason
    version: Version | None = None


class AssignmentOut(Schema):
    """A role at one site, or at every site (site None); "pending" until a QA Approver approves it."""

    id: int
    role: str
    site: str | None
    status: str


class UserOut(Schema):
    """An account: never its password hash, MFA secret or tokens; e-mail, MFA and lock state (else null)
    only to administrators (accounts.manage); roles at the caller's sites or at every site."""

    username: str
    full_name: str
    email: str | None
    is_active: bool
    mfa_enabled: bool | None
    locked: bool | None
    roles: list[AssignmentOut]


class MeOut(Schema):
    """The caller: account, roles, what they allow, and the sites the caller sees."""

    username: str
    full_name: str
    email: str
    roles: list[str]
    permissions: list[str]
    sites: list[SiteOut]
    mfa_enabled: bool


class UserIn(BodyIn):
    """A new account with its roles (at one site, or every site when site is omitted)."""

    username: Annotated[str, bounded(150)]
    full_name: Annotated[str, bounded(200)]
    email: Annotated[str, bounded(254)] = ""
    password: Annotated[str, bounded(1024)]
    roles: Annotated[list[Role], Field(max_length=20)] = []
    site: SiteCode | None = None
    reason: Reason = ""


class RolesIn(BodyIn):
    """The complete set of roles the user shall hold at the site (or at every site), and why."""

    roles: Annotated[list[Role], Field(max_length=20)]
    site: SiteCode | None = None
    reason: Reason


class DisableIn(BodyIn):
    """Why the account is disabled."""

    reason: Reason


class ReasonIn(BodyIn):
    """Why (recorded in the ledger with the change)."""

    reason: Reason


class PasswordResetIn(BodyIn):
    """A temporary password the user must change at the next sign-in, and why."""

    password: Annotated[str, bounded(1024)]
    reason: Reason


class ApproveIn(BodyIn):
    """The approver's re-authentication (password, and code when enrolled) and an optional comment."""

    password: Annotated[str, bounded(1024)]
    otp: Annotated[str, bounded(10)] | None = None
    reason: Reason = ""


class TokenIn(BodyIn):
    """What the new token is for, what it may do, how long it lives, and your password again."""

    name: Annotated[str, bounded(100)]
    scope: Annotated[str, bounded(16), Field(description="'read' (GET only) or 'read-write'")] = "read-write"
    days: Annotated[int, Field(ge=1, le=auth.TOKEN_MAX_DAYS)] = auth.TOKEN_DAYS
    password: Annotated[str, bounded(1024)]
    otp: Annotated[str, bounded(10)] | None = None


class TokenOut(Schema):
    """A new API token: shown this once, only its hash is kept."""

    token: str
    id: int
    name: str
    prefix: str
    scope: str
    expires_at: str


class TokenRow(Schema):
    """An API token as lists show it: never the token itself."""

    id: int
    name: str
    prefix: str
    scope: str
    created_at: str
    expires_at: str
    state: str


class TokenRevokeIn(BodyIn):
    """Why the token is revoked (optional)."""

    reason: Reason = ""


class DecisionOut(Schema):
    """A role assignment after a decision."""

    id: int
    username: str
    role: str
    site: str | None
    status: str


# --- me -----------------------------------------------------------------------------------------


@router.get("/me", response=answers({200: MeOut}), tags=["accounts"])
@requires("records.view")
def me(request: HttpRequest) -> dict[str, Any]:
    """Return the caller's account, roles, permissions and sites."""
    user = user_of(request)
    return {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email,
        "roles": sorted(user.roles()),
        "permissions": sorted(user.permissions()),
        "sites": [_site(s) for s in services.visible_sites(user)],
        "mfa_enabled": user.mfa_enabled,
    }


# --- sites --------------------------------------------------------------------------------------


@router.get("/sites", response=answers({200: list[SiteOut]}), tags=["sites"])
@requires("records.view")
def list_sites(request: HttpRequest) -> list[dict[str, Any]]:
    """Return the sites the caller sees (their own, or all for a user assigned to every site)."""
    return [_site(s) for s in services.visible_sites(user_of(request))]


@router.post("/sites", response=answers({201: SiteOut}), tags=["sites"])
@requires("sites.manage")
def create_site(request: HttpRequest, body: SiteIn) -> Status[dict[str, Any]]:
    """Create a site."""
    site = services.create_site(
        actor=user_of(request), code=body.code, name=body.name, timezone=body.timezone, address=body.address
    )
    return Status(201, _site(site))


@router.patch("/sites/{code}", response=answers({200: SiteOut}), tags=["sites"])
@requires("sites.manage")
def update_site(request: HttpRequest, code: SiteInPath, body: SitePatch) -> dict[str, Any]:
    """Change a site's name, time zone or address, with a reason."""
    site = _visible_site(request, code, body.version)
    fields = body.model_dump(include={"name", "timezone", "address"}, exclude_none=True)
    return _site(services.update_site(actor=user_of(request), site=site, reason=body.reason, **fields))


@router.post("/sites/{code}/void", response=answers({200: SiteOut}), tags=["sites"])
@requires("sites.manage")
def void_site(request: HttpRequest, code: SiteInPath, body: VoidIn) -> dict[str, Any]:
    """Void a site, with a reason."""
    site = _visible_site(request, code, body.version)
    return _site(services.void_site(actor=user_of(request), site=site, reason=body.reason))


# --- users --------------------------------------------------------------------------------------


@router.get("/users", response=answers({200: list[UserOut]}), tags=["users"])
@requires("accounts.view")
def list_users(request: HttpRequest) -> list[dict[str, Any]]:
    """Return the accounts the caller sees (site isolation) with their active roles there."""
    viewer = user_of(request)
    assignments: dict[int, list[dict[str, Any]]] = {}
    for a in visibility.visible_assignments(viewer).filter(voided=False).select_related("site").order_by("role"):
        assignments.setdefault(a.user_id, []).append(_assignment_out(a))
    users = visibility.visible_users(viewer).order_by("username")
    private = viewer.can("accounts.manage")
    return [_user(u, assignments.get(u.pk, []), private=private) for u in users]


@router.post("/users", response=answers({201: UserOut}), tags=["users"])
@requires("accounts.manage")
def create_user(request: HttpRequest, body: UserIn) -> Status[dict[str, Any]]:
    """Create an account with its roles."""
    user = services.create_user(
        actor=user_of(request),
        username=body.username,
        full_name=body.full_name,
        email=body.email,
        password=body.password,
        roles=body.roles,
        site=_site_named(body.site),
        reason=body.reason,
    )
    return Status(201, _user_with_roles(user))


@router.post("/users/{username}/disable", response=answers({200: UserOut}), tags=["users"])
@requires("accounts.manage")
def disable_user(request: HttpRequest, username: UserInPath, body: DisableIn) -> dict[str, Any]:
    """Disable an account (accounts are never deleted: their entries and signatures name them)."""
    user = services.disable_user(actor=user_of(request), user=_user_named(username), reason=body.reason)
    return _user_with_roles(user)


@router.put("/users/{username}/roles", response=answers({200: UserOut}), tags=["users"])
@requires("accounts.manage")
def set_roles(request: HttpRequest, username: UserInPath, body: RolesIn) -> dict[str, Any]:
    """Make the user's roles at the site (or at every site) exactly these, with a reason."""
    user = services.set_roles(
        actor=user_of(request),
        user=_user_named(username),
        roles=body.roles,
        site=_site_named(body.site),
        reason=body.reason,
    )
    return _user_with_roles(user)


@router.post("/users/{username}/enable", response=answers({200: UserOut}), tags=["users"])
@requires("accounts.manage")
def enable_user(request: HttpRequest, username: UserInPath, body: ReasonIn) -> dict[str, Any]:
    """Re-enable a disabled account, with a reason."""
    return _user_with_roles(
        services.enable_user(actor=user_of(request), user=_user_named(username), reason=body.reason)
    )


@router.post("/users/{username}/unlock", response=answers({200: UserOut}), tags=["users"])
@requires("accounts.manage")
def unlock_user(request: HttpRequest, username: UserInPath, body: ReasonIn) -> dict[str, Any]:
    """Lift a lockout after failed sign-ins, with a reason."""
    return _user_with_roles(
        services.unlock_user(actor=user_of(request), user=_user_named(username), reason=body.reason)
    )


@router.post("/users/{username}/reset-password", response=answers({200: UserOut}), tags=["users"])
@requires("accounts.manage")
def reset_password(request: HttpRequest, username: UserInPath, body: PasswordResetIn) -> dict[str, Any]:
    """Set a temporary password the user must change at the next sign-in, with a reason."""
    user = services.reset_password(
        actor=user_of(request), user=_user_named(username), password=body.password, reason=body.reason
    )
    return _user_with_roles(user)


@router.post("/users/{username}/reset-mfa", response=answers({200: UserOut}), tags=["users"])
@requires("accounts.manage")
def reset_mfa(request: HttpRequest, username: UserInPath, body: ReasonIn) -> dict[str, Any]:
    """Remove the user's TOTP enrolment (a lost phone), with a reason; they enrol again."""
    return _user_with_roles(auth.disable_mfa(actor=user_of(request), user=_user_named(username), reason=body.reason))


@router.post("/users/{username}/roles/{assignment_id}/approve", response=answers({200: DecisionOut}), tags=["users"])
@requires("records.sign")
def approve_role(request: HttpRequest, username: UserInPath, assignment_id: int, body: ApproveIn) -> dict[str, Any]:
    """Approve a pending role assignment with your signature ('approved', re-authenticated); it takes effect."""
    assignment = _assignment(username, assignment_id)
    approvals.approve_role_assignment(
        actor=user_of(request), assignment=assignment, password=body.password, otp=body.otp, reason=body.reason
    )
    return _decision(assignment)


@router.post("/users/{username}/roles/{assignment_id}/reject", response=answers({200: DecisionOut}), tags=["users"])
@requires("records.sign")
def reject_role(request: HttpRequest, username: UserInPath, assignment_id: int, body: ReasonIn) -> dict[str, Any]:
    """Reject a pending role assignment, with a reason."""
    assignment = _assignment(username, assignment_id)
    approvals.reject_role_assignment(actor=user_of(request), assignment=assignment, reason=body.reason)
    return _decision(assignment)


# --- tokens -------------------------------------------------------------------------------------


@router.get("/tokens", response=answers({200: list[TokenRow]}), tags=["tokens"])
@requires("records.view")
def list_tokens(request: HttpRequest) -> list[dict[str, Any]]:
    """Return your API tokens (never the tokens themselves), newest first."""
    return [_token(t) for t in user_of(request).api_tokens.order_by("-created_at", "-pk")]


@router.post("/tokens", response=answers({201: TokenOut}), tags=["tokens"])
@requires("records.view")
def create_token(request: HttpRequest, body: TokenIn) -> Status[dict[str, Any]]:
    """Create an API token for yourself from a signed-in session, giving your password again; shown once."""
    if by_token(request):
        # A token that could mint tokens would outlive its own expiry: only a person who signed in
        # with their password (a session) or the server console (atmp user token) can.
        raise NotAllowed("a token cannot create tokens: sign in (a browser session) or ask an administrator")
    user = user_of(request)
    new = auth.issue_token(
        actor=user, user=user, name=body.name, scope=body.scope, days=body.days, password=body.password, otp=body.otp
    )
    token = new.token
    return Status(
        201,
        {
            "token": new.raw,
            "id": token.pk,
            "name": token.name,
            "prefix": token.prefix,
            "scope": token.scope,
            "expires_at": rfc3339(token.expires_at),
        },
    )


@router.post("/tokens/{ref}/revoke", response=answers({200: TokenRow}), tags=["tokens"])
@requires("records.view")
def revoke_token(request: HttpRequest, ref: Annotated[str, segment(20)], body: TokenRevokeIn) -> dict[str, Any]:
    """Revoke one of your API tokens, named by its id or its prefix."""
    user = user_of(request)
    try:
        token = auth.find_token(user, ref)
    except InvalidInput as exc:
        raise NotFound(str(exc)) from None
    auth.revoke_token(actor=user, token=token, reason=body.reason)
    return _token(token)


# --- helpers ------------------------------------------------------------------------------------


def _site(site: Site) -> dict[str, Any]:
    return {
        "code": site.code,
        "name": site.name,
        "timezone": site.timezone,
        "address": site.address,
        "version": site.version,
        "status": site.status,
        "voided": site.voided,
        "created_at": rfc3339(site.created_at) if site.created_at else None,
    }


def _visible_site(request: HttpRequest, code: str, version: int | None) -> Site:
    """Return the site the caller sees with this code, at the version they read if they name one."""
    site = next((s for s in services.visible_sites(user_of(request)) if s.code == code.strip().upper()), None)
    if site is None:
        raise NotFound(f"there is no site {code!r}")
    if version is not None:
        # The ledger's write path compares this with the stored version and refuses a stale change.
        site.version = version
    return site


def _site_named(code: str | None) -> Site | None:
    return None if code is None else services.find_site(code)


def _user_named(username: str) -> User:
    try:
        return services.find_user(username)
    except InvalidInput as exc:
        raise NotFound(str(exc)) from None


def _user_with_roles(user: User) -> dict[str, Any]:
    rows = RoleAssignment.objects.filter(user=user, voided=False).select_related("site").order_by("role")
    return _user(user, [_assignment_out(a) for a in rows])


def _assignment_out(a: RoleAssignment) -> dict[str, Any]:
    return {"id": a.pk, "role": a.role, "site": a.site.code if a.site else None, "status": a.status}


def _assignment(username: str, assignment_id: int) -> RoleAssignment:
    user = _user_named(username)
    assignment = RoleAssignment.objects.select_related("user", "site").filter(pk=assignment_id, user=user).first()
    if assignment is None:
        raise NotFound(f"{username} has no role assignment {assignment_id}")
    return assignment


def _decision(a: RoleAssignment) -> dict[str, Any]:
    return {"username": a.user.username, **_assignment_out(a)}


def _token(t: ApiToken) -> dict[str, Any]:
    return {
        "id": t.pk,
        "name": t.name,
        "prefix": t.prefix,
        "scope": t.scope,
        "created_at": rfc3339(t.created_at),
        "expires_at": rfc3339(t.expires_at),
        "state": auth.token_state(t),
    }


def _user(user: User, roles: list[dict[str, Any]], *, private: bool = True) -> dict[str, Any]:
    """Return an account as the API shows it; private=False leaves e-mail, MFA and lock state out (null)."""
    return {
        "username": user.username,
        "full_name": user.full_name,
        "email": user.email if private else None,
        "is_active": user.is_active,
        "mfa_enabled": user.mfa_enabled if private else None,
        "locked": auth.is_locked(user) if private else None,
        "roles": roles,
    }
