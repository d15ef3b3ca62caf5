"""Deny by default: every page and API operation declares the one permission it needs.

`@requires("records.view")` marks a view (web or API) and checks the permission on each call;
`@public` marks the few that need no login (the login page, the OpenAPI document). A contract
test walks every URL and every API operation for every role, and fails on any that declares
neither (atmp/accounts/tests/test_access_contract.py).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from atmp.accounts.roles import PERMISSIONS

F = TypeVar("F", bound=Callable[..., Any])
PUBLIC = "public"


class NotAuthenticated(PermissionDenied):
    """The request carries no valid session or token."""


def requires(permission: str) -> Callable[[F], F]:
    """Declare and enforce the permission a view needs."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}; add it to atmp.accounts.roles.PERMISSIONS")

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            check(request, permission)
            return view(request, *args, **kwargs)

        wrapper.atmp_permission = permission  # type: ignore[attr-defined]
        # django-ninja reads parameters from the signature; resolve the view's own annotations
        # here, so routers may use `from __future__ import annotations`.
        wrapper.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def public(view: F) -> F:
    """Declare that a view needs no login."""
    view.atmp_permission = PUBLIC  # type: ignore[attr-defined]
    return view


def check(request: HttpRequest, permission: str) -> None:
    """Raise unless the request's user holds the permission."""
    user = getattr(request, "auth_user", None) or getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        raise NotAuthenticated("sign in first")
    if not user.can(permission):
        raise PermissionDenied(f"your roles do not allow this: it needs the permission '{permission}'")


def declared_permission(view: Callable[..., Any]) -> str | None:
    """Return what a view declared (a permission or 'public'), following wrappers."""
    seen = 0
    while view is not None and seen < 10:
        perm = getattr(view, "atmp_permission", None)
        if perm:
            return str(perm)
        view = getattr(view, "__wrapped__", None) or getattr(view, "view_class", None)  # type: ignore[assignment]
        seen += 1
    return None
