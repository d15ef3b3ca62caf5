"""`atmp quality inspection …`: add, finding, capa, report, list; exit 2 on bad input."""

from __future__ import annotations

import pytest

from atmp.quality.tests.clirunner import atmp, doc
from atmp.workflow import engine, links

pytestmark = pytest.mark.django_db


def test_a_self_inspection_with_a_finding_and_its_capa(qa_reviewer, site, make_capa):
    made = doc(
        atmp(
            "inspection",
            "add",
            "--site",
            site.code,
            "--title",
            "Fill line",
            "--area",
            "Filling",
            "--date",
            "2026-12-10",
            "--lead",
            "rita",
            "--as",
            "rita",
            "--json",
        )
    )
    assert made["number"] == "SI-2026-0001"
    engine.transition(qa_reviewer, links.resolve(made["record"]), "start", reason="go")
    finding = doc(
        atmp(
            "inspection", "finding", str(made["id"]), "--class", "major", "--description", "x", "--as", "rita", "--json"
        )
    )
    linked = doc(atmp("inspection", "capa", str(finding["id"]), make_capa().record_key, "--as", "rita", "--json"))
    assert linked["capa"]
    reported = doc(
        atmp(
            "inspection", "report", str(made["id"]), "--summary", "one major", "--reason", "r", "--as", "rita", "--json"
        )
    )
    assert reported["report_summary"] == "one major"
    assert [i["number"] for i in doc(atmp("inspection", "list", "--as", "rita", "--json"))["items"]] == ["SI-2026-0001"]


def test_a_link_to_what_is_not_a_capa_exits_2(qa_reviewer, site, capa_type):
    from atmp.quality.factories import make_inspection_finding

    finding = make_inspection_finding(actor=qa_reviewer)
    result = atmp("inspection", "capa", str(finding.pk), site.record_key, "--as", "rita")
    assert result.exit_code == 2 and "not a CAPA" in result.stderr
