"""List pages from a declared list (atmp.lists.ListSpec): filter form, sortable headers, keyset pages, CSV.

A module's list view is one line after its permission:

    @requires("quality.view")
    def deviations(request):
        return list_page(request, selectors.DEVIATIONS)

`?format=csv` on the same URL streams the same filtered, sorted selection as a CSV file, so the
export needs no URL or permission of its own. A bad parameter answers 400 with the page, naming it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from atmp import lists
from atmp.ledger import clock
from atmp.lists import BadParameter, Column, ListSpec
from atmp.web import display

# Cursor parameters are left out of links that start a new selection (a filter, a sort, the CSV).
PAGING = ("after", "before")


def list_page(
    request: HttpRequest,
    spec: ListSpec,
    *,
    template: str = "web/list.html",
    context: dict[str, Any] | None = None,
) -> HttpResponseBase:
    """Render the list (or stream its CSV with ?format=csv) for the signed-in viewer."""
    viewer = request.user
    raw: dict[str, str] = {k: str(v) for k, v in request.GET.items()}
    shown = _shown_context(spec, viewer, raw)
    try:
        fmt = raw.pop("format", "html")
        if fmt not in ("html", "csv"):
            raise BadParameter("format", f"{fmt!r} is not a format of this list: html or csv")
        selection = lists.select(spec, viewer, raw)
    except BadParameter as exc:
        refused = {**shown, **(context or {}), "error": exc, "rows": [], "page": None}
        return render(request, template, refused, status=400)
    if fmt == "csv":
        return csv_response(spec, viewer, selection)
    found = lists.page(spec, viewer, selection)
    columns = spec.columns_for(viewer)
    page_context = {
        **shown,
        "page": found,
        "rows": [[_cell(c, row) for c in columns] for row in found.rows],
        "headers": _headers(columns, selection, raw),
        "next_url": _url(raw, after=found.next) if found.next else None,
        "previous_url": _url(raw, before=found.previous) if found.previous else None,
        "first_url": _url(raw) if selection.after or selection.before else None,
        "csv_url": _url(raw, format="csv"),
        **(context or {}),
    }
    return render(request, template, page_context)


def csv_response(spec: ListSpec, viewer: Any, selection: lists.Selection) -> StreamingHttpResponse:
    """Stream the selection as a CSV attachment named after the list and the time (UTC)."""
    stamp = clock.now().astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    response = StreamingHttpResponse(lists.csv_lines(spec, viewer, selection), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{spec.name}-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


def _shown_context(spec: ListSpec, viewer: Any, raw: dict[str, str]) -> dict[str, Any]:
    """Return what the page shows whatever the selection: the title and the filter form with its values."""
    filters = []
    for f in spec.filters:
        filters.append(
            {
                "name": f.name,
                "label": f.label,
                "kind": f.kind,
                "params": [(p, raw.get(p, "")) for p in f.params()],
                "options": f.options(viewer),
                "blank": f.blank,
            }
        )
    chosen = {p: raw.get(p, "") for f in spec.filters for p in f.params()}
    return {
        "spec": spec,
        "title": spec.title,
        "filters": filters,
        "filtered": any(chosen.values()),
        "sort_value": raw.get("sort", ""),
        "limit_value": raw.get("limit", ""),
        "clear_url": _url({k: v for k, v in raw.items() if k in ("sort", "limit")}),
    }


def _headers(columns: list[Column], selection: lists.Selection, raw: dict[str, str]) -> list[dict[str, Any]]:
    headers = []
    for c in columns:
        current = c.sort is not None and selection.sort_key == c.key
        direction = ("descending" if selection.descending else "ascending") if current else None
        # A click sorts by the column, ascending; on the column already sorted ascending, descending.
        target = f"-{c.key}" if current and not selection.descending else c.key
        headers.append(
            {
                "label": c.label,
                "key": c.key,
                "url": _url(raw, sort=target) if c.sort else None,
                "direction": direction,
            }
        )
    return headers


def _url(raw: dict[str, str], **changes: str | None) -> str:
    """Return the query string of a link: the current parameters with these changed, paging dropped."""
    params = {k: v for k, v in raw.items() if k not in PAGING and k != "format" and v != ""}
    for key, value in changes.items():
        params.pop(key, None)
        if value:
            params[key] = value
    return "?" + urlencode(params) if params else "?"


def _cell(column: Column, row: Any) -> SafeString:
    """Return one cell's HTML: the column's own rendering, or its value (times in UTC), linked if it links."""
    if column.html is not None:
        return mark_safe(column.html(row))  # noqa: S308 - the column's renderer builds it with format_html
    value = column.value_of(row)
    if value is None or value == "":
        text = "—"
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, dt.datetime):
        text = display.utc(value)
    else:
        text = lists.plain(value)
    if column.link is not None:
        return format_html('<a href="{}">{}</a>', column.link(row), text)
    return format_html("{}", text)
