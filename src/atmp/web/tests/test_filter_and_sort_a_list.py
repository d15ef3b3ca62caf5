"""List pages (atmp.lists through atmp.web.lists): filters, sortable headers, and bad parameters as 400."""

from __future__ import annotations

import pytest

from atmp.api.tests.test_site_isolation import world  # noqa: F401 - the fixture
from atmp.testing import PASSWORD, make_site, make_user
from atmp.web.tests.conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def sites(qa_reviewer):
    """Four sites; Antwerp and Brno were created by Rita, the others by the system."""
    return {
        "ANT": make_site(actor=qa_reviewer, code="ANT", name="Antwerp", address="Haven 1"),
        "BRN": make_site(actor=qa_reviewer, code="BRN", name="Brno"),
        "CPH": make_site(code="CPH", name="Copenhagen harbour"),
        "DUB": make_site(code="DUB", name="Dublin"),
    }


def _codes(response) -> list[str]:
    return [row.code for row in response.context["page"].rows]


def test_the_sites_list_shows_every_site_by_code_with_a_count(as_reviewer, sites):
    response = as_reviewer.get("/sites/")
    assert response.status_code == 200
    assert _codes(response) == ["ANT", "BRN", "CPH", "DUB"]
    assert response.context["page"].count == 4
    page = response.content.decode()
    assert 'data-testid="sites"' in page and 'data-testid="list-count">4 in all<' in page


def test_the_filter_form_draws_each_kind_of_filter(as_reviewer, sites):
    page = as_reviewer.get("/sites/", {"q": "ha"}).content.decode()  # Copenhagen harbour, Haven 1
    assert '<input type="text" name="q" id="id_q" value="ha"' in page
    assert '<select name="state" id="id_state">' in page
    assert '<input type="date" name="created_from"' in page and '<input type="date" name="created_to"' in page
    assert 'list="users-created_by"' in page and '<option value="rita">Rita Reviewer</option>' in page
    assert 'data-testid="list-count">2 matching<' in page


def test_a_text_filter_keeps_the_sites_whose_code_name_or_address_contains_it(as_reviewer, sites):
    assert _codes(as_reviewer.get("/sites/", {"q": "HARBOUR"})) == ["CPH"]
    assert _codes(as_reviewer.get("/sites/", {"q": "haven"})) == ["ANT"]
    assert _codes(as_reviewer.get("/sites/", {"q": "r"})) == ["ANT", "BRN", "CPH"]


def test_the_state_filter_keeps_voided_or_active_sites(as_reviewer, sites, qa_reviewer):
    from atmp.accounts import services

    services.void_site(actor=qa_reviewer, site=sites["DUB"], reason="closed")
    assert _codes(as_reviewer.get("/sites/", {"state": "voided"})) == ["DUB"]
    assert _codes(as_reviewer.get("/sites/", {"state": "active"})) == ["ANT", "BRN", "CPH"]


def test_the_user_filter_keeps_what_that_person_created(as_reviewer, sites):
    assert _codes(as_reviewer.get("/sites/", {"created_by": "rita"})) == ["ANT", "BRN"]


def test_the_date_range_includes_both_days(as_reviewer, sites):
    from atmp.ledger import clock

    today = clock.now().date().isoformat()
    assert len(_codes(as_reviewer.get("/sites/", {"created_from": today, "created_to": today}))) == 4
    assert _codes(as_reviewer.get("/sites/", {"created_to": "2000-01-01"})) == []


def test_a_header_sorts_by_its_column_ascending_then_descending(as_reviewer, sites):
    response = as_reviewer.get("/sites/", {"sort": "name"})
    assert _codes(response) == ["ANT", "BRN", "CPH", "DUB"]
    page = response.content.decode()
    assert 'aria-sort="ascending"' in page and 'href="?sort=-name"' in page
    response = as_reviewer.get("/sites/", {"sort": "-name"})
    assert _codes(response) == ["DUB", "CPH", "BRN", "ANT"]
    assert 'aria-sort="descending"' in response.content.decode()


def test_the_filters_keep_the_sort_and_the_sort_keeps_the_filters(as_reviewer, sites):
    response = as_reviewer.get("/sites/", {"q": "b", "sort": "-code"})
    assert _codes(response) == ["DUB", "CPH", "BRN"]
    headers = {h["key"]: h["url"] for h in response.context["headers"]}
    assert headers["name"] == "?q=b&sort=name"


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"created_from": "yesterday"}, "created_from"),
        ({"created_from": "2026-02-01", "created_to": "2026-01-01"}, "created_to"),
        ({"state": "demolished"}, "state"),
        ({"created_by": "nobody"}, "created_by"),
        ({"sort": "address"}, "sort"),
        ({"sort": "-password"}, "sort"),
        ({"limit": "0"}, "limit"),
        ({"limit": "100000"}, "limit"),
        ({"after": "not a cursor"}, "after"),
        ({"after": "WyJjb2RlIiwiQU5UIiwid2F0Il0"}, "after"),  # ["code","ANT","wat"]: a primary key that is none
        ({"format": "xlsx"}, "format"),
        ({"q": "x" * 201}, "q"),
    ],
)
def test_a_bad_parameter_is_a_400_page_naming_it(as_reviewer, sites, params, named):
    response = as_reviewer.get("/sites/", params)
    assert response.status_code == 400
    error = response.context["error"]
    assert error.field == named
    assert f"{named}: " in response.content.decode()


def test_a_cursor_of_another_sort_is_refused(as_reviewer, sites):
    cursor = as_reviewer.get("/sites/", {"limit": "2"}).context["page"].next
    response = as_reviewer.get("/sites/", {"sort": "name", "after": cursor})
    assert response.status_code == 400 and response.context["error"].field == "after"


def test_a_site_limited_user_lists_only_their_sites(world):  # noqa: F811
    lars = signed_in(world["lars"])
    assert _codes(lars.get("/sites/")) == ["LEI"]
    assert _codes(lars.get("/sites/", {"q": "G"})) == []


def test_the_role_filter_does_not_reveal_a_role_held_at_another_site(world, qa_reviewer):  # noqa: F811
    from atmp.accounts.models import RoleAssignment

    leiden, ghent = world["leiden"], world["ghent"]
    both = make_user("operator", username="bo", full_name="Bo Both", password=PASSWORD, site=leiden)
    from atmp.ledger import writer

    with writer.change(actor=None, reason="test set-up"):
        RoleAssignment(user=both, role="qc_analyst", site=ghent).save()
    lars = signed_in(world["lars"])
    found = [u.username for u in lars.get("/users/", {"role": "operator"}).context["page"].rows]
    assert found == ["bo", "lars"]
    assert lars.get("/users/", {"role": "qc_analyst"}).context["page"].rows == []
    everyone = [u.username for u in signed_in(qa_reviewer).get("/users/", {"role": "qc_analyst"}).context["page"].rows]
    assert everyone == ["bo"]


def test_a_column_hidden_from_the_viewer_cannot_be_sorted_by(as_inspector, as_sysadmin):
    refused = as_inspector.get("/users/", {"sort": "-last_login"})
    assert refused.status_code == 400 and refused.context["error"].field == "sort"
    assert as_sysadmin.get("/users/", {"sort": "-last_login"}).status_code == 200


def test_a_count_past_the_cap_says_there_are_more_and_the_csv_still_holds_them_all(as_reviewer, sites, monkeypatch):
    from atmp import lists

    monkeypatch.setattr(lists, "COUNT_CAP", 3)
    response = as_reviewer.get("/sites/")
    assert response.context["page"].count == 3 and response.context["page"].count_capped
    assert 'data-testid="list-count">3+ in all<' in response.content.decode()
    assert 'data-testid="list-count">2 matching<' in as_reviewer.get("/sites/", {"q": "ha"}).content.decode()
    csv = b"".join(as_reviewer.get("/sites/", {"format": "csv"}).streaming_content).decode()
    assert len(csv.strip().splitlines()) == 1 + 4  # the header and every site


def test_a_count_at_the_cap_is_exact(as_reviewer, sites, monkeypatch):
    from atmp import lists

    monkeypatch.setattr(lists, "COUNT_CAP", 4)
    page = as_reviewer.get("/sites/").context["page"]
    assert (page.count, page.count_capped, page.count_label) == (4, False, "4")
