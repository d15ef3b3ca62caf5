"""Template filters for atmp's pages: times in UTC (and a site's zone), action and role labels, units."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

from atmp.trace import units
from atmp.web import display

register = template.Library()


@register.filter
def utc(value: str | dt.datetime | None) -> str:
    """Render a time as '2026-11-25 14:03:12 UTC'."""
    return display.utc(value)


@register.filter
def in_zone(value: str | dt.datetime | None, zone: str | None) -> str:
    """Render a time in a site's zone, e.g. '2026-11-25 15:03:12 CET'."""
    return display.in_zone(value, zone)


@register.filter
def action_label(action: str) -> str:
    """Render an entry's action readably."""
    return display.action_label(action)


@register.filter
def unit(code: str | None) -> str:
    """Render a UCUM code as people read it ('Cel' as '°C', '10*6.{cells}/mL' as '10⁶ cells/mL')."""
    return units.display(code or "")


@register.filter
def short_hash(value: str, length: int = 12) -> str:
    """Render the first characters of a hash followed by an ellipsis."""
    return f"{value[:length]}…" if value and len(value) > length else (value or "")


@register.simple_tag(takes_context=True)
def query(context: Any, **changes: Any) -> str:
    """Return the current query string with some parameters replaced (None or '' removes one)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value not in (None, ""):
            params[key] = value
    return "?" + params.urlencode() if params else "?"
