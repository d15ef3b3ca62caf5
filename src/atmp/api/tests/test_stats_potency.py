"""Relative potency over the API: the CLI's document, a 400 naming the field, nothing stored."""

from __future__ import annotations

import pytest

from atmp.ledger.models import LedgerHead
from atmp.stats.catalogue import example_files

pytestmark = pytest.mark.django_db

TURBIDIMETRIC = example_files()["pheur_5_1_3_antibiotic_turbidimetric_rbd.csv"].decode()
COLUMNS = {"preparation": "preparation", "dose": "dose", "response": "response", "standard": "S", "block": "block"}


def test_it_computes_the_published_potency_and_stores_nothing(as_operator):
    before = LedgerHead.objects.get(pk=1).size
    response = as_operator.post("/stats/potency", {"csv": TURBIDIMETRIC, **COLUMNS})
    assert response.status_code == 200, response.json()
    document = response.json()
    scale = 447.56 / 500 * 20000  # Ph. Eur. 5.3 example 5.1.3: 19228.5 IU/vial
    assert round(document["preparations"]["T"]["potency_ratio"] * scale, 1) == 19228.5
    assert document["residual_df"] == 28
    assert document["provenance"]["method"].startswith("Parallel-line assay")
    assert LedgerHead.objects.get(pk=1).size == before


def test_a_standard_not_in_the_file_is_a_400_naming_it(as_operator):
    response = as_operator.post("/stats/potency", {"csv": TURBIDIMETRIC, **COLUMNS, "standard": "R"})
    assert response.status_code == 400
    assert response.json()["field"] == "standard"


def test_the_combination_of_runs(as_operator):
    csv = "run,potency,lower,upper\nA,1.00,0.90,1.11\nB,1.05,0.95,1.16\n"
    response = as_operator.post("/stats/potency-combine", {"csv": csv})
    assert response.status_code == 200, response.json()
    assert response.json()["method"] == "weighted"
