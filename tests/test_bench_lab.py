"""bench/lab.py, tiny: a product's history is built through the real services across the four phases, a
result is recorded both ways, the history page and the specification's page answer with the same query
count after one year and after two, and the table prints (a timing is never asserted)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.helpers import load_bench

pytestmark = pytest.mark.django_db


def test_the_lab_benchmark_runs_tiny():
    from atmp.lab.models import BatchSpecification, Result
    from atmp.testing import PASSWORD, make_user

    bench = load_bench("lab")
    client = Client()
    client.force_login(make_user("qc_analyst", password=PASSWORD))
    counts: dict[int, int] = {}

    def on_year(year, product):
        get = bench.page_getter(client, f"/lab/products/{product.code}/specifications/")
        get()  # the first GET of a session writes its last-request time; the page's own reads are counted after
        counts[year] = bench.queries_of(get)

    built = bench.build_history(2, 5, on_year=on_year)
    product, specs = built["product"], built["specifications"]
    assert built["batches"] == 10 and built["results"] == 10 * len(bench.ATTRIBUTES)
    assert Result.objects.filter(specification__product=product).count() == built["results"]
    phases = BatchSpecification.objects.filter(batch__product=product).values_list("phase", flat=True)
    assert sorted(set(phases)) == ["commercial", "i", "ii", "iii"]  # two batches in each clinical phase
    assert counts[1] == counts[2]  # the history's queries do not grow with the batches

    pages = bench.page_figures(client, product, specs[-1], 1)
    assert pages["history"]["n"] == pages["plain"]["n"] == 1 and pages["history_queries"] == counts[2]
    page = client.get(f"/lab/products/{product.code}/specifications/").content.decode()
    assert page.count('data-testid="history-attribute"') == len(bench.ATTRIBUTES)
    assert "80-125" in page and "50-200" in page  # the potency criterion tightened from phase I to commercial

    before = Result.objects.count()
    figures = bench.record_figures(built["batch"], built["analyst"], 2)
    assert figures["record"]["n"] == figures["audited_write"]["n"] == 2
    assert Result.objects.count() == before + 2 * 4  # one untimed, two timed and one counted of each
    assert figures["record_queries"] > figures["audited_queries"] > 0

    cell = {"p50": 1.0, "p95": 2.0, "mean": 1.5}
    row = {"backend": "x", "years": 2, "batches": 10, "results": 80, "history_kib": 9, "history_queries": 15,
           "plain_queries": 9, "first_year_queries": 15, "record": cell, "audited_write": cell, "history": cell,
           "plain": cell, "record_queries": 14, "audited_queries": 7}  # fmt: skip
    text = bench.table([row])
    assert "| x | (a) record_result" in text and "1.00×" in text and "✓" in text and "(7 queries)" in text
