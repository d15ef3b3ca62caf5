"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

import atmp


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Return what the base template needs: the version and the user's permissions."""
    user = getattr(request, "user", None)
    perms = user.permissions() if user is not None and user.is_authenticated else frozenset()
    return {"atmp_version": atmp.__version__, "perms": perms}
