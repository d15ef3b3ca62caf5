"""Rooms through the REST API: clean, clear, check (the generic signed transition), use, end; refusals name the rule."""

from __future__ import annotations

import pytest

from atmp.manufacturing.models import RoomUse
from atmp.testing import PASSWORD, ApiClient, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(operator):
    return ApiClient(token_for(operator))


@pytest.fixture
def checker(second_operator):
    return ApiClient(token_for(second_operator))


def test_a_room_is_cleaned_cleared_checked_used_and_ended(api, checker, room, product):
    base = f"/manufacturing/rooms/{room.pk}"
    assert api.post(f"{base}/cleanings", {"kind": "routine", "sop": "SOP-CL-001"}).status_code == 201
    made = api.post(f"{base}/line-clearances", {"product": "AAV-001", "batch": "AAV-26-001"})
    assert made.status_code == 201 and made.json()["status"] == "awaiting_check", made.content
    refused = api.post(f"{base}/uses", {"product": "AAV-001", "batch": "AAV-26-001"})
    assert refused.status_code == 422 and "line clearance missing" in refused.content.decode()
    own = api.post(
        f"/records/manufacturing.lineclearance/{made.json()['id']}/transitions/check",
        {"reason": "checked", "password": PASSWORD},
    )
    assert 400 <= own.status_code < 500  # not by whoever did it
    checked = checker.post(
        f"/records/manufacturing.lineclearance/{made.json()['id']}/transitions/check",
        {"reason": "room checked", "password": PASSWORD},
    )
    assert checked.status_code == 200, checked.content
    assert api.get(f"{base}/ready", product="AAV-001", grade_required="B").json() == {"ready": True, "refused": None}
    assert api.get(f"{base}/ready", product="AAV-001", grade_required="A").json()["refused"].startswith("wrong grade")
    used = api.post(f"{base}/uses", {"product": "AAV-001", "batch": "AAV-26-001", "grade_required": "C"})
    assert used.status_code == 201 and used.json()["gmo_class"] == "1", used.content
    status = api.get(base).json()
    assert status["in_use"] and status["current"]["product"] == "AAV-001" and status["changeover_needed"]
    assert [u["batch"] for u in status["uses"]] == ["AAV-26-001"]
    ended = api.post(f"{base}/uses/end", {})
    assert ended.status_code == 200 and ended.json()["ended_at"]
    listed = api.get("/manufacturing/rooms").json()
    assert [(r["code"], r["current"]["product"], r["in_use"]) for r in listed] == [("2.14", "AAV-001", False)]


def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(api, room, product):
    base = f"/manufacturing/rooms/{room.pk}"
    bad = api.post(f"{base}/cleanings", {"kind": "quick", "sop": "SOP-1"})
    assert bad.status_code == 400 and "kind" in bad.content.decode()
    bad = api.post(f"{base}/uses", {"product": "NOPE", "batch": "B-1"})
    assert bad.status_code == 400 and "product" in bad.content.decode()
    bad = api.post(f"{base}/uses", {"product": "AAV-001", "batch": "B-1", "grade_required": "E"})
    assert bad.status_code == 400 and "grade_required" in bad.content.decode()
    assert api.post(f"{base}/uses/end", {}).status_code == 400
    assert not RoomUse.objects.exists()
    assert api.get("/manufacturing/rooms/999999").status_code == 404


def test_equipment_use_for_a_product_and_a_changeover_cleaning(api, bsc, product, lentiviral):
    base = f"/manufacturing/equipment/{bsc.pk}"
    used = api.post(f"{base}/uses", {"purpose": "LV-1 step 1", "product": "LV-001"})
    assert used.status_code == 201 and used.json()["product"] == "LV-001", used.content
    assert api.post(f"{base}/cleanings", {"note": "IPA"}).status_code == 201
    refused = api.get(f"{base}/usable", product="AAV-001").json()["refused"]
    assert refused.startswith("changeover missing: BSC-01 was last used for LV-001")
    assert api.post(f"{base}/uses", {"purpose": "AAV-1", "product": "AAV-001"}).status_code == 422
    done = api.post(f"{base}/cleanings", {"note": "sporicide", "changeover": True})
    assert done.status_code == 201 and done.json()["changeover"] is True
    assert api.get(f"{base}/usable", product="AAV-001").json() == {"usable": True, "refused": None}
