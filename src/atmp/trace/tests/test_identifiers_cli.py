"""`atmp trace id …`: the documents the issue names, exit 2 naming the rule, human output, help with examples."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from atmp.cli.main import main


def atmp(*args: str):
    """Run `atmp trace id ARGS` in-process (no database, no ATMP_HOME needed)."""
    return CliRunner().invoke(main, ["trace", "id", *args], catch_exceptions=False)


def test_isbt128_computes_the_published_check_character():
    result = atmp("isbt128", "G123498654321", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"din": "G123498654321", "check_character": "H", "valid": True}


def test_isbt128_checks_a_fourteenth_character():
    assert json.loads(atmp("isbt128", "G123498654321H", "--json").stdout)["valid"] is True
    wrong = atmp("isbt128", "G123498654321J", "--json")
    assert wrong.exit_code == 2
    assert json.loads(wrong.stdout) == {"din": "G123498654321", "check_character": "H", "valid": False}
    assert "din.check_character" in wrong.stderr and "MOD 37-2 gives 'H'" in wrong.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("isbt128", "G12349865432"), "din: must be 13 characters"),
        (("isbt128", "O123498654321", "--json"), "din.facility: character 1 'O'"),
        (("isbt128-parse", "=%Zz00"), "isbt128.002.abo_rhd"),
        (("gs1", "62910415002a"), "gs1: "),
        (("gs1", "0950110153000", "--key", "gtin8"), "7 or 8 digits"),
        (("gs1-parse", "0109501101530004"), "gs1.01: the check digit"),
    ],
)
def test_malformed_input_exits_2_naming_the_rule_without_a_traceback(args, words):
    result = atmp(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert words in result.stderr and "Traceback" not in result.stderr


def test_sec_prints_its_errors_and_exits_0_either_way():
    good = atmp("sec", "SEC NL000123G123498654321 A123456700120261231", "--json")
    assert good.exit_code == 0 and json.loads(good.stdout)["valid"] is True
    bad = atmp("sec", "SEC XX000123G123498654321 A123456700120261331", "--json")
    assert bad.exit_code == 0
    doc = json.loads(bad.stdout)
    assert set(doc) == {"valid", "errors", "fields"} and doc["valid"] is False
    assert [e.split(":")[0] for e in doc["errors"]] == ["country", "expiry_date"]
    assert doc["fields"]["country"] == "XX"


def test_gs1_computes_or_checks_the_check_digit():
    assert json.loads(atmp("gs1", "629104150021", "--json").stdout) == {"check_digit": 3, "valid": True}
    assert json.loads(atmp("gs1", "6291041500213", "--json").stdout) == {"check_digit": 3, "valid": True}
    assert json.loads(atmp("gs1", "036000291452", "--key", "gtin12", "--json").stdout)["valid"] is True
    wrong = atmp("gs1", "6291041500214", "--json")
    assert wrong.exit_code == 2 and json.loads(wrong.stdout) == {"check_digit": 3, "valid": False}


def test_gs1_parse_reads_the_published_element_string():
    result = atmp("gs1-parse", "]d2" + "0109501101530003" + "17261231" + "10AB-123" + "\x1d" + "21X7Q", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["symbology_identifier"] == "]d2"
    assert [(e["ai"], e["value"]) for e in doc["elements"]] == [
        ("01", "09501101530003"),
        ("17", "261231"),
        ("10", "AB-123"),
        ("21", "X7Q"),
    ]


def test_isbt128_parse_reads_a_concatenated_scan():
    doc = json.loads(atmp("isbt128-parse", "=G12349865432100=<S12951A0&>0263651330", "--json").stdout)
    assert [s["number"] for s in doc["structures"]] == ["001", "003", "005"]


def test_without_json_people_read_what_was_found():
    assert "check character  H" in atmp("isbt128", "G123498654321").stdout
    assert "GTIN-13 6291041500213: check digit 3 (computed)" in atmp("gs1", "629104150021").stdout
    assert "(17) USE BY OR EXPIRY: 261231  [2026-12-31]" in atmp("gs1-parse", "(01)09501101530003(17)261231").stdout
    assert atmp("sec", "nonsense").stdout.startswith("not valid")


def test_every_command_s_help_shows_an_example():
    for command in ("isbt128", "isbt128-parse", "sec", "gs1", "gs1-parse"):
        result = atmp(command, "--help")
        assert result.exit_code == 0 and "Example" in result.stdout, command
    assert "atmp trace id isbt128 G123498654321" in atmp("--help").stdout
