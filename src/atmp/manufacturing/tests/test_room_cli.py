"""`atmp manufacturing room …`: exit 2 naming the rule, exit 1 when not ready, --json documents."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.testing import PASSWORD

pytestmark = pytest.mark.django_db


def atmp(*args: str):
    return CliRunner().invoke(main, ["manufacturing", "room", *args], env={"ATMP_PASSWORD": PASSWORD},
                              catch_exceptions=False)  # fmt: skip


def doc(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_room_is_cleaned_cleared_checked_and_used(operator, second_operator, room, product, lentiviral):
    where = (room.site.code, "2.14")
    doc(atmp("clean", *where, "--kind", "routine", "--sop", "SOP-CL-001", "--as", "olga", "--json"))
    cleared = doc(atmp("clear", *where, "--product", "LV-001", "--batch", "LV-1", "--as", "olga", "--json"))
    not_ready = atmp("ready", *where, "--product", "LV-001", "--as", "olga", "--json")
    assert not_ready.exit_code == 1 and json.loads(not_ready.stdout)["refused"].startswith("line clearance missing")
    own = atmp("check", str(cleared["id"]), "--as", "olga", "--reason", "mine")
    assert own.exit_code == 2, own.output
    assert doc(atmp("check", str(cleared["id"]), "--as", "oscar", "--json"))["status"] == "checked"
    wrong = atmp("use", *where, "--product", "LV-001", "--batch", "LV-1", "--grade", "A", "--as", "olga")
    assert wrong.exit_code == 2 and "wrong grade: room 2.14 is grade B" in wrong.stderr
    used = doc(atmp("use", *where, "--product", "LV-001", "--batch", "LV-1", "--grade", "B", "--as", "olga", "--json"))
    assert used["gmo_class"] == "2"
    doc(atmp("end", *where, "--as", "olga", "--json"))
    refused = atmp("use", *where, "--product", "AAV-001", "--batch", "AAV-1", "--as", "olga")
    assert refused.exit_code == 2 and "changeover missing: room 2.14 was last used for LV-001" in refused.stderr
    status = doc(atmp("status", *where, "--as", "olga", "--json"))
    assert status["current"]["product"] == "LV-001" and status["changeover_needed"] is True
    text = atmp("status", *where, "--as", "olga")
    assert "changeover cleaning needed" in text.stdout
    assert [r["code"] for r in doc(atmp("list", "--as", "olga", "--json"))] == ["2.14"]
