"""Deviations through their pages: the list, opening, editing and classifying, refusals shown inline."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from atmp.quality.factories import make_deviation
from atmp.quality.models.deviations import Deviation
from atmp.testing import drawn_form, signed_in

pytestmark = pytest.mark.django_db


def test_an_operator_opens_a_deviation_from_its_page_and_finds_it_in_the_list(operator, site):
    client = signed_in(operator)
    form = client.get("/quality/deviations/new/")
    assert form.status_code == 200
    assert 'name="occurred_at"' in form.content.decode() and 'type="datetime-local"' in form.content.decode()

    answer = client.post(
        "/quality/deviations/new/",
        {
            "site": site.code,
            "title": "Cleanroom door left open",
            "description": "The door to grade B stayed open for 3 minutes.",
            "occurred_at": "2026-12-01T09:30",
            "area": "Grade B corridor",
            "reason": "",
        },
    )

    made = Deviation.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/records/quality.deviation/{made.pk}/"
    assert made.title == "Cleanroom door left open" and made.created_by == operator
    # Typed in the site's time (Leiden's zone), stored as that instant.
    assert made.occurred_at.astimezone(ZoneInfo(site.timezone)).hour == 9
    listing = client.get("/quality/deviations/").content.decode()
    assert made.number in listing and "Cleanroom door left open" in listing


def test_a_deviation_without_a_title_is_refused_beside_the_field_and_nothing_is_written(operator, site):
    client = signed_in(operator)

    answer = client.post(
        "/quality/deviations/new/",
        {"site": site.code, "title": "", "description": "kept as typed", "occurred_at": "2026-12-01T09:30"},
    )

    page = answer.content.decode()
    assert answer.status_code == 400
    assert 'data-testid="error-title"' in page and "kept as typed" in page
    assert not Deviation.objects.exists()


def test_a_deviation_in_the_future_is_refused_by_the_service_rule_beside_its_field(operator, site):
    client = signed_in(operator)

    answer = client.post(
        "/quality/deviations/new/",
        {"site": site.code, "title": "t", "description": "d", "occurred_at": "2099-01-01T00:00"},
    )

    assert answer.status_code == 400
    assert 'data-testid="error-occurred_at"' in answer.content.decode()
    assert not Deviation.objects.exists()


def test_classifying_against_the_suggestion_needs_an_override_reason_then_succeeds(qa_reviewer, operator, site):
    deviation = make_deviation(actor=operator, site=site)
    client = signed_in(qa_reviewer)
    url = f"/quality/deviations/{deviation.pk}/classify/"
    scores = {
        "severity": "1",
        "occurrence": "1",
        "detectability": "1",
        "classification": "critical",
        "reason": "triage",
    }

    refused = client.post(url, {**scores, "version": deviation.version})
    assert refused.status_code == 400 and 'data-testid="error-override_reason"' in refused.content.decode()
    deviation.refresh_from_db()
    assert deviation.classification == ""

    done = client.post(url, {**scores, "override_reason": "sterility assurance at stake", "version": deviation.version})
    assert done.status_code == 302
    deviation.refresh_from_db()
    assert deviation.classification == "critical" and deviation.override_reason == "sterility assurance at stake"


def test_an_edit_sends_only_the_changed_fields_and_a_stale_version_is_refused(operator, site):
    deviation = make_deviation(actor=operator, site=site, area="Suite 1")
    client = signed_in(operator)
    url = f"/quality/deviations/{deviation.pk}/edit/"
    shown = client.get(url).content.decode()
    assert "Suite 1" in shown and f'name="version" value="{deviation.version}"' in shown

    stale = client.post(
        url,
        {
            "title": deviation.title,
            "description": deviation.description,
            "area": "Suite 2",
            "occurred_at": "",
            "reason": "area corrected",
            "version": deviation.version - 1 or 99,
        },
    )
    assert stale.status_code == 400
    deviation.refresh_from_db()
    assert deviation.area == "Suite 1"

    done = client.post(
        url,
        {
            "title": deviation.title,
            "description": deviation.description,
            "area": "Suite 2",
            "reason": "area corrected",
            "version": deviation.version,
        },
    )
    assert done.status_code == 302
    deviation.refresh_from_db()
    assert deviation.area == "Suite 2" and deviation.title == "Filter integrity test failed"


def test_the_record_page_offers_classify_only_to_those_who_may_decide(operator, qa_reviewer, site):
    deviation = make_deviation(actor=operator, site=site)
    url = f"/records/quality.deviation/{deviation.pk}/"

    as_operator = signed_in(operator).get(url).content.decode()
    as_reviewer = signed_in(qa_reviewer).get(url).content.decode()

    assert f"/quality/deviations/{deviation.pk}/edit/" in as_operator
    assert f"/quality/deviations/{deviation.pk}/classify/" not in as_operator
    assert f"/quality/deviations/{deviation.pk}/classify/" in as_reviewer


def test_the_list_filters_by_class_and_exports_csv(operator, qa_reviewer, site):
    from atmp.quality.services.deviations import classify

    minor = make_deviation(actor=operator, site=site, title="minor one")
    make_deviation(actor=operator, site=site, title="unclassified one")
    classify(actor=qa_reviewer, deviation=minor, severity=1, occurrence=1, detectability=1, reason="triage")
    client = signed_in(qa_reviewer)

    page = client.get("/quality/deviations/", {"classification": "minor"}).content.decode()
    exported = client.get("/quality/deviations/", {"classification": "minor", "format": "csv"})
    csv = b"".join(exported.streaming_content).decode()

    assert "minor one" in page and "unclassified one" not in page
    assert "minor one" in csv and "unclassified one" not in csv


def test_an_optional_field_that_holds_a_value_is_cleared_with_its_clear_box(operator, site):
    from atmp.ledger import clock

    deviation = make_deviation(
        actor=operator, site=site, area="Suite 1", discovered_at=clock.now() - dt.timedelta(minutes=30)
    )
    client = signed_in(operator)
    url = f"/quality/deviations/{deviation.pk}/edit/"
    page = client.get(url).content.decode()
    # Beside the optional fields that hold a value, labelled with the field's name for a screen reader.
    assert 'name="area__clear"' in page and 'name="discovered_at__clear"' in page
    assert re.search(r'<label for="id_area__clear">Clear<span class="visually-hidden"> area</span>', page)
    # Not beside a required field, nor an empty one.
    assert 'name="title__clear"' not in page and 'name="occurred_at__clear"' not in page
    assert 'name="root_cause__clear"' not in page

    posted = drawn_form(page) | {"area__clear": "on", "discovered_at__clear": "on", "reason": "not known yet"}
    done = client.post(url, posted)

    assert done.status_code == 302
    deviation.refresh_from_db()
    assert deviation.area == "" and deviation.discovered_at is None
    assert deviation.title == "Filter integrity test failed"  # the rest as it was


def test_a_clear_box_ticked_beside_a_new_value_is_refused_beside_the_field(operator, site):
    deviation = make_deviation(actor=operator, site=site, area="Suite 1")
    client = signed_in(operator)
    url = f"/quality/deviations/{deviation.pk}/edit/"
    posted = drawn_form(client.get(url).content.decode())

    refused = client.post(url, posted | {"area": "Suite 2", "area__clear": "on", "reason": "moved"})

    assert refused.status_code == 400
    assert 'data-testid="error-area"' in refused.content.decode()
    deviation.refresh_from_db()
    assert deviation.area == "Suite 1"


def test_the_links_panel_offers_the_sites_open_capas_to_link(operator, qa_reviewer, site):
    from atmp.quality.factories import make_capa

    deviation = make_deviation(actor=operator, site=site)
    capa = make_capa(actor=qa_reviewer, site=site, title="Re-train gowning")
    client = signed_in(operator)

    page = client.get(f"/records/quality.deviation/{deviation.pk}/").content.decode()

    form = page[page.index('data-testid="link-form"') :]
    assert 'name="target"' in form and 'list="link-targets"' in form
    assert f'<option value="{capa.record_key}">{capa.number} Re-train gowning</option>' in form
    linked = client.post(
        f"/workflow/quality.deviation/{deviation.pk}/links/",
        {"relation": "relates_to", "target": capa.record_key, "reason": "same root cause"},
    )
    assert linked.status_code == 302
