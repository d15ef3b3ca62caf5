"""`atmp trace person …` on the command line: register, reveal, find, correct; bad input exits 2 naming the field."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.ledger.models import AuditEntry
from atmp.testing import PASSWORD

from .conftest import JANE

pytestmark = pytest.mark.django_db


def atmp(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, ["trace", *args], env={"ATMP_PASSWORD": PASSWORD}, input=stdin)


def test_add_registers_a_person_and_prints_the_coi_never_the_data(coordinator, site):
    done = atmp(
        "person", "add", "--site", "LEI", "--kind", "patient", "--name", JANE["name"], "--birth-date",
        JANE["birth_date"], "--hospital-number", JANE["hospital_number"], "--as", "cora", "--json",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    made = json.loads(done.stdout)
    assert made["coi"].startswith("LEI-P-000001-") and made["identity"]["record"].startswith("trace.identity:")
    for value in JANE.values():
        assert value not in done.output


def test_add_reads_the_data_from_a_file_or_stdin(coordinator, site, tmp_path):
    path = tmp_path / "jane.json"
    path.write_text(json.dumps(JANE))
    done = atmp("person", "add", "--site", "LEI", "--kind", "patient", "--identity-file", str(path), "--as", "cora")
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith("LEI-P-000001-")
    other = {"name": "Ann Other", "birth_date": "1990-01-01", "hospital_number": "UZL-55"}
    piped = atmp(
        "person",
        "add",
        "--site",
        "LEI",
        "--kind",
        "donor",
        "--identity-file",
        "-",
        "--as",
        "cora",
        stdin=json.dumps(other),
    )
    assert piped.exit_code == 0, piped.output


def test_reveal_prints_the_data_to_a_permitted_reader_and_records_the_read(jane):
    done = atmp("person", "reveal", jane.coi, "--purpose", "label check before infusion", "--as", "cora", "--json")
    assert done.exit_code == 0, done.output
    shown = json.loads(done.stdout)
    assert {k: shown[k] for k in JANE} == JANE
    assert AuditEntry.objects.get(seq=shown["entry_seq"]).reason == "label check before infusion"
    text = atmp("person", "reveal", jane.coi, "--purpose", "label check before infusion", "--as", "cora")
    assert JANE["name"] in text.stdout and "ledger entry" in text.stdout


def test_reveal_is_refused_to_other_roles(jane, qa_approver):
    done = atmp("person", "reveal", jane.coi, "--purpose", "curious", "--as", "alex")
    assert done.exit_code == 2 and "identity.view" in done.stderr and JANE["name"] not in done.output


def test_find_prints_the_cois(jane):
    done = atmp(
        "person",
        "find",
        "--hospital-number",
        "UZL 7731942",
        "--purpose",
        "registration check",
        "--as",
        "cora",
        "--json",
    )
    assert done.exit_code == 0, done.output
    assert [i["coi"] for i in json.loads(done.stdout)["items"]] == [jane.coi]


def test_correct_needs_a_reason_and_prints_the_new_version(jane):
    done = atmp(
        "person",
        "correct",
        jane.coi,
        "--name",
        "Jane Smit",
        "--reason",
        "name changed by marriage",
        "--as",
        "cora",
        "--json",
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["version"] == 2 and "Smit" not in done.stdout


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--birth-date", "17/04/1961"], "birth_date"),
        (["--hospital-number", "UZL;1"], "hospital_number"),
        (["--name", ""], "name"),
    ],
)
def test_bad_input_exits_2_naming_the_field(coordinator, site, args, field):
    base = {"--name": JANE["name"], "--birth-date": JANE["birth_date"], "--hospital-number": JANE["hospital_number"]}
    base[args[0]] = args[1]
    flat = [x for pair in base.items() for x in pair]
    done = atmp("person", "add", "--site", "LEI", "--kind", "patient", *flat, "--as", "cora")
    assert done.exit_code == 2 and f"{field}:" in done.stderr, done.output


def test_a_missing_field_and_a_bad_file_exit_2(coordinator, site, tmp_path):
    done = atmp("person", "add", "--site", "LEI", "--kind", "patient", "--name", "Jane Doe", "--as", "cora")
    assert done.exit_code == 2 and "birth_date: required" in done.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "Jane", "address": "Main St"}')
    done = atmp("person", "add", "--site", "LEI", "--kind", "patient", "--identity-file", str(bad), "--as", "cora")
    assert done.exit_code == 2 and "address is not a personal data field" in done.stderr
