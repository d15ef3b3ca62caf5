"""`atmp user …`: account administration from the server's shell.

These commands act as atmp itself: the ledger records the system (no user) as the actor, with the
reason given. Whoever can run them has shell access to the server and its database, which is
itself the administrative control (Annex 11 §12: access to the system is restricted to authorised
people); that is how the first administrator is made and how an administrator is recovered.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from atmp.accounts.roles import Role
from atmp.cli.main import handled, setup_django
from atmp.cli.output import emit

PASSWORD_ENV = "ATMP_PASSWORD"  # noqa: S105 - the name of a variable, not a password
SHELL_NOTE = (
    "These commands act as atmp itself (the ledger names the system as the actor, with your reason): "
    "access to this shell is access to the server, which is itself the administrative control."
)
# Checked before anything is asked or written: a wrong role is bad input (exit 2) naming the choices.
ROLE = click.Choice([role.value for role in Role])
JSON = click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")


@click.group(epilog=SHELL_NOTE)
def user() -> None:
    """Manage user accounts, their roles and API tokens."""


@user.command("add", epilog=SHELL_NOTE)
@click.argument("username")
@click.option("--full-name", required=True, help="The printed name that every signature shows.")
@click.option("--email", default="", help="E-mail address.")
@click.option("--role", "roles", multiple=True, required=True, type=ROLE, help="A role (repeat for several).")
@click.option("--site", "site_code", default=None, help="Site code for the roles (default: every site).")
@click.option(
    "--password-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=f"Read the password from this file (else ${PASSWORD_ENV}, else it is asked twice).",
)
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

    password = _password(password_file)
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


@user.command("disable", epilog=SHELL_NOTE)
@click.argument("username")
@click.option("--reason", required=True, help="Why the account is disabled (recorded in the ledger).")
@JSON
@handled
def disable(username: str, reason: str, as_json: bool) -> None:
    """Disable an account (accounts are never deleted: their entries and signatures name them)."""
    setup_django()
    from atmp.accounts import services

    account = services.disable_user(actor=None, user=services.find_user(username), reason=reason)
    emit(_account(account), as_json=as_json, text=lambda d: f"disabled {d['username']}")


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
@JSON
@handled
def token(username: str, name: str, as_json: bool) -> None:
    """Create an API token for the user and print it once (only its hash is kept)."""
    setup_django()
    from atmp.accounts import auth, services

    account = services.find_user(username)
    raw = auth.create_token(actor=None, user=account, name=name)  # the system acts
    stored = account.api_tokens.filter(prefix=raw[:12]).order_by("-created_at").first()
    data = {
        "username": account.username,
        "name": name.strip(),
        "token": raw,
        "expires_at": stored.expires_at.isoformat() if stored else None,
    }
    emit(data, as_json=as_json, text=lambda d: (
        f"{d['token']}\n"
        f"API token {d['name']!r} for {d['username']}, valid until {d['expires_at']}: "
        "it is shown this once, keep it like a password"
    ))  # fmt: skip


def _password(path: Path | None) -> str:
    """Return the new account's password: from the file, the environment, or asked twice."""
    if path is not None:
        # One line: a trailing newline written by an editor or `echo` is not part of the password.
        return path.read_text(encoding="utf-8").rstrip("\r\n")
    if env := os.environ.get(PASSWORD_ENV):
        return env
    if not can_prompt():
        from atmp.accounts.errors import InvalidInput

        raise InvalidInput("password", f"no terminal to ask on: give --password-file or set ${PASSWORD_ENV}")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True))


def can_prompt() -> bool:
    """Return True when a person can be asked for the password (stdin is a terminal)."""
    return sys.stdin.isatty()


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
        "roles": [{"role": a.role, "site": a.site.code if a.site else None} for a in rows],
    }


def _roles_text(data: dict[str, Any]) -> str:
    roles = [f"{r['role']}@{r['site'] or 'all sites'}" for r in data["roles"]]
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
