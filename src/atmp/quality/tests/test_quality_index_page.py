"""The quality front page: its areas grouped, each with the open and overdue records the viewer may see."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from atmp.quality.factories import make_capa, make_deviation
from atmp.testing import PASSWORD, make_site, make_user, signed_in
from atmp.workflow import engine

pytestmark = pytest.mark.django_db


def area_card(page: str, url_name: str) -> str:
    """Return the HTML of one area's card."""
    found = re.search(rf'<div class="card area" data-area="{re.escape(url_name)}">(.*?)</div>', page, re.S)
    assert found, f"no card for {url_name}"
    return found.group(1)


def test_each_area_counts_what_is_open_and_overdue_at_the_viewers_sites(qa_reviewer, site):
    other = make_site(actor=qa_reviewer, code="BOS", name="Boston")
    make_deviation(actor=qa_reviewer, site=site)
    late = make_deviation(actor=qa_reviewer, site=site, title="Late one")
    engine.assign(qa_reviewer, late, reason="investigate", due_date=dt.date(2020, 1, 1))
    make_deviation(actor=qa_reviewer, site=other, title="Elsewhere")
    make_capa(actor=qa_reviewer, site=site)
    leiden_only = make_user("qa_reviewer", username="lena", password=PASSWORD, site=site)

    page = signed_in(leiden_only).get("/quality/").content.decode()

    deviations = area_card(page, "quality:deviations")
    assert "<strong>2</strong> open" in deviations and "1 overdue" in deviations
    assert "<strong>1</strong> open" in area_card(page, "quality:capas")
    assert "overdue" not in area_card(page, "quality:capas")
    # An area with no workflow count (the training matrix) shows none; the groups are headed.
    assert "open" not in area_card(page, "quality:training_matrix")
    assert "Deviations and CAPA" in page and "Oversight" in page


def test_a_company_wide_viewer_counts_every_site(qa_reviewer, site):
    other = make_site(actor=qa_reviewer, code="BOS", name="Boston")
    make_deviation(actor=qa_reviewer, site=site)
    make_deviation(actor=qa_reviewer, site=other)

    page = signed_in(qa_reviewer).get("/quality/").content.decode()

    assert "<strong>2</strong> open" in area_card(page, "quality:deviations")
