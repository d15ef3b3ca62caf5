"""Issue 15 end to end through the CLI alone (`atmp …` in-process, --as each person, the demo password in
$ATMP_PASSWORD): a demo batch no one has sampled yet, its record reviewed by QA in the demo, from
its release sample to the QP's signed certification (EU GMP Part IV ch. 11; Annex 16 §1.7)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.demo import PASSWORD
from atmp.lab.demo_results import VALUES
from atmp.lab.tests.test_e2e_api import unsampled
from atmp.ledger import clock


@pytest.fixture
def loaded(db, demo_data):
    return demo_data


def atmp(*args: str):
    return CliRunner().invoke(main, list(args), env={"ATMP_PASSWORD": PASSWORD}, catch_exceptions=False)


def doc(*args: str, code: int = 0):
    done = atmp(*args, "--json")
    assert done.exit_code == code, done.output
    return json.loads(done.stdout)


def test_a_demo_batch_goes_from_sampling_to_certification_through_the_cli(loaded, tmp_path):
    from atmp.lab.demo_potency import METHOD, REAGENT_LOT, REFERENCE_LOT
    from atmp.lab.factories import potency_plate

    batch = unsampled("reviewed")
    number = batch.number
    checks = doc("lab", "disposition", "checks", number, "--as", "petra", code=1)
    assert {c["name"]: c["state"] for c in checks["checks"]}["results"] == "failed"  # no specification pinned yet

    # QC: the release sample, registered and received, then a conforming result of every attribute.
    sample = doc("lab", "sample", "add", "--site", batch.site.code, "--purpose", "release", "--batch", number,
                 "--quantity", "2", "--unit", "mL", "--taken-by", "Olga Operator", "--reason", "release sample",
                 "--as", "quentin")["number"]  # fmt: skip
    received = doc("lab", "sample", "receive", sample, "--location", "QC fridge 1", "--as", "quentin")
    assert received["status"] == "received"
    coa = doc("lab", "coa", number, "--as", "quentin")  # the attributes to test, each still pending
    assert coa["specification"] and all(line["pending"] for line in coa["attributes"]), coa
    results = []
    for line in coa["attributes"]:
        made = doc("lab", "result", "add", sample, "--attribute", line["attribute"],
                   "--value", VALUES[line["attribute"]], "--reason", "release testing", "--as", "quentin")  # fmt: skip
        assert made["conforms"] is not False, made
        results.append(str(made["id"]))
    own = atmp("lab", "result", "review", results[0], "--as", "quentin")
    assert own.exit_code == 2 and "Traceback" not in own.output  # the analyst does not review their own result
    for result in results:
        assert doc("lab", "result", "review", result, "--as", "rita")["reviewed_by"]

    # The potency attribute needs a valid, reviewed assay run of the batch (USP <1032>).
    plate = tmp_path / "plate.csv"
    plate.write_bytes(potency_plate(seed=2, potency=1.03, shape="logistic"))
    run = doc("lab", "potency", "run", "add", "--site", batch.site.code, "--method", METHOD,
              "--date", clock.now().date().isoformat(), "--reference-lot", REFERENCE_LOT, "--reagent-lot", REAGENT_LOT,
              "--plate", str(plate), "--model", "four_pl", "--batch", number, "--reason", "potency run",
              "--as", "quentin")["number"]  # fmt: skip
    doc("lab", "potency", "run", "evaluate", run, "--reason", "plate read", "--as", "quentin")
    shown = doc("lab", "potency", "run", "review", run, "--reason", "run and plate checked", "--as", "rita")
    assert shown["status"] == "reviewed" and shown["usable_for_release"] is True, shown

    # QA: the audit trail of the batch with its steps and entries.
    refused = atmp("lab", "disposition", "certify", number, "--as", "petra", "--reason", "release")
    assert refused.exit_code == 2 and "audit_trail (failed)" in refused.output, refused.output
    review = doc("ledger", "review", "start", "--record-type", "manufacturing.batch", "--record-id", str(batch.pk),
                 "--with-parts", "--comment", f"batch {number} before certification", "--as", "alex")  # fmt: skip
    signed = doc("ledger", "review", "sign", str(review["id"]), "--outcome", "no_findings", "--as", "alex")
    assert signed["outcome"] == "no_findings"

    # QP: every check passes (exit 0); the certification is signed.
    checks = doc("lab", "disposition", "checks", number, "--as", "petra")
    assert {c["state"] for c in checks["checks"]} == {"ok"}, checks
    certified = doc(
        "lab", "disposition", "certify", number, "--reason", "all results in and conforming", "--as", "petra"
    )
    assert certified["status"] == "certified"
    assert doc("lab", "disposition", "show", number, "--as", "petra")["status"] == "certified"
