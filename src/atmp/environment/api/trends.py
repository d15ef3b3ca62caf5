"""REST operations for trending: a point's control chart, QA trend alerts and their assessment, the
site's trend policy, monthly summaries and a room's heat map (schemas prefixed EmTrend: unique names)."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from atmp.accounts.access import requires
from atmp.accounts.services import find_site
from atmp.api.auth import user_of
from atmp.api.schemas import MAX_INT, BodyIn, Reason, answers, bounded, segment
from atmp.environment import charts
from atmp.environment.selectors import trends as sel
from atmp.environment.services import alerts as svc
from atmp.environment.services.rooms import find_point, find_room
from atmp.quality.models.capa import Capa
from atmp.quality.models.deviations import Deviation

router = Router(tags=["environment"])
Code = Annotated[str, segment(40)]


class EmTrendQuery(Schema):
    state: Annotated[str, bounded(20)] = Field("in_operation", description="at_rest or in_operation.")
    svg: bool = Field(False, description="Include the chart as SVG text.")


class EmTrendValueOut(Schema):
    index: int
    record: str
    taken_at: str
    value: str | None
    level: str
    rules: list[int]


class EmTrendViolationOut(Schema):
    rule: int
    index: int
    record: str
    taken_at: str


class EmTrendLimitsOut(Schema):
    lcl: float | None
    ucl: float | None
    alert: str | None
    action: str | None


class EmTrendOut(Schema):
    site: str
    room: str
    point: str
    type: str
    unit: str
    state: str
    n: int
    baseline_results: int
    rules: list[int]
    centre: float | None
    sigma: float | None
    limits: EmTrendLimitsOut
    note: str
    values: list[EmTrendValueOut]
    violations: list[EmTrendViolationOut]
    svg: str | None = None


class EmTrendAlertOut(Schema):
    id: int
    record: str
    version: int
    site: str
    room: str
    point: str
    state: str
    rule: str
    rule_label: str
    result: str
    taken_at: str
    detail: str
    status: str
    raised_at: str | None
    assessment: str
    deviation: str | None
    capa: str | None


class EmTrendAlertQuery(Schema):
    open: bool = Field(False, description="Only the alerts waiting for QA.")
    site: Annotated[str, bounded(40)] = ""


class EmTrendAssessIn(BodyIn):
    """QA's assessment (the reason, kept on the alert), signed 'Reviewed'; optionally a deviation or CAPA."""

    reason: Reason = Field(description="The assessment: what QA concluded and why.")
    password: Annotated[str, bounded(1024)]
    otp: Annotated[str, bounded(16)] | None = None
    deviation: Annotated[str, bounded(32)] = Field("", description="A deviation's number, e.g. DEV-2026-0001.")
    capa: Annotated[str, bounded(32)] = Field("", description="A CAPA's number.")
    version: Annotated[int, Field(ge=1, le=MAX_INT)] | None = None


class EmTrendPolicyOut(Schema):
    site: str
    record: str | None
    version: int | None
    default: bool
    rules: list[int]
    consecutive_alerts: int
    window_alerts: int
    window_days: int
    baseline_results: int


class EmTrendPolicyIn(BodyIn):
    """The site's trend policy: give only what changes (a change needs a reason)."""

    site: Annotated[str, bounded(40)]
    rules: Annotated[str, bounded(20)] | None = Field(None, description="Nelson rules, e.g. '1,2,3,4'; '' none.")
    consecutive_alerts: Annotated[int, Field(ge=0, le=20)] | None = None
    window_alerts: Annotated[int, Field(ge=0, le=50)] | None = None
    window_days: Annotated[int, Field(ge=1, le=366)] | None = None
    baseline_results: Annotated[int, Field(ge=2, le=1000)] | None = None
    reason: Reason = ""


class EmTrendCountsOut(Schema):
    results: int
    within: int
    alert: int
    action: int


class EmTrendTypeRowOut(EmTrendCountsOut):
    room: str
    type: str


class EmTrendPointRowOut(EmTrendCountsOut):
    room: str
    point: str
    type: str


class EmTrendSummaryOut(Schema):
    site: str
    room: str | None
    month: str
    totals: EmTrendCountsOut
    trend_alerts: int
    by_type: list[EmTrendTypeRowOut]
    by_point: list[EmTrendPointRowOut]


class EmTrendSummaryQuery(Schema):
    month: Annotated[str, bounded(7)] = Field(description="YYYY-MM, the site's calendar month.")
    room: Annotated[str, bounded(40)] = ""


class EmTrendHeatCellOut(Schema):
    point: str
    month: str
    results: int
    alert: int
    action: int


class EmTrendHeatMapOut(Schema):
    site: str
    room: str
    months: list[str]
    points: list[str]
    cells: list[EmTrendHeatCellOut]
    svg: str | None = None


class EmTrendHeatQuery(Schema):
    month: Annotated[str, bounded(7)] = Field(description="The last month shown, YYYY-MM.")
    months: Annotated[int, Field(ge=1, le=36)] = 12
    svg: bool = False


def trend_svg(trend: sel.PointTrend) -> str:
    """Return a point's control chart as SVG."""
    document = trend.document()
    points = [
        charts.ChartPoint(
            label=r.taken_at.date().isoformat(), value=float(r.value), level=r.level, rules=tuple(v["rules"])
        )
        for r, v in zip(trend.results, document["values"], strict=True)
    ]
    limits = document["limits"]
    return charts.control_chart(
        points,
        title=f"{document['room']}/{document['point']} {document['type']}, {trend.state.replace('_', ' ')}",
        centre=trend.chart.centre,
        sigma=trend.chart.sigma,
        alert=float(limits["alert"]) if limits["alert"] is not None else None,
        action=float(limits["action"]) if limits["action"] is not None else None,
        unit=document["unit"],
    )


def heat_svg(document: dict[str, Any], *, font: str = "sans-serif") -> str:
    """Return a room's heat map as SVG."""
    cells = {
        (c["point"], c["month"]): charts.HeatCell(c["results"], c["alert"], c["action"]) for c in document["cells"]
    }
    return charts.heat_map(
        document["points"],
        document["months"],
        cells,
        title=f"{document['site']}/{document['room']}: excursions per month",
    )


@router.get("/environment/rooms/{site}/{room}/points/{point}/trend", response=answers({200: EmTrendOut}))
@requires("records.view")
def get_trend(request: HttpRequest, site: Code, room: Code, point: Code, q: Query[EmTrendQuery]) -> dict[str, Any]:
    """Return a point's control chart in a state: values, centre, σ, limits and Nelson rule violations."""
    found = find_point(find_room(site, room, user=user_of(request)), point)
    trend = sel.point_trend(found, q.state)
    return trend.document() | {"svg": trend_svg(trend) if q.svg else None}


@router.get("/environment/alerts", response=answers({200: list[EmTrendAlertOut]}))
@requires("records.view")
def list_alerts(request: HttpRequest, q: Query[EmTrendAlertQuery]) -> list[dict[str, Any]]:
    """List the QA trend alerts of your sites, newest first (open only with ?open=true)."""
    site = find_site(q.site) if q.site else None
    return [sel.alert_document(a) for a in sel.alerts_of(user_of(request), open_only=q.open, site=site)]


@router.get("/environment/alerts/{alert_id}", response=answers({200: EmTrendAlertOut}))
@requires("records.view")
def get_alert(request: HttpRequest, alert_id: Annotated[int, Field(ge=1, le=MAX_INT)]) -> dict[str, Any]:
    """Return a QA trend alert."""
    return sel.alert_document(sel.find_alert(alert_id, user=user_of(request)))


@router.post("/environment/alerts/{alert_id}/assess", response=answers({200: EmTrendAlertOut}))
@requires("quality.decide")
def assess_alert(
    request: HttpRequest, alert_id: Annotated[int, Field(ge=1, le=MAX_INT)], body: EmTrendAssessIn
) -> dict[str, Any]:
    """Assess an open alert (QA), signed 'Reviewed'; the reason is the assessment."""
    user = user_of(request)
    alert = sel.find_alert(alert_id, user=user)
    done = svc.assess_alert(
        actor=user,
        alert=alert,
        reason=body.reason,
        password=body.password,
        otp=body.otp,
        deviation=svc.numbered(Deviation, body.deviation, field="deviation", user=user) if body.deviation else None,
        capa=svc.numbered(Capa, body.capa, field="capa", user=user) if body.capa else None,
        version=body.version,
    )
    return sel.alert_document(done)


@router.get("/environment/trend-policy/{site}", response=answers({200: EmTrendPolicyOut}))
@requires("records.view")
def get_policy(request: HttpRequest, site: Code) -> dict[str, Any]:
    """Return the site's trend policy (its own, or atmp's defaults)."""
    return sel.policy_document(find_site(site))


@router.post("/environment/trend-policy", response=answers({200: EmTrendPolicyOut}))
@requires("quality.decide")
def set_policy(request: HttpRequest, body: EmTrendPolicyIn) -> dict[str, Any]:
    """Set the site's trend policy (QA): which Nelson rules and repeated alerts raise alerts, the baseline."""
    place = find_site(body.site)
    svc.set_policy(
        actor=user_of(request),
        site=place,
        reason=body.reason,
        rules=body.rules,
        consecutive_alerts=body.consecutive_alerts,
        window_alerts=body.window_alerts,
        window_days=body.window_days,
        baseline_results=body.baseline_results,
    )
    return sel.policy_document(place)


@router.get("/environment/summary/{site}", response=answers({200: EmTrendSummaryOut}))
@requires("records.view")
def get_summary(request: HttpRequest, site: Code, q: Query[EmTrendSummaryQuery]) -> dict[str, Any]:
    """Return a month's counts within / alert / action per room and point type, and per point."""
    user = user_of(request)
    place = find_site(site)
    room = find_room(place, q.room, user=user) if q.room else None
    if room is None:
        from atmp.accounts.services import can_see

        if not can_see(user, place):
            from atmp.accounts.errors import InvalidInput

            raise InvalidInput("site", f"there is no site {site!r}")
    return sel.monthly_summary(place, q.month, room=room)


@router.get("/environment/rooms/{site}/{room}/heat-map", response=answers({200: EmTrendHeatMapOut}))
@requires("records.view")
def get_heat_map(request: HttpRequest, site: Code, room: Code, q: Query[EmTrendHeatQuery]) -> dict[str, Any]:
    """Return a room's alert and action counts per sample point and month (and the SVG with ?svg=true)."""
    document = sel.heat_map(find_room(site, room, user=user_of(request)), month=q.month, months=q.months)
    return document | {"svg": heat_svg(document) if q.svg else None}
