"""REST operations: the Annex 1 limits, rooms, sample points, alert limits, results and the CSV import."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from atmp.accounts.access import requires
from atmp.accounts.services import find_site
from atmp.api.auth import user_of
from atmp.api.schemas import BodyIn, Reason, answers, bounded, segment
from atmp.environment import limits as annex1
from atmp.environment.selectors import documents as docs
from atmp.environment.services import imports, rooms
from atmp.environment.services.limits import alert_limits, set_alert_limit
from atmp.environment.services.results import record_result

router = Router(tags=["environment"])
Code = Annotated[str, segment(40)]


class RoomIn(BodyIn):
    """A room to add: its site, code (unique there), name, Annex 1 grade and biosafety level."""

    site: Annotated[str, bounded(40)]
    code: Annotated[str, bounded(40)]
    name: Annotated[str, bounded(200)]
    grade: Annotated[str, bounded(1)] = Field(description="A, B, C or D.")
    biosafety_level: Annotated[int, Field(ge=1, le=4)] = 1
    reason: Reason = ""


class RoomOut(Schema):
    id: int
    record: str
    version: int
    site: str
    code: str
    name: str
    grade: str
    biosafety_level: int
    status: str


class RoomChangeIn(BodyIn):
    """What to change in a room: give only those to change, with the reason (its state: the workflow)."""

    name: Annotated[str, bounded(200)] | None = None
    grade: Annotated[str, bounded(1)] | None = None
    biosafety_level: Annotated[int, Field(ge=1, le=4)] | None = None
    reason: Reason
    version: Annotated[int, Field(ge=1)] | None = None


class PointIn(BodyIn):
    """A sample point to add to the room: its code, what is sampled there, and where it is."""

    code: Annotated[str, bounded(40)]
    type: Annotated[str, bounded(20)] = Field(description=", ".join(annex1.SAMPLE_TYPES))
    location: Annotated[str, bounded(200)] = ""
    reason: Reason = ""


class PointOut(Schema):
    id: int
    record: str
    version: int
    site: str
    room: str
    code: str
    type: str
    location: str


class ResultIn(BodyIn):
    """A result at a sample point (site, room, point codes); value as a decimal string, unit the point's."""

    site: Annotated[str, bounded(40)]
    room: Annotated[str, bounded(40)]
    point: Annotated[str, bounded(40)]
    taken_at: dt.datetime
    state: Annotated[str, bounded(20)] = Field(description="at_rest or in_operation.")
    value: Annotated[str, bounded(20)] = Field(description="The count (particles per m³ or CFU), e.g. '3'.")
    unit: Annotated[str, bounded(20)] = Field("", description="/m3, CFU/m3, CFU/4h, CFU/plate or CFU/glove.")
    operator: Annotated[str, bounded(150)] = Field("", description="Who took the sample (default: you).")
    batch: Annotated[str, bounded(60)] = ""
    reason: Reason = ""


class ResultOut(Schema):
    id: int
    record: str
    site: str
    room: str
    point: str
    type: str
    taken_at: str
    state: str
    value: str
    unit: str
    operator: str
    batch: str
    level: str
    action_limit: str | None
    alert_limit: str | None
    limits_from: str
    deviations: list[str]


class RoomDetailOut(RoomOut):
    points: list[PointOut]
    results: list[ResultOut]


class AlertLimitIn(BodyIn):
    """A site's alert limit, for a grade and type or for one point ("ROOM/POINT"); below Annex 1's."""

    site: Annotated[str, bounded(40)]
    grade: Annotated[str, bounded(1)] = ""
    type: Annotated[str, bounded(20)] = ""
    point: Annotated[str, bounded(81)] = Field("", description="ROOM/POINT for one point's own limit.")
    state: Annotated[str, bounded(20)] = Field("", description="at_rest, in_operation, or empty for both.")
    value: Annotated[str, bounded(20)]
    reason: Reason = ""


class AlertLimitOut(Schema):
    id: int
    record: str
    version: int
    site: str
    grade: str
    type: str
    state: str
    point: str | None
    value: str


class ImportIn(Schema):
    site: Annotated[str, bounded(40)]
    dry_run: bool = False
    reason: Reason = ""


class ImportOut(Schema):
    dry_run: bool
    results: int
    within: int
    alert: int
    action: int
    deviations: list[str]
    trend_alerts: list[str]
    file_sha256: str
    file: str


@router.get("/environment/limits", response=answers({200: dict[str, Any]}))
@requires("records.view")
def get_limits(request: HttpRequest) -> dict[str, Any]:
    """Return Annex 1 (2022)'s action limits: Table 5 particles per m³, Table 6 viable (0: no growth; null: none)."""
    return annex1.table()


@router.get("/environment/rooms", response=answers({200: list[RoomOut]}))
@requires("records.view")
def list_rooms(request: HttpRequest) -> list[dict[str, Any]]:
    """List the rooms of the caller's sites."""
    return [docs.room_document(r) for r in docs.rooms_of(user_of(request))]


@router.post("/environment/rooms", response=answers({201: RoomOut}))
@requires("quality.decide")
def add_room(request: HttpRequest, body: RoomIn) -> Status[dict[str, Any]]:
    """Add a room (400 naming a bad field, 409 for a code the site already has)."""
    made = rooms.add_room(
        actor=user_of(request),
        site=find_site(body.site),
        code=body.code,
        name=body.name,
        grade=body.grade,
        biosafety_level=body.biosafety_level,
        reason=body.reason,
    )
    return Status(201, docs.room_document(made))


@router.get("/environment/rooms/{site}/{code}", response=answers({200: RoomDetailOut}))
@requires("records.view")
def get_room(request: HttpRequest, site: Code, code: Code) -> dict[str, Any]:
    """Return a room with its sample points and its newest results, each with its level."""
    room = rooms.find_room(site, code, user=user_of(request))
    recent = docs.recent_results(room=room)
    numbers = docs.deviation_numbers(recent)
    return docs.room_document(room) | {
        "points": [docs.point_document(p) for p in docs.points_of(room)],
        "results": [docs.result_document(r, numbers.get(r.pk, [])) for r in recent],
    }


@router.patch("/environment/rooms/{site}/{code}", response=answers({200: RoomOut}))
@requires("quality.decide")
def change_room(request: HttpRequest, site: Code, code: Code, body: RoomChangeIn) -> dict[str, Any]:
    """Change a room's name, grade or biosafety level (an audited edit with a reason)."""
    user = user_of(request)
    changed = rooms.change_room(
        actor=user,
        room=rooms.find_room(site, code, user=user),
        reason=body.reason,
        version=body.version,
        name=body.name,
        grade=body.grade,
        biosafety_level=body.biosafety_level,
    )
    return docs.room_document(changed)


@router.post("/environment/rooms/{site}/{code}/points", response=answers({201: PointOut}))
@requires("quality.decide")
def add_point(request: HttpRequest, site: Code, code: Code, body: PointIn) -> Status[dict[str, Any]]:
    """Add a sample point to the room."""
    user = user_of(request)
    made = rooms.add_point(
        actor=user,
        room=rooms.find_room(site, code, user=user),
        code=body.code,
        type=body.type,
        location=body.location,
        reason=body.reason,
    )
    return Status(201, docs.point_document(made))


@router.get("/environment/alert-limits", response=answers({200: list[AlertLimitOut]}))
@requires("records.view")
def list_alert_limits(request: HttpRequest) -> list[dict[str, Any]]:
    """List the sites' alert limits."""
    return [docs.alert_limit_document(a) for a in alert_limits(user=user_of(request))]


@router.post("/environment/alert-limits", response=answers({200: AlertLimitOut}))
@requires("quality.decide")
def put_alert_limit(request: HttpRequest, body: AlertLimitIn) -> dict[str, Any]:
    """Set an alert limit (new, or a change with a reason); refused unless below Annex 1's action limit."""
    user, site = user_of(request), find_site(body.site)
    point = None
    if body.point:
        room_code, _, point_code = body.point.partition("/")
        point = rooms.find_point(rooms.find_room(site, room_code, user=user), point_code)
    made = set_alert_limit(
        actor=user,
        site=site,
        grade=body.grade,
        type=body.type,
        point=point,
        state=body.state,
        value=body.value,
        reason=body.reason,
    )
    return docs.alert_limit_document(made)


@router.post("/environment/results", response=answers({201: ResultOut}))
@requires("records.write")
def add_result(request: HttpRequest, body: ResultIn) -> Status[dict[str, Any]]:
    """Record a result, judged within, alert or action; an action result opens a linked deviation."""
    user = user_of(request)
    point = rooms.find_point(rooms.find_room(body.site, body.room, user=user), body.point)
    made, deviation = record_result(
        actor=user,
        point=point,
        taken_at=body.taken_at,
        state=body.state,
        value=body.value,
        unit=body.unit,
        operator=imports.operator_named(body.operator) if body.operator else user,
        batch=body.batch,
        reason=body.reason,
    )
    return Status(201, docs.result_document(made, [deviation.number] if deviation else []))


@router.post("/environment/results/import", response=answers({200: ImportOut}))
@requires("records.write")
def import_results(
    request: HttpRequest,
    form: Form[ImportIn],
    file: UploadedFile = File(...),  # noqa: B008 - django-ninja's way to declare a file
) -> dict[str, Any]:
    """Import results from a CSV file (multipart `file`; docs/environment.md): all lines or none."""
    report = imports.import_results(
        actor=user_of(request),
        site=find_site(form.site),
        stream=file,
        name=file.name or "results.csv",
        dry_run=form.dry_run,
        reason=form.reason,
    )
    return report.document()
