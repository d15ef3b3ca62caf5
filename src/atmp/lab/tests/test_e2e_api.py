"""Issue 15 end to end through the REST API alone: the demo batch no one has sampled whose record still
awaits QA (AAV9-SMN-2026-0004, its incubator excursion's deviation under investigation), from its release
sample to the QP's signed certification. Quentin (QC) samples and tests it, Rita (QA) reviews the results
and the potency run, assesses the deviation and reviews the batch record, Alex reviews its audit trail
with its parts, and Petra (QP) reads the checks, all passing, and certifies (EU GMP Part IV ch. 11;
Annex 16 §1.7)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from atmp.demo import PASSWORD
from atmp.lab.demo_results import VALUES
from atmp.ledger import clock
from atmp.testing import ApiClient, token_for


@pytest.fixture
def loaded(db, demo_data):
    return demo_data


def unsampled(status: str = "reviewed", index: int = 0):
    """Return a batch of the demo in this state that no one has sampled (executed: 4; reviewed: 8 to 10)."""
    from atmp.lab.demo import PRODUCT
    from atmp.lab.models import Sample
    from atmp.manufacturing.models import Batch

    sampled = Sample.objects.filter(purpose="release").values_list("batch_id", flat=True)
    found = Batch.objects.filter(product__code=PRODUCT, status=status, voided=False).exclude(pk__in=sampled)
    batches = list(found.order_by("pk"))
    assert len(batches) > index, f"the demo has no {status} batch left unsampled"
    return batches[index]


def as_user(name: str) -> ApiClient:
    from atmp.accounts.models import User

    return ApiClient(token_for(User.objects.get(username=name)))


def ok(response, status: int = 200):
    assert response.status_code == status, response.content
    return response.json()


def test_a_demo_batch_goes_from_sampling_to_certification_through_the_api(loaded):
    from atmp.lab.demo_potency import METHOD, REAGENT_LOT, REFERENCE_LOT
    from atmp.lab.factories import potency_plate

    batch = unsampled("executed")
    quentin, rita, alex, petra = (as_user(n) for n in ("quentin", "rita", "alex", "petra"))
    base = f"/lab/batches/{batch.number}/disposition"
    assert ok(petra.get(base))["certifiable"] is False

    # QC: the release sample, registered and received, then a conforming result of every attribute.
    made = ok(
        quentin.post(
            "/lab/samples",
            {
                "site": batch.site.code,
                "purpose": "release",
                "batch": batch.number,
                "quantity": "2",
                "unit": "mL",
                "taken_by": "Olga Operator",
                "reason": "release sample",
            },
        ),
        201,
    )
    sample = made["id"]
    assert ok(quentin.post(f"/lab/samples/{sample}/receive", {"location": "QC fridge 1"}))["status"] == "received"
    coa = ok(quentin.get(f"/lab/batches/{batch.number}/coa"))  # the attributes to test, each still pending
    assert coa["specification"] and all(line["pending"] for line in coa["attributes"]), coa
    names = [line["attribute"] for line in coa["attributes"]]
    assert "Sterility" in names and "Potency (relative to reference)" in names
    results = []
    for name in names:
        body = ok(quentin.post(f"/lab/samples/{sample}/results", {"attribute": name, "value": VALUES[name]}), 201)
        assert body["conforms"] is not False, body
        results.append(body["id"])
    own = quentin.post(f"/lab/results/{results[0]}/review", {"password": PASSWORD})
    assert own.status_code == 422  # the analyst does not review their own result
    for result in results:
        ok(rita.post(f"/lab/results/{result}/review", {"password": PASSWORD}))

    # The potency attribute needs a valid, reviewed assay run of the batch (USP <1032>).
    plate = SimpleUploadedFile("plate.csv", potency_plate(seed=1, potency=0.97, shape="logistic"))
    run = quentin.client.post(
        "/api/v1/lab/potency-runs",
        {"site": batch.site.code, "method": METHOD, "run_date": clock.now().date().isoformat(),
         "reference_lot": REFERENCE_LOT, "reagent_lots": REAGENT_LOT, "model": "four_pl", "batch": batch.number,
         "file": plate, "reason": "potency run"},
    )  # fmt: skip
    run_id = ok(run, 201)["id"]
    transitions = f"/records/lab.potencyrun/{run_id}/transitions"
    ok(quentin.post(f"{transitions}/evaluate", {"reason": "plate read"}))
    ok(rita.post(f"{transitions}/review", {"reason": "run and plate checked", "password": PASSWORD}))
    assert ok(quentin.get(f"/lab/potency-runs/{run_id}"))["usable_for_release"] is True

    # QA: the deviation assessed (root cause found), the batch record reviewed, then the audit trail of
    # the batch with its steps and entries.
    refused = ok(petra.post(f"{base}/certify", {"password": PASSWORD}), 422)["detail"]
    for check in ("deviations (failed)", "batch_record (failed)", "audit_trail (failed)"):
        assert check in refused, refused
    listed = ok(rita.get("/quality/deviations", status="investigation"))["items"]
    (deviation,) = [d for d in listed if f"deviation {d['number']} " in refused]
    assessed = rita.patch(
        f"/quality/deviations/{deviation['id']}",
        {
            "reason": "root cause found",
            "version": deviation["version"],
            "root_cause": "Incubator door left ajar during a sampling; the crude lysate titre met its range.",
            "root_cause_method": "five_whys",
        },
    )
    ok(assessed)
    submitted = rita.post(
        f"/records/quality.deviation/{deviation['id']}/transitions/submit", {"reason": "impact and root cause"}
    )
    assert ok(submitted)["status"] == "qa_review"
    reviewed = rita.post(
        f"/records/manufacturing.batch/{batch.pk}/transitions/review",
        {"reason": "batch record reviewed by exception", "password": PASSWORD},
    )
    assert ok(reviewed)["status"] == "reviewed"
    review = ok(
        alex.post("/ledger/reviews", {"record_type": "manufacturing.batch", "record_id": str(batch.pk),
                                      "with_parts": True, "comment": f"batch {batch.number} before certification"}),
        201,
    )  # fmt: skip
    signed = alex.post(
        f"/records/{review['record_type']}/{review['id']}/signatures",
        {"meaning": "audit_trail_reviewed", "password": PASSWORD, "version": review["version"],
         "outcome": "no_findings"},
    )  # fmt: skip
    ok(signed, 201)

    # QP: every check passes; the certification is signed.
    checks = ok(petra.get(base))
    assert {c["name"]: c["state"] for c in checks["checks"]} == dict.fromkeys(
        ("results", "oos", "deviations", "batch_record", "audit_trail", "chain_of_identity", "starting_materials"),
        "ok",
    ), [c["message"] for c in checks["checks"] if c["state"] != "ok"]
    assert checks["certifiable"] is True
    certified = ok(petra.post(f"{base}/certify", {"password": PASSWORD, "reason": "all results in and conforming"}))
    assert certified["status"] == "certified"
    assert ok(petra.get(base))["status"] == "certified"

    from atmp.ledger import verify

    report = verify.run()
    assert report.ok, report
