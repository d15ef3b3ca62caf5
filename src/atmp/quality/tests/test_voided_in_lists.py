"""Voided records in the quality lists: left out by default, listed with `voided=true` (marked), alike in
the API, the list pages, their CSV and the CLI, so that an inspector can still find them."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse

from atmp.ledger import writer
from atmp.lists import VoidedFilter
from atmp.testing import RECORD_FACTORIES, ApiClient, signed_in, token_for

from .clirunner import atmp, doc

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Listed:
    """A quality record type and where it is listed: its API list, its list page, its CLI list."""

    record_type: str
    api: str | None = None  # the path under /api/v1; "{supplier}" stands for the record's supplier's id
    items: str = "items"  # the key of the API page's list
    page: str | None = None  # the list page's URL name in the quality namespace
    cli: tuple[str, ...] = ()  # `atmp quality …` arguments
    cli_as: bool = True  # the CLI list takes --as (the documents' list needs no user)

    def __str__(self) -> str:
        return self.record_type


LISTS = [
    Listed("quality.deviation", "/quality/deviations", page="deviations", cli=("deviation", "list")),
    Listed("quality.planneddeviation", "/quality/planned-deviations", page="planned_deviations"),
    Listed("quality.capa", "/quality/capas", page="capas", cli=("capa", "list")),
    Listed("quality.capaaction", page="capa_actions"),
    Listed("quality.managementreview", "/quality/management-reviews", page="management_reviews"),
    Listed("quality.changecontrol", "/quality/change-controls", page="change_controls", cli=("change", "list")),
    Listed("quality.riskassessment", "/quality/risk-assessments", page="risk_assessments", cli=("risk", "list")),
    Listed("quality.complaint", "/quality/complaints", page="complaints", cli=("complaint", "list")),
    Listed("quality.recall", "/quality/recalls", page="recalls", cli=("recall", "list")),
    Listed("quality.selfinspection", "/quality/inspections", page="inspections", cli=("inspection", "list")),
    Listed(
        "quality.document",
        "/quality/documents",
        items="documents",
        page="documents",
        cli=("document", "list"),
        cli_as=False,
    ),
    Listed("quality.trainingrecord", "/quality/training/records", items="records"),
    Listed("quality.supplier", "/quality/suppliers", page="suppliers", cli=("supplier", "list")),
    Listed("quality.supplierapproval", "/quality/suppliers/{supplier}/approvals", page="supplier_approvals"),
    Listed(
        "quality.qualityagreement",
        "/quality/quality-agreements",
        page="quality_agreements",
        cli=("supplier", "agreements"),
    ),
    Listed("quality.supplieraudit", "/quality/supplier-audits", page="supplier_audits"),
]


def kept_and_voided(record_type: str, actor: Any) -> tuple[Any, Any]:
    """Make two records of the type and void the second through the ledger, as a correction would."""
    make = RECORD_FACTORIES[record_type][0]
    kept, voided = make(actor), make(actor)
    with writer.change(actor=actor, reason="entered in error"):
        voided.voided = True
        voided.save()
    return kept, voided


def api_ids(listed: Listed, actor: Any, records: tuple[Any, ...], **params: Any) -> dict[int, bool]:
    """Return {id: voided} of the records of the type that the API list answers."""
    api = ApiClient(token_for(actor))
    paths = {listed.api.format(supplier=getattr(r, "supplier_id", None)) for r in records}  # type: ignore[union-attr]
    found: dict[int, bool] = {}
    for path in paths:
        answer = api.get(path, limit=200, **params)
        assert answer.status_code == 200, answer.content
        found |= {item["id"]: item["voided"] for item in answer.json()[listed.items]}
    return found


@pytest.mark.parametrize("listed", [x for x in LISTS if x.api], ids=str)
def test_the_api_lists_voided_records_only_when_asked(listed, qa_approver):
    kept, voided = kept_and_voided(listed.record_type, qa_approver)
    default = api_ids(listed, qa_approver, (kept, voided))
    assert default.get(kept.pk) is False and voided.pk not in default
    asked = api_ids(listed, qa_approver, (kept, voided), voided="true")
    assert asked.get(kept.pk) is False and asked.get(voided.pk) is True
    assert api_ids(listed, qa_approver, (kept, voided), voided="false") == default


@pytest.mark.parametrize("listed", [x for x in LISTS if x.page], ids=str)
def test_the_list_page_and_its_csv_show_voided_records_only_when_asked(listed, qa_approver):
    kept, voided = kept_and_voided(listed.record_type, qa_approver)
    client = signed_in(qa_approver)
    url = reverse(f"quality:{listed.page}")
    link = {r.pk: reverse("web:record", args=[listed.record_type, r.pk]) for r in (kept, voided)}
    page = client.get(url).content.decode()
    assert f'href="{link[kept.pk]}"' in page and f'href="{link[voided.pk]}"' not in page
    assert '<option value="">hidden</option>' in page  # the filter says what leaving it empty means
    asked = client.get(url, {"voided": "true"}).content.decode()
    assert f'href="{link[kept.pk]}"' in asked and f'href="{link[voided.pk]}"' in asked
    assert asked.count('data-testid="voided"') == 1
    default_csv = rows_of(client.get(url, {"format": "csv"}))
    asked_csv = rows_of(client.get(url, {"format": "csv", "voided": "true"}))
    assert len(asked_csv) == len(default_csv) + 1
    assert [r for r in asked_csv if any("(voided)" in cell for cell in r)] == [
        r for r in asked_csv if r not in default_csv
    ]


def rows_of(response: Any) -> list[list[str]]:
    """Return the data rows of a CSV response (its header left out)."""
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))[1:]


@pytest.mark.parametrize("listed", [x for x in LISTS if x.cli], ids=str)
def test_the_cli_lists_voided_records_only_when_asked(listed, qa_approver):
    kept, voided = kept_and_voided(listed.record_type, qa_approver)
    key = "documents" if listed.items == "documents" else "items"
    args = (*listed.cli, "--as", qa_approver.username) if listed.cli_as else listed.cli
    default = {i["id"]: i["voided"] for i in doc(atmp(*args, "--json"))[key]}
    assert default.get(kept.pk) is False and voided.pk not in default
    asked = doc(atmp(*args, "--voided", "--json"))[key]
    assert {i["id"]: i["voided"] for i in asked if i["id"] in (kept.pk, voided.pk)} == {kept.pk: False, voided.pk: True}


def test_a_list_page_refuses_a_voided_value_that_is_not_true_or_false(qa_approver):
    answer = signed_in(qa_approver).get(reverse("quality:deviations"), {"voided": "maybe"})
    assert answer.status_code == 400 and "is not true or false" in answer.content.decode()


def test_every_quality_list_has_the_voided_filter():
    import importlib
    import pkgutil

    from atmp.lists import ListSpec
    from atmp.quality import views

    specs = {}
    for info in pkgutil.iter_modules(views.__path__):
        module = importlib.import_module(f"{views.__name__}.{info.name}")
        specs |= {v.name: v for v in vars(module).values() if isinstance(v, ListSpec)}
    assert set(specs) == {x.page for x in LISTS if x.page}  # a new list is added to LISTS above
    assert [name for name, s in specs.items() if not any(isinstance(f, VoidedFilter) for f in s.filters)] == []
