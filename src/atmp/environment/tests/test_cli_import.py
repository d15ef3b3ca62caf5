"""`atmp environment …`: rooms, points, limits, results and the CSV import (all or nothing, the file
kept with its hash, a bad line named by its number and field, exit 2)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.environment import factories as f
from atmp.environment.models import Result
from atmp.files.models import StoredFile
from atmp.ledger import clock
from atmp.ledger.models import AuditEntry
from atmp.quality.models.deviations import Deviation
from atmp.testing import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def atmp(*args: str):
    return CliRunner().invoke(main, ["environment", *args], env={"ATMP_PASSWORD": PASSWORD}, catch_exceptions=False)


def doc(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_limits_json_is_the_issues_shape():
    table = doc(atmp("limits", "--json"))
    assert table["particles"]["A"]["in_operation"] == {"0.5": 3520, "5.0": 29}
    assert table["particles"]["D"]["in_operation"] == {"0.5": None, "5.0": None}
    assert table["viable"]["B"] == {"air": 10, "settle": 5, "contact": 5, "glove": 5}
    assert table["viable"]["D"]["glove"] is None


def test_qa_sets_up_a_room_and_a_point_and_an_operator_records_a_result():
    qa = make_user("qa_reviewer", password=PASSWORD)
    operator = make_user("operator", password=PASSWORD)
    site = f.make_room(actor=qa).site
    made = doc(
        atmp(
            "room",
            "add",
            site.code,
            "CR-9",
            "--name",
            "Fill suite",
            "--grade",
            "A",
            "--bsl",
            "2",
            "--as",
            qa.username,
            "--json",
        )
    )
    assert (made["grade"], made["status"]) == ("A", "in_use")
    doc(atmp("point", "add", site.code, "CR-9", "G1", "--type", "glove_print", "--as", qa.username, "--json"))
    taken = (clock.now() - dt.timedelta(minutes=3)).isoformat()
    judged = doc(
        atmp(
            "result",
            "add",
            site.code,
            "CR-9",
            "G1",
            "--value",
            "1",
            "--state",
            "in_operation",
            "--taken-at",
            taken,
            "--batch",
            "B-7",
            "--as",
            operator.username,
            "--json",
        )
    )
    assert judged["level"] == "action" and len(judged["deviations"]) == 1
    shown = doc(atmp("room", "show", site.code, "CR-9", "--json"))
    assert [r["level"] for r in shown["results"]] == ["action"] and shown["results"][0]["deviations"]
    refused = atmp(
        "result",
        "add",
        site.code,
        "CR-9",
        "G1",
        "--value",
        "x",
        "--state",
        "in_operation",
        "--taken-at",
        taken,
        "--as",
        operator.username,
    )
    assert refused.exit_code == 2 and "value" in refused.output and "Traceback" not in refused.output


def test_an_operator_may_not_add_a_room():
    operator = make_user("operator", password=PASSWORD)
    site = f.make_room().site
    refused = atmp("room", "add", site.code, "CR-8", "--name", "X", "--grade", "B", "--as", operator.username)
    assert refused.exit_code != 0 and "quality.decide" in refused.output


def _csv(room, lines):
    head = "room,point,taken_at,state,value,unit,operator,batch\n"
    return head + "".join(lines)


@pytest.fixture
def setup_(tmp_path):
    qa = make_user("qa_reviewer", password=PASSWORD)
    operator = make_user("operator", password=PASSWORD)
    room = f.make_room(actor=qa, grade="B")
    f.make_point(actor=qa, room=room, code="SP1", type="settle_plate")
    f.make_point(actor=qa, room=room, code="PC1", type="particles_0_5")
    f.make_alert_limit(actor=qa, site=room.site, grade="B", type="settle_plate", value=2)
    at = (clock.now() - dt.timedelta(hours=2)).isoformat()
    return tmp_path, operator, room, at


def test_import_writes_all_lines_keeps_the_file_and_opens_deviations(setup_):
    tmp_path, operator, room, at = setup_
    text = _csv(
        room,
        [
            f"{room.code},SP1,{at},in_operation,0,CFU/4h,{operator.username},B-1\n",
            f"{room.code},SP1,{at},in_operation,3,,{operator.username},B-1\n",
            f"{room.code},SP1,{at},in_operation,6,CFU/4h,{operator.username},\n",
            f"{room.code},PC1,{at},at_rest,3520,/m3,{operator.username},\n",
        ],
    )
    path = tmp_path / "em.csv"
    path.write_text(text, encoding="utf-8")
    dry = doc(atmp("import", str(path), "--site", room.site.code, "--dry-run", "--as", operator.username, "--json"))
    assert (dry["results"], dry["within"], dry["alert"], dry["action"], dry["file"]) == (4, 2, 1, 1, "")
    assert not Result.objects.exists()
    done = doc(atmp("import", str(path), "--site", room.site.code, "--as", operator.username, "--json"))
    assert done["file_sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert Result.objects.count() == 4 and len(done["deviations"]) == 1
    kept = StoredFile.objects.get(sha256=done["file_sha256"])
    assert set(Result.objects.values_list("source_file", flat=True)) == {kept.pk}
    assert Deviation.objects.get(number=done["deviations"][0]).site_id == room.site_id


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ("{room},SP1,{at},in_operation,-1,,{op},", "value"),
        ("{room},SP1,{at},sometimes,1,,{op},", "state"),
        ("{room},SP1,yesterday,in_operation,1,,{op},", "taken_at"),
        ("{room},SP1,{at},in_operation,1,/ft3,{op},", "unit"),
        ("{room},NOPE,{at},in_operation,1,,{op},", "point"),
        ("NOPE,SP1,{at},in_operation,1,,{op},", "room"),
        ("{room},SP1,{at},in_operation,1,,nobody,", "operator"),
        ("{room},SP1,{at},in_operation,,,{op},", "value"),
    ],
)
def test_a_bad_line_refuses_the_whole_file_naming_line_and_field(setup_, bad, field):
    tmp_path, operator, room, at = setup_
    good = f"{room.code},SP1,{at},in_operation,9,,{operator.username},\n"
    path = tmp_path / "bad.csv"
    path.write_text(_csv(room, [good, bad.format(room=room.code, at=at, op=operator.username) + "\n"]))
    before = AuditEntry.objects.count()
    refused = atmp("import", str(path), "--site", room.site.code, "--as", operator.username)
    assert refused.exit_code == 2, refused.output
    assert f"{field}: line 3" in refused.output and "Traceback" not in refused.output
    assert not Result.objects.exists() and not Deviation.objects.exists()
    assert not StoredFile.objects.filter(name="bad.csv").exists()
    assert AuditEntry.objects.filter(record_type="environment.result").count() == 0
    assert AuditEntry.objects.count() - before <= 1  # at most the refusal itself (ADR 0007)


def test_a_file_without_the_columns_is_refused(setup_):
    tmp_path, operator, room, _ = setup_
    path = tmp_path / "x.csv"
    path.write_text("room,value\nA,1\n")
    refused = atmp("import", str(path), "--site", room.site.code, "--as", operator.username)
    assert refused.exit_code == 2 and "line 1" in refused.output and "point" in refused.output


def test_qa_changes_a_room_with_a_reason():
    qa = make_user("qa_reviewer", password=PASSWORD)
    room = f.make_room(actor=qa, grade="B")
    changed = doc(
        atmp(
            "room",
            "change",
            room.site.code,
            room.code,
            "--grade",
            "c",
            "--reason",
            "downgraded",
            "--as",
            qa.username,
            "--json",
        )
    )
    assert (changed["grade"], changed["version"]) == ("C", 2)
    refused = atmp("room", "change", room.site.code, room.code, "--bsl", "5", "--reason", "x", "--as", qa.username)
    assert refused.exit_code == 2 and "biosafety_level" in refused.output


def test_the_bulk_import_writes_what_one_by_one_saves_would_and_the_ledger_verifies(setup_):
    """Results within and at alert level go in bulk, the action-level one with its deviation; every time
    given with its zone is kept as the same instant; columns in any order, blank lines skipped."""
    from atmp.environment.services.imports import import_results
    from atmp.ledger import verify

    _tmp, operator, room, _at = setup_
    local = (clock.now() - dt.timedelta(hours=3)).astimezone(dt.timezone(dt.timedelta(hours=1)))
    text = (
        "operator,value,state,taken_at,point,room\n"
        f"{operator.username},0,in_operation,{local.isoformat()},SP1,{room.code}\n"
        "\n"
        f"{operator.username},3,in_operation,{local.isoformat()},SP1,{room.code}\n"
        f"{operator.username},7,in_operation,{local.isoformat()},SP1,{room.code}\n"
        f"{operator.username},1200,at_rest,{local.isoformat()},PC1,{room.code}\n"
    )
    before = AuditEntry.objects.count()
    report = import_results(actor=operator, site=room.site, stream=io.BytesIO(text.encode()), name="em.csv")
    assert (report.lines, report.levels["within"], report.levels["alert"], report.levels["action"]) == (4, 2, 1, 1)
    stored = list(Result.objects.order_by("pk"))
    assert [r.value for r in stored] == [0, 3, 1200, 7]  # the bulk first, in the file's order; then the action one
    assert {r.taken_at for r in stored} == {local}  # the same instant, whatever the zone it was given in
    assert all(r.source_file_id is not None and r.operator_id == operator.pk for r in stored)
    # One entry a result, the kept file's and the deviation's: nothing else.
    entries = AuditEntry.objects.filter(seq__gt=before)
    assert entries.filter(record_type="environment.result").count() == 4
    assert entries.filter(record_type="quality.deviation").exists()
    assert verify.run().ok


def test_a_line_the_csv_module_cannot_read_is_refused_naming_it(setup_):
    from atmp.accounts.errors import InvalidInput
    from atmp.environment.services.imports import import_results

    _tmp, operator, room, at = setup_
    huge = "x" * 200_000  # over the csv module's field size limit
    header = "room,point,taken_at,state,value,operator,batch\n"
    text = f"{header}{room.code},SP1,{at},in_operation,1,{operator.username},{huge}\n"
    with pytest.raises(InvalidInput, match="line 2"):
        import_results(actor=operator, site=room.site, stream=io.BytesIO(text.encode()), name="em.csv")
    assert not Result.objects.exists()
