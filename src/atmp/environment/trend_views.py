"""The trend pages: a sample point's control chart, the QA trend alerts (and QA's signed assessment,
drawn from the API's operation, ADR 0013), and a site's monthly summary with each room's heat map."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from atmp.accounts.access import requires
from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import User
from atmp.accounts.services import can_see, find_site
from atmp.environment.api import trends as api
from atmp.environment.models import TrendAlert
from atmp.environment.printed import summary_context
from atmp.environment.selectors import trends as sel
from atmp.environment.services import rooms as svc
from atmp.ledger import clock
from atmp.ledger.errors import LedgerError
from atmp.web.operations import OperationForm

ASSESS = OperationForm(
    title="Assess the trend alert",
    operation=api.assess_alert,
    record_type=TrendAlert.record_type(),
    path="alert_id",
    intro="Your assessment is kept on the alert and signed 'Reviewed' (EU GMP Annex 1 §9.26–9.27: adverse "
    "trends are detected and addressed). Name a deviation or CAPA if you opened one.",
    submit="Sign",
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@requires("records.view")
def point(request: HttpRequest, site: str, code: str, point: str) -> HttpResponse:
    """Show a sample point's control chart in a state, its rule violations and its trend alerts."""
    try:
        found = svc.find_point(svc.find_room(site, code, user=_user(request)), point)
        trend = sel.point_trend(found, request.GET.get("state", "in_operation"))
    except LedgerError:
        raise Http404(f"no sample point {point} in {code} at {site}") from None
    context = {
        "point": found,
        "room": found.room,
        "trend": trend.document(),
        "state": trend.state,
        "svg": mark_safe(api.trend_svg(trend)),  # noqa: S308 - built by charts.py, every text escaped
        "alerts": sel.alerts_of(_user(request), point=found)[:20],
    }
    return render(request, "environment/point.html", context)


@requires("records.view")
def alerts(request: HttpRequest) -> HttpResponse:
    """List the QA trend alerts of the user's sites, the open ones first when asked."""
    open_only = request.GET.get("open", "") in ("1", "true", "yes")
    rows = sel.alerts_of(_user(request), open_only=open_only)
    may_assess = ASSESS.may(_user(request))
    return render(request, "environment/alerts.html", {"rows": rows, "open_only": open_only, "may_assess": may_assess})


@requires("records.view")
def summary(request: HttpRequest, site: str) -> HttpResponse:
    """Show a site's monthly summary (counts per room and point type, per point) and each room's heat map."""
    month = request.GET.get("month") or clock.now().strftime("%Y-%m")
    try:
        place = find_site(site)
        if not can_see(_user(request), place):
            raise Http404(f"no site {site}")
        context = summary_context(place, month)
    except (InvalidInput, LedgerError) as exc:
        if isinstance(exc, InvalidInput) and exc.field == "month":
            return render(request, "environment/summary.html", {"error": str(exc), "month": month}, status=400)
        raise Http404(f"no site {site}") from None
    context["maps"] = [(r, mark_safe(svg)) for r, svg in context["maps"]]  # noqa: S308 - charts.py escapes
    return render(request, "environment/summary.html", context | {"month": context["summary"]["month"]})


@requires("records.view")
def summary_pdf(request: HttpRequest, site: str) -> HttpResponse:
    """Return the monthly summary as PDF/A with its JSON embedded."""
    from atmp.environment.printed import summary_pdf as printed
    from atmp.printing.errors import PrintRefused

    month = request.GET.get("month") or clock.now().strftime("%Y-%m")
    try:
        place = find_site(site)
        if not can_see(_user(request), place):
            raise Http404(f"no site {site}")
        data = printed(place, month, printed_by=_user(request).username)
    except InvalidInput as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain")
    except PrintRefused as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain")
    except LedgerError:
        raise Http404(f"no site {site}") from None
    from atmp.printing.pdf import download

    response: HttpResponse = download(data, f"em-summary-{place.code}-{month}.pdf")
    return response
