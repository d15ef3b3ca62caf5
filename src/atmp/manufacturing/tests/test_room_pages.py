"""The room pages: the list with the product and GMO class (last) in each room, a room's tablet page, the
forms drawn from the API operations (a refusal comes back naming the rule), and the environment room
page's panel."""

from __future__ import annotations

import pytest
from django.test import Client

from atmp.manufacturing import factories
from atmp.manufacturing.models import RoomCleaning, RoomUse
from atmp.manufacturing.services import rooms as svc
from atmp.testing import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(operator):
    client = Client()
    assert client.login(username="olga", password=PASSWORD)
    return client


@pytest.fixture
def used_room(room, operator, second_operator, lentiviral):
    factories.make_cleared_room(actor=operator, checker=second_operator, product=lentiviral, room=room)
    svc.start_use(actor=operator, room=room, product=lentiviral, batch="LV-26-007")
    svc.end_use(actor=operator, room=room)
    return room


def test_the_list_shows_the_product_and_gmo_class_last_in_each_room(browser, used_room):
    page = browser.get("/manufacturing/rooms/").content.decode()
    assert "LV-001" in page and "LV-26-007" in page and "needed before another product" in page
    assert "line clearance missing" in page


def test_the_room_page_offers_large_buttons_and_shows_why_it_is_not_ready(browser, used_room):
    page = browser.get(f"/manufacturing/rooms/{used_room.pk}/").content.decode()
    assert 'data-testid="room-buttons"' in page and "Start use" in page and "End use" not in page
    assert "Not ready for LV-001: line clearance missing" in page


def test_a_use_refused_from_the_tablet_form_names_the_rule_and_writes_nothing(browser, used_room, product):
    url = f"/manufacturing/rooms/{used_room.pk}/use/"
    assert browser.get(url).status_code == 200
    refused = browser.post(url, {"product": "AAV-001", "batch": "AAV-26-001"})
    assert refused.status_code >= 400 and "changeover missing: room 2.14 was last used for LV-001" in (
        refused.content.decode()
    )
    assert RoomUse.objects.count() == 1


def test_a_changeover_cleaning_is_recorded_from_the_tablet_form(browser, used_room):
    done = browser.post(f"/manufacturing/rooms/{used_room.pk}/clean/", {"kind": "changeover", "sop": "SOP-CL-002"})
    assert done.status_code == 302
    assert RoomCleaning.objects.filter(room=used_room, kind="changeover").count() == 1
    page = browser.get(f"/manufacturing/rooms/{used_room.pk}/").content.decode()
    assert "needed before another product" not in page


def test_a_line_clearance_awaiting_its_check_is_on_the_second_person_s_work(
    used_room, operator, second_operator, lentiviral
):
    from atmp.workflow.work import work_for

    made = svc.record_line_clearance(actor=operator, room=used_room, product=lentiviral)
    keys = [i.record for i in work_for(second_operator)]
    assert made.record_key in keys
    assert made.record_key not in [i.record for i in work_for(operator)]  # not the one who did it


def test_the_environment_room_page_and_record_page_show_the_product_in_the_room(browser, used_room):
    page = browser.get(f"/environment/rooms/{used_room.site.code}/2.14/").content.decode()
    assert 'data-testid="panel-room-manufacturing"' in page and "LV-001, GMO class 2, batch LV-26-007" in page
    record = browser.get(f"/records/environment.room/{used_room.pk}/").content.decode()
    assert "LV-001, GMO class 2" in record
