"""Each query parameter of the API is given once and not empty: anything else is refused, not silently read.

A repeated one would be read as its last value, an empty one as absent. No operation of the API
takes a list in its query string (the OpenAPI document would show it): `?status=open&status=closed`
would list only the closed records and `?site=` every site, and the caller could not tell that
part of what it asked was dropped.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

API_PREFIX = "/api/"


class QueryParametersOnceMiddleware:
    """Answer 400, naming the parameter, when an API request repeats a query parameter or gives it empty."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            for name, values in request.GET.lists():
                if len(values) > 1:
                    field = name[:100]
                    return JsonResponse(
                        {
                            "detail": f"{field}: given {len(values)} times; give each query parameter once",
                            "field": field,
                        },
                        status=400,
                    )
                if values == [""]:
                    field = name[:100]
                    return JsonResponse(
                        {"detail": f"{field}: empty; leave the parameter out instead", "field": field}, status=400
                    )
        return self.get_response(request)
