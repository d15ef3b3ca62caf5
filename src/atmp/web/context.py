"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

import atmp
from atmp.ledger import clock
from atmp.web.display import role_labels

# The top bar: (label, url name, permission), shown only to users who hold the permission.
# The domain modules' entries (atmp.modules) come after Home, in module order.
HEAD = [("Home", "web:home", "records.view")]
TAIL = [
    ("Sites", "web:sites", "records.view"),
    ("Audit trail", "web:audit", "audit.view"),
    ("Statistics", "web:stats", "stats.use"),
    ("Users", "web:users", "accounts.view"),
]


def navigation_entries() -> list[tuple[str, str, str]]:
    """Return the top bar's (label, url name, permission) entries, the installed modules' included."""
    from atmp import modules

    contributed = [(e.label, e.url_name, e.permission) for m in modules.installed() for e in m.nav]
    return [*HEAD, *contributed, *TAIL]


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Return what the base template needs: the version, the user's permissions, roles and menu."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    perms: frozenset[str] = user.permissions() if user is not None and signed_in else frozenset()
    return {
        "atmp_version": atmp.__version__,
        "perms": perms,
        "user_roles": role_labels(user.roles()) if user is not None and signed_in else [],
        "served_at": clock.now(),
        "nav": [(label, name) for label, name, perm in navigation_entries() if perm in perms],
    }
