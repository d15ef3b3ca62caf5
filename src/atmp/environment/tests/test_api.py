"""Environmental monitoring through the REST API: rooms, points, alert limits, results and the import;
bad input is 4xx naming the field and the rule; QA's set-up is refused to an operator."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from atmp.environment.models import Result
from atmp.ledger import clock
from atmp.testing import ApiClient, make_site, make_user, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def qa():
    return make_user("qa_reviewer")


@pytest.fixture
def site(qa):
    return make_site(actor=qa, code="LEI")


def test_qa_sets_up_and_an_operator_records_through_the_api(qa, site):
    admin = ApiClient(token_for(qa))
    made = admin.post("/environment/rooms", {"site": "LEI", "code": "CR-1", "name": "Suite 1", "grade": "B"})
    assert made.status_code == 201, made.json()
    point = admin.post("/environment/rooms/LEI/CR-1/points", {"code": "AA1", "type": "active_air"})
    assert point.status_code == 201, point.json()
    limit = admin.post("/environment/alert-limits", {"site": "LEI", "point": "CR-1/AA1", "value": "4"})
    assert limit.status_code == 200, limit.json()
    too_high = admin.post(
        "/environment/alert-limits", {"site": "LEI", "grade": "B", "type": "active_air", "value": "10"}
    )
    assert too_high.status_code == 400 and too_high.json()["field"] == "value"

    operator = make_user("operator")
    api = ApiClient(token_for(operator))
    taken = (clock.now() - dt.timedelta(minutes=10)).isoformat()
    body = {"site": "LEI", "room": "CR-1", "point": "AA1", "taken_at": taken, "state": "in_operation"}
    assert api.post("/environment/results", body | {"value": "4"}).json()["level"] == "within"
    assert api.post("/environment/results", body | {"value": "5"}).json()["level"] == "alert"
    action = api.post("/environment/results", body | {"value": "11", "unit": "CFU/m3"})
    assert action.status_code == 201 and action.json()["level"] == "action" and action.json()["deviations"]
    wrong = api.post("/environment/results", body | {"value": "1", "unit": "CFU/ft3"})
    assert wrong.status_code == 400 and wrong.json()["field"] == "unit"
    shown = api.get("/environment/rooms/LEI/CR-1").json()
    assert [r["level"] for r in shown["results"]] == ["action", "alert", "within"]
    assert api.post("/environment/rooms", {"site": "LEI", "code": "X", "name": "X", "grade": "C"}).status_code == 403
    assert api.get("/environment/limits").json()["viable"]["A"]["glove"] == 0
    assert api.patch("/environment/rooms/LEI/CR-1", {"grade": "C", "reason": "x"}).status_code == 403
    regraded = admin.patch("/environment/rooms/LEI/CR-1", {"grade": "C", "reason": "downgraded after the review"})
    assert regraded.status_code == 200 and regraded.json()["grade"] == "C"
    assert admin.patch("/environment/rooms/LEI/CR-1", {"grade": "E", "reason": "x"}).json()["field"] == "grade"
    assert admin.patch("/environment/rooms/LEI/CR-1", {"grade": "B"}).status_code == 400  # no reason


def test_import_through_the_api(qa, site):
    from atmp.environment import factories as f

    room = f.make_room(actor=qa, site=site, code="CR-2", grade="C")
    f.make_point(actor=qa, room=room, code="C1", type="contact_plate")
    operator = make_user("operator")
    api = ApiClient(token_for(operator))
    at = (clock.now() - dt.timedelta(hours=1)).isoformat()
    text = f"room,point,taken_at,state,value,unit,operator,batch\nCR-2,C1,{at},in_operation,26,,{operator.username},\n"
    upload = SimpleUploadedFile("em.csv", text.encode(), content_type="text/csv")
    done = api.client.post("/api/v1/environment/results/import", {"file": upload, "site": "LEI"})
    assert done.status_code == 200, done.json()
    assert done.json()["action"] == 1 and len(done.json()["deviations"]) == 1 and Result.objects.count() == 1
    bad = SimpleUploadedFile("bad.csv", text.replace(",26,", ",lots,").encode(), content_type="text/csv")
    refused = api.client.post("/api/v1/environment/results/import", {"file": bad, "site": "LEI"})
    assert refused.status_code == 400 and "line 2" in refused.json()["detail"] and Result.objects.count() == 1
