"""Equipment through the REST API: register, the logbook's entries, usable; refusals are 4xx naming the rule."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from atmp.testing import ApiClient, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(operator):
    return ApiClient(token_for(operator))


def test_equipment_is_registered_and_shown_with_its_due_states(api, site):
    made = api.post(
        "/manufacturing/equipment",
        {"code": "INC-01", "name": "CO2 incubator", "equipment_class": "incubator", "site": site.code,
         "calibration_interval_days": 180, "clean_hold_hours": 72},
    )  # fmt: skip
    assert made.status_code == 201, made.content
    doc = made.json()
    assert doc["status"] == "commissioning" and doc["calibration"]["state"] == "never"
    assert doc["refused"].startswith("not qualified:")
    shown = api.get(f"/manufacturing/equipment/{doc['id']}")
    assert shown.json()["code"] == "INC-01"
    listed = api.get("/manufacturing/equipment", due="overdue")
    assert [i["code"] for i in listed.json()["items"]] == ["INC-01"]


def test_a_bad_field_is_a_400_naming_it(api, site):
    bad = api.post(
        "/manufacturing/equipment", {"code": "X 1", "name": "n", "equipment_class": "bsc", "site": site.code}
    )
    assert bad.status_code == 400 and "code" in bad.content.decode()
    bad = api.post(
        "/manufacturing/equipment", {"code": "X1", "name": "n", "equipment_class": "Bio Safety", "site": site.code}
    )
    assert bad.status_code == 400 and "equipment_class" in bad.content.decode()


def test_a_use_refused_names_the_rule_and_writes_nothing(api, bsc):
    assert api.post(f"/manufacturing/equipment/{bsc.pk}/uses", {"purpose": "B-001 step 3"}).status_code == 201
    refused = api.post(f"/manufacturing/equipment/{bsc.pk}/uses", {"purpose": "B-002 step 1"})
    assert 400 <= refused.status_code < 500 and "not clean" in refused.content.decode()
    assert api.get(f"/manufacturing/equipment/{bsc.pk}/usable").json() == {
        "usable": False, "refused": "not clean: BSC-01 is dirty; clean it before use"
    }  # fmt: skip
    assert len([e for e in api.get(f"/manufacturing/equipment/{bsc.pk}/logbook").json() if e["kind"] == "use"]) == 1


def test_a_failed_calibration_answers_the_deviation_it_opened(api, bsc):
    done = api.post(f"/manufacturing/equipment/{bsc.pk}/calibrations", {"result": "failed", "note": "Downflow low"})
    assert done.status_code == 201, done.content
    assert done.json()["deviation"] and done.json()["entry"]["outcome"] == "failed"
    assert api.get(f"/manufacturing/equipment/{bsc.pk}").json()["status"] == "out_of_service"


def test_a_calibration_result_is_chosen_never_defaulted(api, bsc):
    missing = api.post(f"/manufacturing/equipment/{bsc.pk}/calibrations", {"note": "forgot"})
    assert missing.status_code in (400, 422) and "result" in missing.content.decode()
    wrong = api.post(f"/manufacturing/equipment/{bsc.pk}/calibrations", {"result": "ok"})
    assert wrong.status_code == 400 and "result" in wrong.content.decode()
    assert api.get(f"/manufacturing/equipment/{bsc.pk}").json()["status"] == "qualified"


def test_a_qualification_stage_is_recorded_with_its_report(api, qa_reviewer, site):
    from atmp.manufacturing import factories

    eq = factories.make_equipment(actor=qa_reviewer, site=site)
    done = api.client.post(
        f"/api/v1/manufacturing/equipment/{eq.pk}/qualification",
        {"stage": "iq", "done_on": "2026-01-05", "file": SimpleUploadedFile("iq.txt", b"IQ protocol executed")},
    )
    assert done.status_code == 201, done.content
    assert done.json()["report"]["name"] == "iq.txt"
    assert api.get(f"/manufacturing/equipment/{eq.pk}").json()["qualification"]["iq"]["date"] == "2026-01-05"


def test_products_and_process_versions(api, site):
    made = api.post(
        "/manufacturing/products",
        {"code": "LV-CAR19", "name": "CAR-T", "atmp_class": "gene_therapy", "vector_type": "lentivirus",
         "origin": "autologous", "gmo_class": "2", "containment_level": 2},
    )  # fmt: skip
    assert made.status_code == 201, made.content
    refused = api.post(
        "/manufacturing/products",
        {"code": "LV-2", "name": "x", "atmp_class": "gene_therapy", "vector_type": "lentivirus",
         "origin": "autologous", "gmo_class": "3", "containment_level": 2},
    )  # fmt: skip
    assert refused.status_code == 400 and "containment_level" in refused.content.decode()
    version = api.post("/manufacturing/process-versions", {"product": "LV-CAR19", "site": site.code, "title": "v1"})
    assert version.status_code == 201 and version.json()["number"] == 1
    assert api.get("/manufacturing/process-versions").json()["items"][0]["product"] == "LV-CAR19"
