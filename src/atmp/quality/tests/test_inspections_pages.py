"""Self-inspections through their pages: planning, the report summary, findings and their CAPA."""

from __future__ import annotations

import pytest

from atmp.quality.factories import make_capa, make_inspection_finding, make_self_inspection
from atmp.quality.findings import capa_keys
from atmp.quality.models.inspections import InspectionFinding, SelfInspection
from atmp.testing import signed_in
from atmp.workflow import engine

pytestmark = pytest.mark.django_db


def test_a_self_inspection_is_planned_from_its_page_and_listed(qa_reviewer, site):
    client = signed_in(qa_reviewer)

    made = client.post(
        "/quality/inspections/new/",
        {
            "site": site.code,
            "title": "Warehouse self-inspection",
            "area": "Cold store",
            "planned_date": "2027-01-10",
            "lead_auditor": qa_reviewer.username,
        },
    )

    inspection = SelfInspection.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/records/quality.selfinspection/{inspection.pk}/"
    assert inspection.lead_auditor == qa_reviewer
    listing = client.get("/quality/inspections/", {"planned_from": "2027-01-01"}).content.decode()
    assert inspection.number in listing and "Cold store" in listing


def test_an_unknown_lead_auditor_is_refused_beside_the_field_and_nothing_is_written(qa_reviewer, site):
    client = signed_in(qa_reviewer)

    refused = client.post(
        "/quality/inspections/new/",
        {"site": site.code, "title": "t", "area": "a", "planned_date": "2027-01-10", "lead_auditor": "nobody"},
    )

    assert refused.status_code == 400 and 'data-testid="error-lead_auditor"' in refused.content.decode()
    assert not SelfInspection.objects.exists()


def test_findings_are_added_once_under_way_and_linked_to_a_capa(qa_reviewer, site):
    inspection = make_self_inspection(actor=qa_reviewer, site=site)
    client = signed_in(qa_reviewer)
    record_page = f"/records/quality.selfinspection/{inspection.pk}/"
    add = f"/quality/inspections/{inspection.pk}/findings/new/"
    assert add not in client.get(record_page).content.decode()
    engine.transition(qa_reviewer, inspection, "start", reason="today")
    assert add in client.get(record_page).content.decode()

    added = client.post(add, {"classification": "critical", "description": "Door interlock bypassed"})
    assert added.status_code == 302 and added["Location"] == record_page
    finding = InspectionFinding.objects.get()
    page = client.get(record_page).content.decode()
    assert 'data-testid="parts-findings"' in page and "Door interlock bypassed" in page

    capa = make_capa(actor=qa_reviewer, site=site)
    linked = client.post(f"/quality/inspection-findings/{finding.pk}/capa/", {"capa": capa.record_key})
    assert linked.status_code == 302
    assert capa_keys(finding) == [capa.record_key]


def test_the_report_summary_is_written_from_the_edit_page(qa_reviewer, site):
    inspection = make_self_inspection(actor=qa_reviewer, site=site, area="QC lab")
    client = signed_in(qa_reviewer)

    done = client.post(
        f"/quality/inspections/{inspection.pk}/edit/",
        {
            "title": inspection.title,
            "area": "QC lab",
            "planned_date": str(inspection.planned_date),
            "lead_auditor": qa_reviewer.username,
            "report_summary": "No critical findings; two minor.",
            "reason": "report",
            "version": inspection.version,
        },
    )

    assert done.status_code == 302
    inspection.refresh_from_db()
    assert inspection.report_summary == "No critical findings; two minor." and inspection.area == "QC lab"


def test_a_closed_inspections_findings_offer_no_capa_link(qa_reviewer, qa_approver, site):
    from atmp.testing import PASSWORD

    finding = make_inspection_finding(actor=qa_reviewer)
    inspection = finding.inspection
    engine.transition(qa_reviewer, inspection, "report", reason="done")
    from atmp.quality.services.inspections import update_inspection

    update_inspection(
        actor=qa_reviewer, inspection=inspection, reason="r", version=inspection.version, report_summary="ok"
    )
    engine.transition(qa_approver, inspection, "close", reason="closed", password=PASSWORD)
    client = signed_in(qa_reviewer)

    page = client.get(f"/records/quality.inspectionfinding/{finding.pk}/").content.decode()

    assert f"/quality/inspection-findings/{finding.pk}/capa/" not in page
    assert (
        f"/quality/inspections/{inspection.pk}/edit/"
        not in client.get(f"/records/quality.selfinspection/{inspection.pk}/").content.decode()
    )


def test_the_capa_is_picked_from_the_sites_open_capas_or_typed(qa_reviewer, site):
    from atmp.testing import make_site

    inspection = make_self_inspection(actor=qa_reviewer, site=site)
    engine.transition(qa_reviewer, inspection, "start", reason="today")
    finding = make_inspection_finding(actor=qa_reviewer, inspection=inspection)
    open_here = make_capa(actor=qa_reviewer, site=site, title="Re-train gowning")
    cancelled = make_capa(actor=qa_reviewer, site=site, title="Duplicate")
    engine.transition(qa_reviewer, cancelled, "cancel", reason="duplicate")
    elsewhere = make_capa(actor=qa_reviewer, site=make_site(code="GNT"), title="Ghent's own")
    client = signed_in(qa_reviewer)
    url = f"/quality/inspection-findings/{finding.pk}/capa/"

    page = client.get(url).content.decode()

    # A list of suggestions bound to the text input: key as the value, number and title as the label.
    assert '<input type="text" name="capa"' in page and 'list="id_capa-records"' in page
    assert '<datalist id="id_capa-records">' in page
    assert f'<option value="{open_here.record_key}">{open_here.number} Re-train gowning</option>' in page
    assert cancelled.record_key not in page and elsewhere.record_key not in page
    # Typing a key the list does not offer still goes to the API, which decides.
    typed = client.post(url, {"capa": elsewhere.record_key})
    assert typed.status_code == 302 and capa_keys(finding) == [elsewhere.record_key]
