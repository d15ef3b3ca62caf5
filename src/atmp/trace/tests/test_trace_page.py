"""The trace page (/trace/genealogy/): a root typed or scanned, forward or backward; the genealogy
drawn as SVG with every box a link to its record, and every lot and person listed in tables; a
viewer sees only their sites; a person only by COI. The flow is conftest's: A (P's) and V make C, C makes
D1 (given to P) and D2, V also goes straight into D2; B (donor O's) and V make DQ, given to Q."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from atmp.testing import PASSWORD, make_site, make_user, signed_in
from atmp.trace import factories
from atmp.trace.identifiers import gs1

pytestmark = pytest.mark.django_db
URL = "/trace/genealogy/"
SVG = "{http://www.w3.org/2000/svg}"


def graph(response):
    """Return the page's SVG element, parsed."""
    markup = re.search(r"<svg .*?</svg>", response.content.decode(), re.S).group(0)
    return ET.fromstring(markup)  # noqa: S314 - the markup atmp itself made


def links(svg):
    return {a.get("data-key"): a.get("href") for a in svg.iter(f"{SVG}a")}


def test_a_forward_trace_draws_every_lot_and_patient_once_each_a_link_to_its_record(flow, qa_approver):
    lots, p, q = flow
    response = signed_in(qa_approver).get(URL, {"root": "V", "direction": "forward"})
    assert response.status_code == 200
    drawn = links(graph(response))
    want = {f"lot:{lots[k].pk}": f"/records/trace.lot/{lots[k].pk}/" for k in ("V", "C", "D1", "D2", "DQ")}
    want |= {f"person:{x.pk}": f"/records/trace.person/{x.pk}/" for x in (p, q)}
    assert drawn == want
    edges = {
        (e.get("data-source"), e.get("data-target")) for e in graph(response).iter(f"{SVG}path") if e.get("data-source")
    }
    key = {k: f"lot:{lot.pk}" for k, lot in lots.items()}
    assert edges == {
        (key["V"], key["C"]),
        (key["V"], key["D2"]),
        (key["C"], key["D1"]),
        (key["C"], key["D2"]),
        (key["V"], key["DQ"]),
        (key["D1"], f"person:{p.pk}"),
        (key["DQ"], f"person:{q.pk}"),
    }
    page = response.content.decode()
    assert page.count('href="/records/trace.lot/') == 2 * 5 + 1  # in the drawing, in the table, the root


def test_the_tables_list_each_lot_with_its_level_material_and_status_and_the_patients_by_coi(flow, qa_approver):
    lots, p, q = flow
    page = signed_in(qa_approver).get(URL, {"root": "V", "direction": "forward"}).content.decode()
    lots_table = page[page.index('data-testid="trace-lots"') : page.index('data-testid="trace-persons"')]
    rows = re.findall(
        r"<tr><td>(\d+)</td><td><a [^>]*>([^<]+)</a></td><td>([^<]+)</td><td>[^<]*</td><td>([^<]+)</td>", lots_table
    )
    assert rows == [
        ("0", "V", "LV", "Quarantine"),
        ("1", "C", lots["C"].material.code, "Quarantine"),
        ("1", "D2", lots["D2"].material.code, "Released"),  # V went straight into D2 too
        ("1", "DQ", lots["DQ"].material.code, "Released"),
        ("2", "D1", lots["D1"].material.code, "Released"),
    ]
    assert p.coi in page and q.coi in page and "Patients reached" in page


def test_a_backward_trace_from_a_patient_reaches_the_donor_and_draws_the_patient_as_its_root(flow, qa_approver):
    lots, _, q = flow
    response = signed_in(qa_approver).get(URL, {"root": q.coi, "direction": "backward"})
    svg = graph(response)
    assert set(links(svg)) == {f"lot:{lots[k].pk}" for k in ("DQ", "B", "V")} | {
        f"person:{q.pk}",
        f"person:{lots['B'].donor.pk}",
    }
    root = [a for a in svg.iter(f"{SVG}a") if "root" in a.get("class").split()]
    assert [a.get("data-key") for a in root] == [f"person:{q.pk}"]
    assert "Donors reached" in response.content.decode()


def test_a_scanned_label_names_the_root(flow, qa_approver):
    lots, _, _ = flow
    scanned = f"]d2{gs1.GS}10D1"  # a GS1 DataMatrix read by a keyboard-mode reader: AI 10 is the lot
    response = signed_in(qa_approver).get(URL, {"root": scanned, "direction": "backward"})
    assert response.status_code == 200 and f"lot:{lots['A'].pk}" in links(graph(response))


def test_an_unknown_root_is_refused_naming_it_and_nothing_is_drawn(qa_approver):
    response = signed_in(qa_approver).get(URL, {"root": "NO-SUCH-LOT", "direction": "forward"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "NO-SUCH-LOT" in page and 'data-testid="error-root"' in page and "<svg" not in page


def test_a_person_is_shown_by_coi_never_by_name(flow, coordinator, site, qa_reviewer, qa_approver):
    from atmp.trace.services.identities import register_person_with_identity

    jane = register_person_with_identity(
        actor=coordinator,
        kind="patient",
        site=site,
        name="Jane Zwanenburg-Okonkwo",
        birth_date="1961-04-17",
        hospital_number="UZL-7731942",
    )
    lots, _, _ = flow
    # Jane's own product (made from her apheresis and the vector V), given to her: a trace from V reaches her.
    apheresis = factories.make_lot(
        actor=qa_reviewer, number="A-JANE", material=lots["A"].material, site=site, donor=jane, quantity="1"
    )
    bag = factories.make_lot(actor=qa_reviewer, number="D-JANE", site=site)
    for source in (apheresis, lots["V"]):
        factories.link_lots(actor=qa_reviewer, input=source, output=bag)
    factories.release(bag)
    factories.make_administration(actor=qa_reviewer, lot=bag, patient=jane, quantity="1")
    page = signed_in(qa_approver).get(URL, {"root": "V", "direction": "forward"}).content.decode()
    assert jane.coi in page and "Zwanenburg" not in page and "UZL-7731942" not in page


def test_a_site_limited_viewer_sees_only_their_sites_lots_and_no_root_elsewhere(flow, qa_reviewer, site):
    lots, _, _ = flow
    elsewhere = make_site(actor=qa_reviewer, code="AMS")
    far = factories.make_lot(actor=qa_reviewer, number="AMS-1", site=elsewhere)
    factories.link_lots(actor=qa_reviewer, input=lots["D1"], output=far)
    leiden = signed_in(make_user("operator", username="lena", password=PASSWORD, site=site))
    page = leiden.get(URL, {"root": "V", "direction": "forward"}).content.decode()
    assert ">D1</a>" in page and "AMS-1" not in page and f"lot:{far.pk}" not in page
    amsterdam = signed_in(make_user("operator", username="amir", password=PASSWORD, site=elsewhere))
    refused = amsterdam.get(URL, {"root": "V", "direction": "forward"})
    assert refused.status_code == 400 and "<svg" not in refused.content.decode()


def test_the_page_needs_a_sign_in():
    from django.test import Client

    response = Client().get(URL, {"root": "V"})
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_front_page_and_each_lots_and_persons_record_page_link_the_trace(flow, qa_approver):
    lots, p, _ = flow
    client = signed_in(qa_approver)
    assert 'href="/trace/genealogy/"' in client.get("/trace/").content.decode()
    lot_page = client.get(f"/records/trace.lot/{lots['C'].pk}/").content.decode()
    assert "/trace/genealogy/?root=C&amp;direction=forward" in lot_page
    assert "/trace/genealogy/?root=C&amp;direction=backward" in lot_page
    person_page = client.get(f"/records/trace.person/{p.pk}/").content.decode()
    assert f"/trace/genealogy/?root={p.coi}&amp;direction=forward" in person_page


def test_a_huge_trace_draws_its_nearest_levels_says_how_many_more_and_lists_every_lot(qa_reviewer, qa_approver, site):
    hub = factories.make_released_lot(actor=qa_reviewer, approver=qa_approver, number="HUB", site=site, quantity="1000")
    for i in range(230):
        factories.link_lots(
            actor=qa_reviewer, input=hub, output=factories.make_lot(actor=qa_reviewer, number=f"B-{i:03d}", site=site)
        )
    response = signed_in(qa_approver).get(URL, {"root": "HUB", "direction": "forward"})
    page = response.content.decode()
    drawn = links(graph(response))
    assert len([k for k in drawn if k.startswith("lot:")]) == 1 + 40 and drawn["more:1"] == "#traced-lots"
    assert "+ 190 more nodes" in page
    assert 'data-testid="trace-capped"' in page and all(f">B-{i:03d}</a>" in page for i in range(230))
