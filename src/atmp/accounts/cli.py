"""`atmp user …`: account administration from the server's shell.

These commands act as atmp itself: the ledger records the system (no user) as the actor, with the
reason given. Whoever can run them has shell access to the server and its database, which is
itself the administrative control (Annex 11 §12: access to the system is restricted to authorised
people); that is how the first administrator is made and how an administrator is recovered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from atmp.accounts.roles import Role
from atmp.cli.base import (
    PASSWORD_ENV,
    acting_user,
    actor_options,
    handled,
    json_option,
    password_file_option,
    read_password,
    setup_django,
)
from atmp.cli.output import emit

SHELL_NOTE = (
    "These commands act as atmp itself (the ledger names the system as the actor, with your reason): "
    "access to this shell is access to the server, which is itself the administrative control."
)
# Checked before anything is asked or written: a wrong role is bad input (exit 2) naming the choices.
ROLE = click.Choice([role.value for role in Role])
JSON = json_option


@click.group(epilog=SHELL_NOTE)
def user() -> None:
    """Manage user accounts, their roles and API tokens."""


@user.command("add", epilog=SHELL_NOTE)
@click.argument("username")
@click.option("--full-name", required=True, help="The printed name that every signature shows.")
@click.option("--email", default="", help="E-mail address.")
@click.option("--role", "roles", multiple=True, required=True, type=ROLE, help="A role (repeat for several).")
@click.option("--site", "site_code", default=None, help="Site code for the roles (default: every site).")
@password_file_option(f"Read the password from this file (else ${PASSWORD_ENV}, else it is asked twice).")
@click.option("--reason", default="", help="Why the account is created (recorded in the ledger).")
@JSON
@handled
def add(
    username: str,
    full_name: str,
    email: str,
    roles: tuple[str, ...],
    site_code: str | None,
    password_file: Path | None,
    reason: str,
    as_json: bool,
) -> None:
    """Create an account with its roles."""
    setup_django()
    from atmp.accounts import services

    password = read_password(password_file)
    account = services.create_user(
        actor=None,
        username=username,
        full_name=full_name,
        email=email,
        password=password,
        roles=roles,
        site=_site(site_code),
        reason=reason,
    )
    data = _account(account)
    emit(data, as_json=as_json, text=lambda d: f"created {d['username']} ({d['full_name']}): {_roles_text(d)}")


@user.command("list")
@JSON
@handled
def list_users(as_json: bool) -> None:
    """List every account with its active roles."""
    setup_django()
    from atmp.accounts.models import User

    data = [_account(u) for u in User.objects.order_by("username")]
    emit(data, as_json=as_json, text=_table)


@user.command("set-roles", epilog=SHELL_NOTE)
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, type=ROLE, help="A role (repeat for several).")
@click.option("--site", "site_code", default=None, help="Site code (default: the roles held at every site).")
@click.option("--reason", required=True, help="Why the roles change (recorded in the ledger).")
@JSON
@handled
def set_roles(username: str, roles: tuple[str, ...], site_code: str | None, reason: str, as_json: bool) -> None:
    """Make the user's roles at the site (or at every site) exactly these, voiding the others."""
    setup_django()
    from atmp.accounts import services

    account = services.set_roles(
        actor=None, user=services.find_user(username), roles=roles, site=_site(site_code), reason=reason
    )
    emit(_account(account), as_json=as_json, text=lambda d: f"{d['username']}: {_roles_text(d)}")


@user.command("token", epilog=SHELL_NOTE)
@click.argument("username")
@click.option("--name", required=True, help="What the token is for, e.g. 'LIMS interface'.")
@click.option(
    "--scope",
    type=click.Choice(["read", "read-write"]),
    default="read-write",
    show_default=True,
    help="'read' tokens are refused on every change (only GET).",
)
@click.option(
    "--days", type=click.IntRange(1, 90), default=30, show_default=True, help="Lifetime in days (at most 90)."
)
@JSON
@handled
def token(username: str, name: str, scope: str, days: int, as_json: bool) -> None:
    """Create an API token for the user and print it once (only its hash is kept).

    The token alone goes to stdout (for `TOKEN=$(atmp user token …)`); the notice goes to stderr.
    """
    setup_django()
    from atmp.accounts import auth, services

    account = services.find_user(username)
    new = auth.issue_token(actor=None, user=account, name=name, scope=scope, days=days)  # the system acts
    data = {
        "username": account.username,
        "name": new.token.name,
        "token": new.raw,
        "prefix": new.token.prefix,
        "scope": new.token.scope,
        "expires_at": new.token.expires_at.isoformat(),
    }
    emit(data, as_json=as_json, text=lambda d: d["token"])
    if not as_json:
        click.echo(
            f"API token {data['name']!r} ({data['scope']}) for {data['username']}, valid until {data['expires_at']}: "
            "it is shown this once, keep it like a password",
            err=True,
        )


@user.command("tokens")
@click.argument("username")
@JSON
@handled
def tokens(username: str, as_json: bool) -> None:
    """List the user's API tokens (never the tokens themselves)."""
    setup_django()
    from atmp.accounts import auth, services

    account = services.find_user(username)
    rows = [
        {
            "id": t.pk,
            "name": t.name,
            "prefix": t.prefix,
            "scope": t.scope,
            "created_at": t.created_at.isoformat(),
            "expires_at": t.expires_at.isoformat(),
            "state": auth.token_state(t),
        }
        for t in account.api_tokens.order_by("-created_at", "-pk")
    ]
    emit(rows, as_json=as_json, text=lambda rs: "\n".join(
        f"{r['id']:>4} {r['prefix']}… {r['name']:<24} {r['scope']:<10} {r['state']:<8} until {r['expires_at']}"
        for r in rs
    ) or f"{account.username} has no API tokens")  # fmt: skip


@user.command("revoke-token", epilog=SHELL_NOTE)
@click.argument("username")
@click.argument("token_ref", metavar="ID_OR_PREFIX")
@click.option("--reason", default="", help="Why the token is revoked (recorded in the ledger).")
@JSON
@handled
def revoke_token(username: str, token_ref: str, reason: str, as_json: bool) -> None:
    """Revoke one of the user's API tokens, named by its id or prefix (see `atmp user tokens`)."""
    setup_django()
    from atmp.accounts import auth, services

    found = auth.find_token(services.find_user(username), token_ref)
    auth.revoke_token(actor=None, token=found, reason=reason)
    data = {"id": found.pk, "prefix": found.prefix, "name": found.name, "state": auth.token_state(found)}
    emit(data, as_json=as_json, text=lambda d: f"revoked {d['prefix']}… ({d['name']})")


@user.command("pending")
@JSON
@handled
def pending(as_json: bool) -> None:
    """List the role assignments awaiting a QA Approver's approval."""
    setup_django()
    from atmp.accounts import services

    rows = [
        {"id": a.pk, "username": a.user.username, "role": a.role, "site": a.site.code if a.site else None}
        for a in services.pending_assignments()
    ]
    emit(rows, as_json=as_json, text=lambda rs: "\n".join(
        f"{r['id']:>5} {r['username']:<16} {r['role']}@{r['site'] or 'all sites'}" for r in rs
    ) or "no role assignment awaits approval")  # fmt: skip


@user.command("approve-role")
@click.argument("assignment_id", type=int)
@actor_options("you sign the approval ('approved')")
@click.option("--reason", default="", help="A comment recorded with the approval.")
@JSON
@handled
def approve_role(
    assignment_id: int, username: str, otp: str | None, password_file: Path | None, reason: str, as_json: bool
) -> None:
    """Approve a pending role assignment with your electronic signature (your password is asked again)."""
    setup_django()
    from atmp.accounts import approvals, services

    signer = acting_user(username, password_file=password_file, otp=otp)
    assignment = _pending(assignment_id)
    approvals.approve_role_assignment(
        actor=signer.user, assignment=assignment, password=signer.password, otp=signer.otp, reason=reason
    )
    account = services.find_user(assignment.user.username)
    emit(_account(account), as_json=as_json, text=lambda d: f"approved; {d['username']}: {_roles_text(d)}")


def _pending(assignment_id: int) -> Any:
    from atmp.accounts.errors import InvalidInput
    from atmp.accounts.models import RoleAssignment

    found = RoleAssignment.objects.select_related("user", "site").filter(pk=assignment_id).first()
    if found is None:
        raise InvalidInput("assignment", f"there is no role assignment {assignment_id}")
    return found


@user.command("reset-password", epilog=SHELL_NOTE)
@click.argument("username")
@password_file_option(f"Read the temporary password from this file (else ${PASSWORD_ENV}, else it is asked twice).")
@click.option("--reason", required=True, help="Why the password is reset (recorded in the ledger).")
@JSON
@handled
def reset_password(username: str, password_file: Path | None, reason: str, as_json: bool) -> None:
    """Set a temporary password; the user must change it at the next sign-in."""
    setup_django()
    from atmp.accounts import services

    account = services.find_user(username)
    account = services.reset_password(actor=None, user=account, password=read_password(password_file), reason=reason)
    emit(_account(account), as_json=as_json, text=lambda d: f"{d['username']} must change the password at sign-in")


# The recovery actions that take a username and a reason: (command, service module and function,
# what --reason asks, what the command prints, its help). One definition, registered below.
REASONED_ACTIONS: list[tuple[str, str, str, str, str, str]] = [
    ("disable", "services", "disable_user", "Why the account is disabled", "disabled {username}",
     "Disable an account (accounts are never deleted: their entries and signatures name them)."),
    ("enable", "services", "enable_user", "Why the account is enabled again", "enabled {username}",
     "Re-enable a disabled account."),
    ("unlock", "services", "unlock_user", "Why the lockout is lifted", "unlocked {username}",
     "Lift a lockout after repeated failed sign-ins."),
    ("reset-mfa", "auth", "disable_mfa", "Why multi-factor authentication is removed", "removed MFA of {username}",
     "Remove the user's TOTP enrolment (a lost phone); they enrol again at /account/mfa/."),
]  # fmt: skip


def _register_reasoned(name: str, module: str, function: str, reason: str, done: str, doc: str) -> None:
    """Add `atmp user NAME USERNAME --reason …`, which calls the accounts service as atmp itself."""

    @user.command(name, epilog=SHELL_NOTE, help=doc)
    @click.argument("username")
    @click.option("--reason", required=True, help=f"{reason} (recorded in the ledger).")
    @JSON
    @handled
    def command(username: str, reason: str, as_json: bool) -> None:
        setup_django()
        import importlib

        from atmp.accounts import services

        service = getattr(importlib.import_module(f"atmp.accounts.{module}"), function)
        account = service(actor=None, user=services.find_user(username), reason=reason)
        emit(_account(account), as_json=as_json, text=lambda d: done.format(**d))


for _action in REASONED_ACTIONS:
    _register_reasoned(*_action)


def _site(code: str | None) -> Any:
    from atmp.accounts import services

    return None if code is None else services.find_site(code)


def _account(account: Any) -> dict[str, Any]:
    from atmp.accounts import auth
    from atmp.accounts.models import RoleAssignment

    rows = RoleAssignment.objects.filter(user=account, voided=False).select_related("site").order_by("role")
    return {
        "username": account.username,
        "full_name": account.full_name,
        "email": account.email,
        "is_active": account.is_active,
        "locked": auth.is_locked(account),
        "mfa_enabled": account.mfa_enabled,
        "must_change_password": account.must_change_password,
        "roles": [{"role": a.role, "site": a.site.code if a.site else None, "status": a.status} for a in rows],
    }


def _roles_text(data: dict[str, Any]) -> str:
    roles = [
        f"{r['role']}@{r['site'] or 'all sites'}" + (f" ({r['status']})" if r["status"] != "active" else "")
        for r in data["roles"]
    ]
    return ", ".join(roles) or "no roles"


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "no accounts yet: atmp user add USERNAME --full-name … --role system_admin"
    lines = []
    for row in rows:
        state = "active" if row["is_active"] else "disabled"
        if row["locked"]:
            state += ", locked"
        lines.append(f"{row['username']:<16} {row['full_name']:<24} {state:<16} {_roles_text(row)}")
    return "\n".join(lines)
