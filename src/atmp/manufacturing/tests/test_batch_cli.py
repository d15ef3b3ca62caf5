"""`atmp manufacturing batch …`: exit 2 naming the rule or the field, --json documents."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.manufacturing import factories
from atmp.testing import PASSWORD

pytestmark = pytest.mark.django_db


def atmp(*args: str):
    return CliRunner().invoke(main, ["manufacturing", "batch", *args], env={"ATMP_PASSWORD": PASSWORD},
                              catch_exceptions=False)  # fmt: skip


def doc(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_an_operator_executes_a_step_from_the_command_line(floor, batch):
    n, room, bsc = batch.number, str(floor["room"].pk), floor["bsc"].code
    refused = atmp("start", n, "20", "--room", room, "--equipment", bsc, "--as", "olga")
    assert refused.exit_code == 2 and "step order: step 20 starts only after step 10 is done" in refused.stderr
    assert doc(atmp("start", n, "10", "--room", room, "--equipment", bsc, "--as", "olga", "--json"))["progress"] == (
        "in_progress"
    )
    bad = atmp("param", n, "10", "1", "warm", "--as", "olga")
    assert bad.exit_code == 2 and "value" in bad.stderr and "value format" in bad.stderr
    warned = atmp("param", n, "10", "1", "38.0", "--as", "olga")
    assert warned.exit_code == 2 and "warning not acknowledged" in warned.stderr
    value = doc(atmp("param", n, "10", "1", "38.0", "--acknowledge", "--as", "olga", "--json"))
    fixed = doc(atmp("correct", str(value["id"]), "37.0", "--reason", "wrong probe", "--as", "olga", "--json"))
    assert fixed["supersedes"] == value["id"]
    line = batch.steps.get(number=10).mbr_step.materials.get()
    stock = factories.make_stock(actor=floor["qa"], material=line.material, site=batch.site)
    added = doc(atmp("add", n, "10", "1", "--lot", stock.number, "--quantity", "500", "--as", "olga", "--json"))
    assert added["lot"] == stock.number
    own = atmp("verify", str(added["id"]), "--as", "olga")
    assert own.exit_code == 2 and "segregation of duties" in own.stderr
    assert doc(atmp("verify", str(added["id"]), "--as", floor["checker"].username, "--json"))["verified"]
    missing = atmp("complete-step", n, "10", "--as", "olga")
    assert missing.exit_code == 2 and "entries missing" in missing.stderr
    shown = doc(atmp("show", n, "--as", "olga", "--json"))
    assert [e["value"] for e in shown["steps"][0]["entries"]] == ["38.0", "37.0", stock.number]
    kinds = sorted(x["kind"] for x in doc(atmp("exceptions", n, "--as", "olga", "--json")))
    assert kinds == ["acknowledged_warning", "correction", "out_of_range"]


def test_a_material_addition_is_corrected_from_the_command_line(floor, batch, running):
    line = running.mbr_step.materials.select_related("material").get()
    stock = factories.make_stock(actor=floor["qa"], material=line.material, site=batch.site)
    n = batch.number
    added = doc(atmp("add", n, "10", "1", "--lot", stock.number, "--quantity", "520", "--as", "olga", "--json"))
    no_reason = atmp("correct-material", str(added["id"]), "--lot", stock.number, "--quantity", "500", "--as", "olga")
    assert no_reason.exit_code == 2 and "--reason" in no_reason.stderr
    fixed = doc(atmp("correct-material", str(added["id"]), "--lot", stock.number, "--quantity", "500",
                     "--reason", "typed 520", "--as", "olga", "--json"))  # fmt: skip
    assert (fixed["supersedes"], fixed["lot"]) == (added["id"], stock.number)
    again = atmp("correct-material", str(added["id"]), "--lot", stock.number, "--quantity", "500",
                 "--reason", "twice", "--as", "olga")  # fmt: skip
    assert again.exit_code == 2 and "superseded or voided already" in again.stderr
