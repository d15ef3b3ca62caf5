"""An API operation from a declared list (atmp.lists.ListSpec): the page's filters, sort and cursor as
query parameters, answering `{"items": [...], "next": cursor|null}`.

    add_list_operation(router, "/deviations", selectors.DEVIATIONS, permission="quality.view", tags=["quality"])

Every query parameter is declared (so the OpenAPI document lists them) as optional text; the list
itself checks them, as it does for the page, and a bad one is a 400 naming it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field, create_model

from atmp.accounts.access import requires
from atmp.api.auth import user_of
from atmp.api.schemas import answers, bounded
from atmp.lists import MAX_TEXT, ListSpec, api_page

Param = Annotated[str, bounded(MAX_TEXT * 4)]


class ListPage(Schema):
    """One page of a list; pass `next` as `after` for the following page (null: this was the last)."""

    items: list[dict[str, Any]]
    next: str | None


def query_schema(spec: ListSpec) -> type[Schema]:
    """Return the query parameters of the list as a schema: every filter, sort, after and limit."""
    described = {
        "sort": f"a sort key, '-' first to reverse (default {spec.default_sort})",
        "after": "the `next` cursor of the previous page",
        "limit": f"rows per page (default {spec.page_size})",
    }
    labels = {p: f.label for f in spec.filters for p in f.params()}
    fields: dict[str, Any] = {
        name: (Param | None, Field(None, description=described.get(name) or labels.get(name)))
        for name in spec.params()
        if name != "before"
    }
    model: type[Schema] = create_model(f"{spec.name.title().replace('_', '')}Query", __base__=Schema, **fields)
    return model


def add_list_operation(
    router: Router,
    path: str,
    spec: ListSpec,
    *,
    permission: str,
    tags: list[str],
    name: str | None = None,
    module: str | None = None,
) -> Callable[..., Any]:
    """Add `GET path` to the router: the list's page for the caller; return the view."""
    schema: Any = query_schema(spec)

    def view(request: HttpRequest, q: Any) -> dict[str, Any]:
        return api_page(spec, user_of(request), q.dict(exclude_none=True))

    # The operation id is <module>_<function> (atmp.api.main): name it after the list, not this helper.
    view.__name__ = name or f"list_{spec.name}"
    view.__qualname__ = view.__name__
    view.__doc__ = f"Return a page of {spec.title.lower()}, filtered and sorted; `next` continues it."
    # django-ninja reads the parameters from the annotations: the query is this list's schema.
    view.__annotations__ = {"request": HttpRequest, "q": Query[schema], "return": dict[str, Any]}  # type: ignore[misc]
    # Its owner in the operation id is the module that declares the rows (atmp.api.main names it so).
    view.__module__ = module or spec.rows.__module__
    guarded = requires(permission)(view)
    router.get(path, response=answers({200: ListPage}), tags=tags)(guarded)
    return guarded
