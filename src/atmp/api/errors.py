"""One place that turns every refusal into a JSON answer with the right status; never a traceback.

400 bad input (the field named), 401 not signed in, 403 not allowed (the permission named),
404 not found, 409 conflicts with the current state (a stale version, a voided record, a checkpoint that
would contradict an earlier one), 422 refused by a GMP rule (a signature, a change that changes nothing).
"""

import json
import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from atmp.accounts.access import NotAuthenticated
from atmp.accounts.errors import InvalidInput, LoginRefused, NotAllowed, Throttled
from atmp.ledger.errors import (
    CheckpointRefused,
    Conflict,
    LedgerBypass,
    LedgerError,
    NotFound,
    ReasonRequired,
    RecordVoided,
    StaleRecord,
)
from atmp.ledger.reviews import ReviewNotConcluded
from atmp.stats.errors import StatsInputError

log = logging.getLogger("atmp.api")

# The most specific class first: InvalidInput is also an AccountError, which is a LedgerError.
REFUSALS: list[tuple[type[LedgerError], int]] = [
    (InvalidInput, 400),
    (ReviewNotConcluded, 400),
    (ReasonRequired, 400),
    (Throttled, 429),
    (LoginRefused, 401),
    (NotAllowed, 403),
    (NotFound, 404),
    (StaleRecord, 409),
    (RecordVoided, 409),
    (CheckpointRefused, 409),
    (Conflict, 409),
    # A write outside the ledger is atmp's bug, never the client's: say so, as a 500.
    (LedgerBypass, 500),
]
RULE_REFUSED = 422  # SignatureRefused, NothingChanged and every later module's rule violations
AUTHENTICATE = 'Bearer realm="atmp"'


class BadRequest(Exception):
    """A request parameter the schema cannot check (a date, a username) is malformed; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class BodyRefused(Exception):
    """A request body that is not one JSON object of unique keys sent as application/json."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.field = field


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            # RFC 8259 §4: names "SHOULD be unique"; two values for one field is ambiguous input.
            raise BodyRefused(400, f"{key}: the key appears twice in the JSON body", field=key)
        seen[key] = value
    return seen


class StrictJSON(Parser):
    """Read a JSON body only when sent as application/json, and refuse duplicate keys."""

    def parse_body(self, request: HttpRequest) -> Any:
        """Return the parsed body, or raise BodyRefused (415 wrong type, 400 malformed or duplicate key)."""
        if request.content_type != "application/json":
            raise BodyRefused(415, f"send the body as application/json, not {request.content_type or 'no type'!r}")
        try:
            return json.loads(request.body, object_pairs_hook=_unique_keys)
        except (ValueError, RecursionError):
            raise BodyRefused(400, "cannot parse the body: it is not valid JSON") from None


def status_of(exc: LedgerError) -> int:
    """Return the HTTP status of a domain refusal."""
    for cls, status in REFUSALS:
        if isinstance(exc, cls):
            return status
    return RULE_REFUSED


def install(api: NinjaAPI) -> None:
    """Register the handlers on the API (replacing django-ninja's, which show tracebacks in DEBUG)."""

    def answer(request: HttpRequest, status: int, detail: str, **extra: Any) -> HttpResponse:
        body = {"detail": detail, **{k: v for k, v in extra.items() if v is not None}}
        response = api.create_response(request, body, status=status)
        if status == 401:
            response["WWW-Authenticate"] = AUTHENTICATE
        return response

    def refused(request: HttpRequest, exc: LedgerError) -> HttpResponse:
        status = status_of(exc)
        if status >= 500:
            log.error("ledger bypass in %s %s: %s", request.method, request.path, exc)
        field = getattr(exc, "field", None) or ("reason" if isinstance(exc, ReasonRequired) else None)
        response = answer(request, status, str(exc), field=field)
        if isinstance(exc, Throttled):
            response["Retry-After"] = str(exc.retry_after)
        return response

    def bad_request(request: HttpRequest, exc: BadRequest | StatsInputError) -> HttpResponse:
        return answer(request, 400, str(exc), field=exc.field)

    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return answer(request, 413, "the request body is too large: send a large CSV file as a multipart upload")

    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [_error(e) for e in exc.errors]
        first: dict[str, Any] = errors[0] if errors else {"field": None, "message": "invalid request"}
        detail = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
        return answer(request, 400, detail, field=first["field"], errors=errors)

    def unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
        return answer(request, 401, "sign in first: send 'Authorization: Bearer atmp_...' or use a browser session")

    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        if isinstance(exc, NotAuthenticated):
            return unauthenticated(request, exc)
        return answer(request, 403, str(exc) or "not allowed")

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # django-ninja wraps every error of the body parser in "Cannot parse request body" (400).
        cause = exc.__cause__
        if isinstance(cause, BodyRefused):
            return answer(request, cause.status, str(cause), field=cause.field)
        return answer(request, exc.status_code, str(exc))

    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return answer(request, 404, "not found")

    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        log.exception("unexpected error in %s %s", request.method, request.path)
        return answer(request, 500, "internal error: the server's log has the details")

    handlers: list[tuple[type[Exception], Callable[[HttpRequest, Any], HttpResponse]]] = [
        (LedgerError, refused),
        (BadRequest, bad_request),
        (StatsInputError, bad_request),
        (RequestDataTooBig, too_big),
        (ValidationError, invalid),
        (AuthenticationError, unauthenticated),
        (PermissionDenied, forbidden),
        (HttpError, http_error),
        (Http404, not_found),
        (Exception, unexpected),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)


def _error(error: dict[str, Any]) -> dict[str, Any]:
    # django-ninja's loc is (source, [parameter model,] field, …): keep the field path a client sent.
    loc = [str(part) for part in error.get("loc", ())]
    source, path = (loc[0], loc[1:]) if loc else ("", [])
    if source == "body" and len(path) > 1:
        path = path[1:]  # drop the name of the view's body parameter
    return {"field": ".".join(path) or source or None, "in": source or None, "message": str(error.get("msg", ""))}
