"""The environment pages: the rooms, a room (its points and newest results, judged), and the result
entry form, made for a tablet in the cleanroom (large touch targets). The form runs the API's own
operation (ADR 0013), so the page refuses exactly what the API refuses, beside the field it names."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pydantic
from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from atmp.accounts.access import requires
from atmp.accounts.models import User
from atmp.environment import limits as annex1
from atmp.environment.api.monitoring import add_result
from atmp.environment.models import Room
from atmp.environment.selectors import documents as docs
from atmp.environment.services import rooms as svc
from atmp.ledger import clock
from atmp.ledger.errors import LedgerError
from atmp.web.operations import OperationForm, run
from atmp.web.pages import add_service_error
from atmp.web.record_page import module_panels

RESULT = OperationForm(title="Enter a result", operation=add_result)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _room(request: HttpRequest, site: str, code: str) -> Room:
    try:
        return svc.find_room(site, code, user=_user(request))
    except LedgerError:
        raise Http404(f"no room {code} at {site}") from None


@requires("records.view")
def rooms(request: HttpRequest) -> HttpResponse:
    """List the rooms of the user's sites with their grade and state."""
    return render(request, "environment/rooms.html", {"rows": docs.rooms_of(_user(request))})


@requires("records.view")
def room(request: HttpRequest, site: str, code: str) -> HttpResponse:
    """Show a room: its sample points, and its newest results with their level and deviations."""
    found = _room(request, site, code)
    recent = docs.recent_results(room=found)
    numbers = docs.deviation_numbers(recent)
    context = {
        "room": found,
        "points": docs.points_of(found),
        "results": [(r, numbers.get(r.pk, [])) for r in recent],
        "may_enter": RESULT.may(_user(request)) and found.status == "in_use",
        # What other modules show about the room (manufacturing: the product and GMO class in it),
        # through the shell's record panels, environment importing none of them: a module's panel
        # for a room whose slug starts with "room-" is shown here too, besides the record page.
        "panels": [p for p in module_panels(_user(request), found) if p.slug.startswith("room-")],
        "heat_svg": _heat_svg(found),
    }
    return render(request, "environment/room.html", context)


def _heat_svg(room: Room) -> Any:
    from django.utils.safestring import mark_safe

    from atmp.environment.api.trends import heat_svg
    from atmp.environment.selectors.trends import heat_map

    zone = zoneinfo.ZoneInfo(room.site.timezone or "UTC")
    document = heat_map(room, month=clock.now().astimezone(zone).strftime("%Y-%m"))
    return mark_safe(heat_svg(document))  # noqa: S308 - built by charts.py, every text escaped


class ResultForm(forms.Form):
    """A result as the operator enters it at the point: which point, the state, the count, when."""

    point = forms.ChoiceField(label="Sample point", widget=forms.RadioSelect)
    state = forms.ChoiceField(
        label="State", widget=forms.RadioSelect, choices=[("in_operation", "In operation"), ("at_rest", "At rest")]
    )
    value = forms.CharField(
        label="Count",
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "class": "em-big"}),
        help_text="Particles per m³, or CFU (per m³, per plate over 4 h, per plate, per glove).",
    )
    taken_at = forms.DateTimeField(
        label="Taken at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "class": "em-big"}, format="%Y-%m-%dT%H:%M"),
        help_text="The site's local time.",
    )
    batch = forms.CharField(label="Batch in process", max_length=60, required=False)
    reason = forms.CharField(label="Reason", max_length=2000, required=False)


@requires(RESULT.permission or "records.write")
def enter_result(request: HttpRequest, site: str, code: str) -> HttpResponse:
    """Enter a result at one of the room's points (a tablet's form); it is judged at once."""
    found = _room(request, site, code)
    points = docs.points_of(found)
    zone = zoneinfo.ZoneInfo(found.site.timezone or "UTC")
    choices = [(p.code, f"{p.code} · {annex1.SAMPLE_TYPE_LABELS[p.type]} ({annex1.UNITS[p.type]})") for p in points]
    initial = {
        "point": request.GET.get("point", ""),
        "state": "in_operation",
        "taken_at": clock.now().astimezone(zone).replace(second=0, microsecond=0, tzinfo=None),
    }
    form = ResultForm(request.POST or None, initial=initial)
    point_field = form.fields["point"]
    assert isinstance(point_field, forms.ChoiceField)
    point_field.choices = choices
    judged: dict[str, Any] | None = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            taken: dt.datetime = data["taken_at"].replace(tzinfo=None)
            body = {
                "site": found.site.code,
                "room": found.code,
                "point": data["point"],
                "state": data["state"],
                "value": data["value"],
                "taken_at": taken.replace(tzinfo=zone).isoformat(),
                "batch": data["batch"],
                "reason": data["reason"],
            }
            try:
                answer = run(request, RESULT, body, {})
            except pydantic.ValidationError as exc:
                for error in exc.errors():
                    name = str(error["loc"][0]) if error["loc"] else None
                    form.add_error(name if name in form.fields else None, f"{name}: {error['msg']}")
            except LedgerError as exc:
                add_service_error(form, exc)
            else:
                judged = answer.value
                messages.success(request, f"Recorded: {judged['value']} {judged['unit']}, {judged['level']}.")
                return redirect(f"{request.path}?point={data['point']}&level={judged['level']}")
    context = {"room": found, "form": form, "last_level": request.GET.get("level", ""), "has_points": bool(points)}
    return render(request, "environment/enter_result.html", context, status=status)
