"""A list's CSV: the same filtered, sorted selection as the page, every row, formula cells neutralised."""

from __future__ import annotations

import csv
import io

import pytest

from atmp.testing import make_site

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def test_the_csv_is_an_attachment_named_after_the_list(as_reviewer, site):
    response = as_reviewer.get("/sites/", {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="sites-') and disposition.endswith('Z.csv"')
    assert response["Cache-Control"] == "no-store"
    header, *rows = _csv(response)
    assert header == ["Code", "Name", "Time zone", "Address", "Version", "Status", "Created (UTC)"]
    assert rows[0][:2] == ["LEI", "Leiden"] and rows[0][-1].endswith("Z")


def test_the_csv_holds_every_row_of_the_filtered_sorted_selection_not_one_page(as_reviewer, qa_reviewer, monkeypatch):
    from atmp import lists

    monkeypatch.setattr(lists, "CSV_CHUNK", 3)  # read in chunks: 7 rows take three
    for n in range(7):
        make_site(actor=qa_reviewer, code=f"S{n}", name=f"Plant {n}")
    make_site(actor=qa_reviewer, code="ZZZ", name="Elsewhere")
    selection = {"q": "plant", "sort": "-name", "limit": "2"}
    cursor = as_reviewer.get("/sites/", selection).context["page"].next
    response = as_reviewer.get("/sites/", {**selection, "after": cursor, "format": "csv"})
    codes = [row[0] for row in _csv(response)[1:]]
    assert codes == [f"S{n}" for n in reversed(range(7))]


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised(as_reviewer, qa_reviewer):
    from atmp.ledger.export import original_cell

    names = ['=HYPERLINK("http://evil")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "-1.5"]
    for n, name in enumerate(names):
        make_site(actor=qa_reviewer, code=f"X{n}", name=name)
    rows = _csv(as_reviewer.get("/sites/", {"format": "csv"}))[1:]
    shown = [row[1] for row in rows]
    assert shown == ['\'=HYPERLINK("http://evil")', "'+cmd|' /C calc'!A0", "'-2+3", "'@SUM(A1)", "-1.5"]
    assert [original_cell(cell) for cell in shown] == names


def test_a_site_limited_user_exports_only_what_they_may_see(qa_reviewer):
    from atmp.testing import PASSWORD, make_user
    from atmp.web.tests.conftest import signed_in

    leiden = make_site(actor=qa_reviewer, code="LEI", name="Leiden")
    make_site(actor=qa_reviewer, code="GNT", name="Ghent")
    lars = make_user("operator", username="lars", password=PASSWORD, site=leiden)
    rows = _csv(signed_in(lars).get("/sites/", {"format": "csv"}))[1:]
    assert [row[0] for row in rows] == ["LEI"]


def test_the_users_csv_leaves_out_the_columns_the_viewer_may_not_see(as_inspector, as_sysadmin, monkeypatch):
    from atmp import lists

    monkeypatch.setattr(lists, "CSV_CHUNK", 1)  # each chunk fetches its own rows' roles
    inspector_header = _csv(as_inspector.get("/users/", {"format": "csv"}))[0]
    admin_header = _csv(as_sysadmin.get("/users/", {"format": "csv"}))[0]
    assert "MFA" not in inspector_header and "Last sign-in (UTC)" not in inspector_header
    assert {"MFA", "Last sign-in (UTC)"} <= set(admin_header)
    rows = _csv(as_sysadmin.get("/users/", {"format": "csv"}))[1:]
    assert [row[:3] for row in rows] == [
        ["ines", "Ines Inspector", "Inspector · all sites"],
        ["sam", "Sam Sysadmin", "System Administrator · all sites"],
    ]
