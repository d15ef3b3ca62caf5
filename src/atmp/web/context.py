"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

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


def current_entry(request: HttpRequest, names: list[str]) -> str | None:
    """Return the url name of the top-bar entry the page belongs to, or None.

    The page's own view name first; else the entry whose URL is the longest prefix of the page's
    path (/sites/4/edit/ is under Sites, /quality/deviations/7/ under Deviations); else, for a page
    of a module's namespace, the module's first entry; else, for a record page, the first entry of
    the module that owns the record type (quality.deviation: the quality module).
    """
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    if match.view_name in names:
        return str(match.view_name)
    paths = {}
    for name in names:
        try:
            paths[name] = reverse(name)
        except NoReverseMatch:  # an entry whose URL takes arguments cannot be a prefix
            continue
    under = [name for name, path in paths.items() if path != "/" and request.path.startswith(path)]
    if under:
        return max(under, key=lambda name: len(paths[name]))
    namespace = match.namespace
    if match.view_name == "web:record":
        namespace = str(match.kwargs.get("record_type", "")).partition(".")[0]
    if namespace and namespace != "web":
        return next((name for name in names if name.partition(":")[0] == namespace), None)
    return None


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Return what the base template needs: the version, the user's permissions, roles and menu."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    perms: frozenset[str] = user.permissions() if user is not None and signed_in else frozenset()
    shown = [(label, name) for label, name, perm in navigation_entries() if perm in perms]
    names = [name for _label, name in shown]
    current = current_entry(request, names) if shown else None
    marked = names.index(current) if current is not None else -1  # one entry only, even if two share a URL
    return {
        "atmp_version": atmp.__version__,
        "perms": perms,
        "user_roles": role_labels(user.roles()) if user is not None and signed_in else [],
        "served_at": clock.now(),
        # (label, url name, whether it is the current page's section: aria-current)
        "nav": [(label, name, i == marked) for i, (label, name) in enumerate(shown)],
    }
