"""Opening the recall from the command line: `atmp trace recall ID --open --reason … [--mock]`, through
the same service as the page and the API; QA's decision, a reason and the user's password are needed."""

from __future__ import annotations

import pytest

from atmp.quality.models.recalls import Recall
from atmp.testing import make_site
from atmp.trace import factories
from atmp.trace.models import Lot
from atmp.trace.tests.clirunner import atmp, doc

pytestmark = pytest.mark.django_db


@pytest.fixture
def hub(qa_reviewer, qa_approver, site):
    centre = make_site(actor=qa_reviewer, code="AMC", name="Treatment centre Amsterdam")
    return factories.make_hub_genealogy(actor=qa_reviewer, approver=qa_approver, site=site, centre=centre)


def _open(root, *extra, password=None):
    args = ("recall", root, "--open", *extra, "--as", "rita", "--json")
    return atmp(*args) if password is None else atmp(*args, password=password)


def test_it_opens_the_recall_and_recalls_every_affected_lot(hub):
    opened = doc(_open(hub["B1"].number, "--reason", "endotoxin above limit", "--class", "class_ii"))
    assert opened["record"].startswith("quality.recall:") and opened["root"] == hub["B1"].number
    assert sorted(opened["recalled"]) == sorted([hub["B1"].number, hub["DP1"].number])
    assert Lot.objects.get(pk=hub["DP1"].pk).status == "recalled"
    recall = Recall.objects.get(number=opened["number"])
    assert (recall.mock, recall.classification) == (False, "class_ii")


def test_a_mock_recall_leaves_the_lots_as_they_are(hub):
    opened = doc(_open(hub["B1"].number, "--reason", "annual mock recall", "--class", "class_iii", "--mock"))
    assert opened["recalled"] == [] and hub["DP1"].number in opened["unchanged"]
    assert Lot.objects.get(pk=hub["DP1"].pk).status == "released"
    assert Recall.objects.get(number=opened["number"]).mock is True
    text = atmp(
        "recall", hub["B1"].number, "--open", "--mock", "--class", "class_iii", "--reason", "again", "--as", "rita"
    )
    assert text.exit_code == 2 and f"{opened['number']} is open and already concerns" in text.stderr


def test_it_refuses_without_a_reason_or_qas_decision_or_the_password(hub, operator):
    blank = _open(hub["B1"].number, "--class", "class_ii")
    assert blank.exit_code == 2 and "reason" in blank.stderr
    unclassed = _open(hub["B1"].number, "--reason", "x")
    assert unclassed.exit_code == 2 and "class: --open needs the recall's class" in unclassed.stderr
    operator = atmp("recall", hub["B1"].number, "--open", "--class", "class_ii", "--reason", "x", "--as", "olga")
    assert operator.exit_code == 2 and "quality.decide" in operator.stderr
    wrong = _open(hub["B1"].number, "--class", "class_ii", "--reason", "x", password="not-the-password")
    assert wrong.exit_code == 2
    assert not Recall.objects.exists() and Lot.objects.get(pk=hub["DP1"].pk).status == "released"


def test_the_open_options_need_open_and_open_needs_a_user(hub):
    stray = atmp("recall", hub["B1"].number, "--reason", "x")
    assert stray.exit_code == 2 and "--open" in stray.stderr
    anonymous = atmp("recall", hub["B1"].number, "--open", "--class", "class_i", "--reason", "x")
    assert anonymous.exit_code == 2 and "--as" in anonymous.stderr
    assert not Recall.objects.exists()
