"""`atmp quality complaint …`: add, list flagged, update; exit 2 on bad input."""

from __future__ import annotations

import pytest

from atmp.quality.tests.clirunner import atmp, doc

pytestmark = pytest.mark.django_db


def test_a_complaint_is_recorded_flagged_and_investigated(qa_reviewer, site, pv_officer):
    made = doc(
        atmp(
            "complaint",
            "add",
            "--site",
            site.code,
            "--title",
            "Cracked port",
            "--received",
            "2026-01-05",
            "--source",
            "hospital",
            "--description",
            "port cracked",
            "--reporter-ref",
            "UZG-117",
            "--adverse",
            "--concerns",
            site.record_key,
            "--as",
            "rita",
            "--json",
        )
    )
    assert made["possible_adverse_reaction"] and made["number"] == "CMP-2026-0001"
    flagged = doc(atmp("complaint", "list", "--flagged", "--as", "rita", "--json"))
    assert [c["number"] for c in flagged["items"]] == ["CMP-2026-0001"]
    updated = doc(
        atmp(
            "complaint",
            "update",
            str(made["id"]),
            "--reason",
            "PV took it",
            "--pv-reference",
            "PV-2026-004",
            "--as",
            "rita",
            "--json",
        )
    )
    assert updated["pv_reference"] == "PV-2026-004"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--reporter-ref", "x@y.example"], "reporter_reference"),
        (["--received", "2026-02-30"], "received_date"),
        (["--concerns", "trace.lot:99"], "concerns"),
    ],
)
def test_bad_input_exits_2(qa_reviewer, site, args, message):
    base = {
        "--site": site.code,
        "--title": "t",
        "--received": "2026-01-05",
        "--source": "hospital",
        "--description": "d",
    }
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    flat = [part for pair in base.items() for part in pair]
    result = atmp("complaint", "add", *flat, "--as", "rita")
    assert result.exit_code == 2, result.output
    assert message in result.stderr
