"""REST operations of labels and scans: a lot's label as PDF or PNG, a site's label set-up, reading a scan.

Printing a label and reading a scan are reads: nothing is stored and nothing enters the ledger.
Setting a site's label sizes is a change, through the ledger, with its reason.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field, StrictBool

from atmp.accounts import services as accounts
from atmp.accounts.access import requires
from atmp.api.auth import user_of
from atmp.api.schemas import BodyIn, Reason, answers, bounded, segment
from atmp.trace.selectors import labels as selectors
from atmp.trace.selectors import scan
from atmp.trace.selectors.lookups import lot_named
from atmp.trace.services import labels as svc

router = Router(tags=["trace: labels"])

Number = Annotated[str, segment(60)]
MEDIA_TYPES = {"pdf": "application/pdf", "png": "image/png"}


def _binary(media_type: str, what: str) -> dict[str, Any]:
    return {
        "responses": {
            200: {"description": what, "content": {media_type: {"schema": {"type": "string", "format": "binary"}}}}
        }
    }


class SizeQuery(Schema):
    """The label size, one of the site's (50x25mm, 100x50mm, 4x6in…); the site's default when not given."""

    size: Annotated[str, bounded(20)] | None = None


def label_response(data: bytes, fmt: str, number: str, size: str) -> HttpResponse:
    """Return label bytes shown inline, named after the lot and the size."""
    response = HttpResponse(data, content_type=MEDIA_TYPES[fmt])
    response["Content-Disposition"] = f'inline; filename="label-{number}-{size}.{fmt}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.get(
    "/trace/lots/{number}/label.pdf",
    response=answers({}),
    openapi_extra=_binary("application/pdf", "the lot's label: one page of the size, PDF/A-3b"),
)
@requires("records.view")
def get_label_pdf(request: HttpRequest, number: Number, query: Query[SizeQuery]) -> HttpResponse:
    """Return the lot's label as PDF (400 for a size the site does not print on, 422 for one too small)."""
    data, size = selectors.render_label(lot_named(number, user_of(request)), size=query.size, fmt="pdf")
    return label_response(data, "pdf", number, size.name)


@router.get(
    "/trace/lots/{number}/label.png",
    response=answers({}),
    openapi_extra=_binary("image/png", "the lot's label: a PNG of exactly the size at 300 dpi"),
)
@requires("records.view")
def get_label_png(request: HttpRequest, number: Number, query: Query[SizeQuery]) -> HttpResponse:
    """Return the lot's label as PNG, the size at 300 dpi (400 for a size the site does not print on)."""
    data, size = selectors.render_label(lot_named(number, user_of(request)), size=query.size, fmt="png")
    return label_response(data, "png", number, size.name)


class LabelSetupOut(Schema):
    """A site's label sizes, the default one, whether it labels per ISBT 128, and whether it set them."""

    site: str
    sizes: list[str]
    default_size: str
    isbt128: bool
    configured: bool


class LabelSetupIn(BodyIn):
    """The sizes a site prints labels on (50x25mm, 4x6in…), the default one (the first if none), ISBT 128 or not."""

    sizes: Annotated[list[Annotated[str, bounded(20)]], Field(min_length=1, max_length=svc.MAX_SIZES)]
    default_size: Annotated[str, bounded(20)] | None = None
    isbt128: StrictBool = False
    reason: Reason = ""


def setup_document(site_code: str, setup: selectors.Setup) -> dict[str, Any]:
    """Return a site's label set-up as LabelSetupOut."""
    return {
        "site": site_code,
        "sizes": [s.name for s in setup.sizes],
        "default_size": setup.default.name,
        "isbt128": setup.isbt128,
        "configured": setup.configured,
    }


@router.get("/trace/sites/{code}/labels", response=answers({200: LabelSetupOut}))
@requires("records.view")
def get_label_setup(request: HttpRequest, code: Annotated[str, segment(20)]) -> dict[str, Any]:
    """Return the site's label set-up (the standard sizes until it sets its own)."""
    site = accounts.find_site(code)
    return setup_document(site.code, selectors.setup_of(site.pk))


@router.put("/trace/sites/{code}/labels", response=answers({200: LabelSetupOut}))
@requires("records.write")
def set_label_setup(request: HttpRequest, code: Annotated[str, segment(20)], body: LabelSetupIn) -> dict[str, Any]:
    """Set the sizes the site prints labels on, the default one, and whether it labels per ISBT 128."""
    site = accounts.find_site(code)
    svc.set_up_labels(
        actor=user_of(request),
        site=site,
        sizes=list(body.sizes),
        default_size=body.default_size,
        isbt128=body.isbt128,
        reason=body.reason,
    )
    return setup_document(site.code, selectors.setup_of(site.pk))


class ScanIn(Schema):
    """What a scanner typed: a lot number, a COI, a GS1 element string (ASCII 29 as %1D) or ISBT 128 structures."""

    data: Annotated[str, bounded(scan.MAX_LENGTH), Field(min_length=1)]


class ScannedOut(Schema):
    """The lot and the COI a scan names (either may be null), how it was read, and the identifiers it carried."""

    kind: str
    lot: str | None
    coi: str | None
    identifiers: dict[str, Any]


@router.get("/trace/scan", response=answers({200: ScannedOut}))
@requires("records.view")
def read_scan(request: HttpRequest, query: Query[ScanIn]) -> dict[str, Any]:
    """Read a scan back to the lot and person it names (400 naming the identifier and the rule)."""
    return scan.read(query.data, viewer=user_of(request)).document()
