"""The specification history's batch data: every result that stands beside each phase's criterion, the
tolerance interval equal to atmp.stats' on the same values, a chart, and queries fixed in number."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from atmp.lab.selectors.history import CONFIDENCE, COVERAGE, batch_data
from atmp.lab.selectors.lab import history
from atmp.lab.services import results as svc
from atmp.lab.tests.test_results import analyst, batch  # noqa: F401 - shared fixtures
from atmp.stats import tolerance
from atmp.testing import PASSWORD, make_user

pytestmark = pytest.mark.django_db

ENDOTOXIN = ["0.20", "0.25", "0.31", "0.18", "0.22", "0.27"]


def _sample(analyst, batch):  # noqa: F811
    made = svc.add_sample(actor=analyst, site=batch.site, batch=batch, purpose="release", quantity="1", unit="mL",
                          taken_by="olga")  # fmt: skip
    return svc.receive(actor=analyst, sample=made, location="QC fridge 1")


def _results(analyst, batch, values):  # noqa: F811
    made = []
    for value in values:
        sample = _sample(analyst, batch)
        made.append(svc.record_result(actor=analyst, sample=sample, attribute="Bacterial endotoxins", value=value))
        svc.record_result(actor=analyst, sample=sample, attribute="1", value="2.0E13")
    return made


def _data(product):
    context = history(product)
    return batch_data(product, context["specifications"], context["rows"])


def test_the_tolerance_interval_equals_atmp_stats_on_the_same_values(analyst, batch):  # noqa: F811
    made = _results(analyst, batch, ENDOTOXIN)
    svc.review(actor=make_user("qc_analyst", username="max", password=PASSWORD), result=made[0], password=PASSWORD)
    rows = {r["name"]: r for r in _data(batch.product)}
    endotoxin = rows["Bacterial endotoxins"]
    expected = tolerance.interval([float(v) for v in ENDOTOXIN], COVERAGE, CONFIDENCE, sided="one")
    got = endotoxin["interval"]
    assert got["n"] == 6 and got["lower"] is None  # "<=0.50": only the upper side is limited
    assert got["upper"] == pytest.approx(expected.upper, rel=1e-12) and got["k"] == pytest.approx(expected.k)
    assert "one-sided, upper" in got["method"] and "99% coverage" in got["method"]
    assert endotoxin["reviewed"] == 1 and [p["reviewed"] for p in endotoxin["points"]].count(False) == 5
    assert endotoxin["criteria"] == [{"label": "Phase I v1", "criterion": "<=0.50"}]
    svg = endotoxin["chart"]
    assert svg.startswith("<svg ") and svg.count('class="point"') == 6 and svg.count('class="limit"') == 1
    assert 'stroke="#0072B2"' in svg  # "<=0.50" of phase I, in phase I's colour
    assert svg.count('class="bound"') == 1 and "tolerance interval −∞ to " in svg  # one-sided, upper
    titre = rows["Vector genome titre"]["interval"]
    assert titre["refused"] and titre["n"] == 6  # all equal: s = 0, refused by atmp.stats with its reason


def test_a_superseded_result_is_left_out(analyst, batch):  # noqa: F811
    made = _results(analyst, batch, ["0.20", "0.25", "0.31"])
    svc.correct_result(actor=analyst, result=made[0], value="0.21", reason="transcription")
    values = [p["value"] for p in {r["name"]: r for r in _data(batch.product)}["Bacterial endotoxins"]["points"]]
    assert sorted(values) == [0.21, 0.25, 0.31]


def test_the_queries_do_not_grow_with_the_results(analyst, batch):  # noqa: F811
    _results(analyst, batch, ENDOTOXIN[:3])
    with CaptureQueriesContext(connection) as few:
        _data(batch.product)
    _results(analyst, batch, ENDOTOXIN)
    with CaptureQueriesContext(connection) as many:
        _data(batch.product)
    assert len(many) == len(few)


def test_the_history_page_shows_the_batch_data(analyst, batch):  # noqa: F811
    _results(analyst, batch, ENDOTOXIN)
    browser = Client()
    browser.force_login(analyst)
    page = browser.get(f"/lab/products/{batch.product.code}/specifications/").content.decode()
    assert page.count('data-testid="history-attribute"') == 2 and 'data-testid="history-chart"' in page
    assert page.count('role="img"') >= 2 and "data:image/svg" not in page  # inline, not an image
    assert "n = <strong>6</strong>" in page and "not reviewed" in page
