"""The REST API at /api/v1/ (django-ninja), with its OpenAPI document at /api/v1/openapi.json.

Every operation needs a signed-in caller (a bearer token or a browser session, atmp.api.auth) and
declares its permission with atmp.accounts.access.requires; only the OpenAPI document is public,
so a client can learn the API before it has a token. A module adds its router below.
"""

import functools
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import re_path
from ninja import NinjaAPI
from ninja.operation import Operation, PathView
from ninja.renderers import JSONRenderer

import atmp
from atmp.accounts.access import declared_permission, public
from atmp.api import errors
from atmp.api.auth import AUTH

DESCRIPTION = """atmp's REST API. Authenticate with `Authorization: Bearer atmp_…` (a token from
`POST /api/v1/tokens` or `atmp user token`) or a signed-in browser session (then send the CSRF token
in `X-CSRFToken` on unsafe methods). Errors are JSON `{"detail": …, "field": …}`: 400 bad input,
401 not signed in, 403 not allowed (the permission is named), 404 not found, 409 conflict with the
current state, 422 refused by a GMP rule. Every change after creation needs a `reason`."""


class Utf8JSON(JSONRenderer):
    """JSON as UTF-8 text: names, reasons and signed notes read as written (§, é, —), not as \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


class AtmpAPI(NinjaAPI):
    """NinjaAPI with atmp's operation ids and every URL it serves declaring its access."""

    @property
    def urls(self) -> tuple[list[Any], str, str]:
        """Return the URL patterns: django-ninja's root view declared public (it only answers 404), a
        wrong method answered in JSON (405), and a JSON 404 for every other URL under /api/v1/."""
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            callback = getattr(pattern, "callback", None)
            if getattr(pattern, "name", None) == "api-root" and callback is not None:
                public(callback)
            path_view = _path_view(callback)
            if path_view is not None:
                path_view._not_allowed = functools.partial(_not_allowed, path_view)  # type: ignore[method-assign]
        return [*patterns, re_path(r"^.*$", unknown_url, name="api-unknown")], app_name, namespace

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        """Return the document with each operation's permission named (`x-atmp-permission`), so that a
        client can tell which roles may call it (and the fuzz test a role's 403 from a fault).

        Made once per process and path prefix: the operations are fixed once the URLs are loaded, and
        building the document anew took 4.5 s for its 700-odd operations on every GET of openapi.json
        (docs/performance.md). Callers only read it.
        """
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        cache: dict[str, Any] = self.__dict__.setdefault("_openapi_documents", {})
        if path_prefix not in cache:
            cache[path_prefix] = self._permission_named(super().get_openapi_schema(path_prefix=path_prefix))
        return cache[path_prefix]

    def _permission_named(self, document: Any) -> Any:
        needs = {
            operation.operation_id or self.get_openapi_operation_id(operation): declared_permission(operation.view_func)
            for router in self._get_bound_routers()
            for path_view in router.path_operations.values()
            for operation in path_view.operations
        }
        for methods in document["paths"].values():
            for operation in methods.values():
                operation["x-atmp-permission"] = needs.get(operation.get("operationId"))
        return document

    def get_openapi_operation_id(self, operation: Operation) -> str:
        """Return `<module>_<function>`, e.g. ledger_list_entries."""
        module = operation.view_func.__module__.split(".")
        owner = module[1] if len(module) > 2 and module[0] == "atmp" else module[-1]
        return f"{owner}_{operation.view_func.__name__}"


def _path_view(callback: Any) -> PathView | None:
    for cell in getattr(callback, "__closure__", None) or ():
        if isinstance(cell.cell_contents, PathView):
            return cell.cell_contents
    return None


def _not_allowed(path_view: PathView) -> HttpResponse:
    allowed = sorted({m for op in path_view.operations for m in op.methods})
    response = JsonResponse({"detail": f"method not allowed here: use {', '.join(allowed)}"}, status=405)
    response["Allow"] = ", ".join(allowed)
    return response


@public
def unknown_url(request: HttpRequest) -> HttpResponse:
    """Answer a URL under /api/v1/ that names no operation: a JSON 404, as every API answer is JSON."""
    return JsonResponse(
        {"detail": f"there is no API operation at {request.path[:200]}: see /api/v1/openapi.json"}, status=404
    )


api = AtmpAPI(
    title="atmp",
    version=atmp.__version__,
    description=DESCRIPTION,
    urls_namespace="api",
    auth=AUTH,
    renderer=Utf8JSON(),
    parser=errors.StrictJSON(),
    # The interactive docs page would load Swagger UI from a CDN unless "ninja" is an installed app;
    # atmp works offline, so only the JSON document is served.
    docs_url=None,
    docs_decorator=public,
)
errors.install(api)


def _register() -> None:
    from atmp.accounts.api import router as accounts
    from atmp.api.stats import router as stats
    from atmp.ledger.api import router as ledger

    api.add_router("", accounts)
    api.add_router("", ledger)
    api.add_router("", stats)
    from atmp import modules

    for module in modules.installed():
        if module.api:
            api.add_router("", modules.load(module.api))


_register()
