"""`atmp quality recall …`: add, scope, recipient, notified, returned, explain, show; exit 2 on bad input."""

from __future__ import annotations

import pytest

from atmp.quality.tests.clirunner import atmp, doc
from atmp.testing import make_site

pytestmark = pytest.mark.django_db


def test_a_recall_is_scoped_notified_and_reconciled(qa_reviewer, site):
    made = doc(
        atmp(
            "recall",
            "add",
            "--site",
            site.code,
            "--title",
            "AAV-001",
            "--recall-reason",
            "potency",
            "--class",
            "class_ii",
            "--as",
            "rita",
            "--json",
        )
    )
    rid = str(made["id"])
    lot = make_site()
    scoped = doc(
        atmp(
            "recall",
            "scope",
            rid,
            "--item",
            lot.record_key,
            "5",
            "Lot AAV-001",
            "--unit",
            "bags",
            "--reason",
            "genealogy",
            "--as",
            "rita",
            "--json",
        )
    )
    scope_id = str(scoped["scope"][0]["id"])
    recipient = doc(
        atmp("recall", "recipient", rid, "--reference", "UZG-PHARM", "--kind", "hospital", "--as", "rita", "--json")
    )
    doc(
        atmp(
            "recall",
            "notified",
            str(recipient["id"]),
            "--response",
            "ok",
            "--reason",
            "phoned",
            "--as",
            "rita",
            "--json",
        )
    )
    doc(atmp("recall", "returned", scope_id, "--returned", "4", "--reason", "back", "--as", "rita", "--json"))
    shown = doc(atmp("recall", "show", rid, "--as", "rita", "--json"))
    assert not shown["reconciliation_complete"] and "do not add up" in shown["reconciliation_rule"]
    explained = doc(
        atmp("recall", "explain", rid, "--note", "1 bag administered", "--reason", "r", "--as", "rita", "--json")
    )
    assert explained["reconciliation_complete"]


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (("trace.lot:99", "1", "x"), "items[0].record"),
        (("{lot}", "many", "x"), "items[0].quantity_distributed"),
    ],
)
def test_a_bad_scope_item_exits_2(qa_reviewer, item, message):
    from atmp.quality.factories import make_recall

    recall = make_recall(actor=qa_reviewer)
    lot = make_site()
    result = atmp(
        "recall",
        "scope",
        str(recall.pk),
        "--item",
        *(p.format(lot=lot.record_key) for p in item),
        "--reason",
        "r",
        "--as",
        "rita",
    )
    assert result.exit_code == 2, result.output
    assert message in result.stderr
