"""The room pages: the rooms with the product and GMO class (last) in each and its readiness, and a
room's status page made for a tablet (large buttons for a cleaning, a line clearance, a use and its
end, each drawn from its API operation, ADR 0013); and the panel the environment room shows."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse

from atmp.accounts.access import requires
from atmp.accounts.models import User
from atmp.accounts.services import can_see
from atmp.environment.models import Room
from atmp.ledger import clock
from atmp.manufacturing.api import rooms as api
from atmp.manufacturing.models import CleaningKind, LineClearance, Product
from atmp.manufacturing.selectors import rooms as docs
from atmp.modules import Panel
from atmp.web.operations import OperationForm, operation_view

ROOM = Room.record_type()
_WHEN = {"at": "Empty: now. Enter an earlier time only for work done before it is entered."}


def product_choices(viewer: User) -> list[tuple[str, str]]:
    """Return (code, name) of the live products, after an empty choice (a product is chosen, never defaulted)."""
    rows = Product.objects.filter(voided=False).order_by("code")
    return [("", "— choose —"), *((p.code, f"{p.code}: {p.name} (GMO class {p.gmo_class})") for p in rows)]


def _form(title: str, operation: Any, **extra: Any) -> OperationForm:
    return OperationForm(title=title, operation=operation, record_type=ROOM, path="room_id", help=_WHEN, **extra)


CLEAN = _form(
    "Record a room cleaning",
    api.record_room_cleaning,
    choices={"kind": [("", "— choose —"), *CleaningKind.choices]},
    intro="A changeover cleaning is needed before a product or GMO class other than the one last in the room.",
    submit="Record cleaning",
    returns="record",
)
CLEAR = _form(
    "Record a line clearance",
    api.record_room_line_clearance,
    choices={"product": product_choices},
    intro="The room is free of materials, products, labels and documents not needed. A second person checks it "
    "(signed) before the room may be used.",
    submit="Record line clearance",
)
USE = _form(
    "Start a use of the room",
    api.start_room_use,
    choices={
        "product": product_choices,
        "grade_required": [("", "— any —"), ("A", "A"), ("B", "B"), ("C", "C"), ("D", "D")],
    },
    intro="Refused, naming the rule, when the room is out of service, of a dirtier grade, needs a changeover "
    "cleaning or has no checked line clearance for the product.",
    submit="Start use",
    returns="record",
)
END = _form("End the room's use", api.end_room_use, submit="End use", returns="record")

# (URL name, route under rooms/<id>/, form, button label): the room page's tablet buttons.
ROOM_FORMS = (
    ("room_clean", "clean", CLEAN, "Cleaning"),
    ("room_clear", "clear", CLEAR, "Line clearance"),
    ("room_use", "use", USE, "Start use"),
    ("room_end", "end", END, "End use"),
)
urlpatterns = [
    path(f"rooms/<int:record_id>/{route}/", operation_view(form), name=name) for name, route, form, _ in ROOM_FORMS
]


def _room(request: HttpRequest, record_id: int) -> Room:
    found = Room.objects.select_related("site").filter(pk=record_id, voided=False).first()
    if found is None or not can_see(request.user, found):  # type: ignore[arg-type]
        raise Http404("there is no such room")
    return found


@requires("records.view")
def rooms_page(request: HttpRequest) -> HttpResponse:
    """List the rooms with the product and GMO class (last) in each, changeover needed, and readiness."""
    rows = docs.rooms_overview(request.user, on=clock.now())  # type: ignore[arg-type]
    return render(request, "manufacturing/rooms.html", {"rows": rows})


@requires("records.view")
def room_page(request: HttpRequest, record_id: int) -> HttpResponse:
    """Show a room's status for the operator: readiness, what is in it, the buttons, and its history."""
    room = _room(request, record_id)
    doc = docs.room_document(room, on=clock.now(), history=True)
    user: User = request.user  # type: ignore[assignment]
    awaiting = LineClearance.objects.filter(room=room, voided=False, status="awaiting_check").select_related("product")
    context = {
        "room": room,
        "doc": doc,
        "awaiting": list(awaiting.order_by("-at")[:20]),
        "panel": Panel("", "", {"doc": doc, "room": room}),
        "buttons": [
            (reverse(f"manufacturing:{name}", args=[room.pk]), label)
            for name, _, form, label in ROOM_FORMS
            if form.may(user) and room.status == "in_use" and (name == "room_end") == doc["in_use"]
        ],
    }
    return render(request, "manufacturing/room.html", context)


def room_panel(user: User | None, record: Any, *, for_print: bool = False) -> Panel | None:
    """Return the environment room's manufacturing panel: the product and GMO class (last) in it, readiness."""
    if not isinstance(record, Room) or record.voided:
        return None
    doc = docs.room_document(record, on=clock.now())
    context = {"doc": doc, "room": record, "for_print": for_print}
    return Panel("Manufacturing", "manufacturing/room_panel.html", context, order=30, slug="room-manufacturing")
