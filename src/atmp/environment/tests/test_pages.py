"""The pages: the rooms, a room with its points and judged results, and the tablet's entry form,
which runs the API's operation and refuses what it refuses, beside the field."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from atmp.environment import factories as f
from atmp.environment.models import Result
from atmp.ledger import clock
from atmp.testing import make_user

pytestmark = pytest.mark.django_db


def _as(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def room():
    qa = make_user("qa_reviewer")
    made = f.make_room(actor=qa, grade="A", code="ISO5")
    f.make_point(actor=qa, room=made, code="SP1", type="settle_plate", location="BSC 1")
    return made


def test_rooms_and_a_room_show_points_and_levels(room):
    f.make_result(point=room.points.get(), value=1)
    client = _as(make_user("inspector"))
    listed = client.get("/environment/")
    assert listed.status_code == 200 and b"ISO5" in listed.content
    page = client.get(f"/environment/rooms/{room.site.code}/ISO5/")
    assert page.status_code == 200
    assert b"SP1" in page.content and b"em-level-action" in page.content and b"DEV-" in page.content
    assert b"Enter a result" not in page.content  # an inspector enters nothing
    assert client.get(f"/environment/rooms/{room.site.code}/NOPE/").status_code == 404


def test_an_operator_enters_a_result_on_the_tablet_form(room):
    operator = make_user("operator")
    client = _as(operator)
    url = f"/environment/rooms/{room.site.code}/ISO5/results/new/"
    form = client.get(url + "?point=SP1")
    assert form.status_code == 200 and b'inputmode="decimal"' in form.content
    local = (clock.now() - dt.timedelta(minutes=5)).astimezone(__import__("zoneinfo").ZoneInfo(room.site.timezone))
    body = {"point": "SP1", "state": "in_operation", "value": "0", "taken_at": local.strftime("%Y-%m-%dT%H:%M")}
    done = client.post(url, body)
    assert done.status_code == 302 and "level=within" in done["Location"]
    assert Result.objects.get().operator == operator
    refused = client.post(url, body | {"value": "-2"})
    assert refused.status_code == 400 and b"is negative" in refused.content and Result.objects.count() == 1
    future = (local + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    assert b"cannot be in the future" in client.post(url, body | {"taken_at": future}).content


def test_a_reader_may_not_open_the_form(room):
    response = _as(make_user("inspector")).get(f"/environment/rooms/{room.site.code}/ISO5/results/new/")
    assert response.status_code == 403
