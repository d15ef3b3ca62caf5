"""My work: assigned records, a role's records, signatures waiting, overdue first; the page, the API and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.testing import PASSWORD, ApiClient, make_sample_case, make_user, token_for
from atmp.web.tests.conftest import signed_in
from atmp.workflow import engine
from atmp.workflow.work import overdue, work_for

pytestmark = pytest.mark.django_db


def kinds(user):
    return [(i.kind, i.record, i.overdue) for i in work_for(user)]


def test_it_lists_what_is_assigned_to_a_person_and_to_their_role(case, author, operator):
    engine.assign(author, case, reason="investigate", assignee=operator, due_date=dt.date(2020, 1, 1))
    other = make_sample_case(actor=author)
    engine.assign(author, other, reason="any operator", role="operator")
    assert kinds(operator) == [("assigned", case.record_key, True), ("role", other.record_key, False)]


def test_a_long_list_keeps_the_most_urgent_and_loads_only_those(author, operator, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from atmp.workflow import work

    cases = [make_sample_case(actor=author) for _ in range(4)]
    for n, due in enumerate([dt.date(2030, 1, 1), dt.date(2020, 1, 2), None, dt.date(2020, 1, 1)]):
        engine.assign(author, cases[n], reason="r", assignee=operator, due_date=due)
    monkeypatch.setattr(work, "MAX_ITEMS", 2)
    assert kinds(operator) == [("assigned", cases[3].record_key, True), ("assigned", cases[1].record_key, True)]
    with CaptureQueriesContext(connection) as captured:
        work_for(operator)
    loaded = [q["sql"] for q in captured.captured_queries if '"summary"' in q["sql"]]
    assert len(loaded) == 1  # one query loads the records shown, and only those
    assert set(re.findall(r"\d+", loaded[0].split(" IN ")[-1])) == {str(cases[3].pk), str(cases[1].pk)}


def test_it_lists_signatures_the_user_may_give_but_not_on_their_own_work(in_review, author, qa_approver):
    assert ("signature", in_review.record_key, False) in kinds(qa_approver)
    assert ("signature", in_review.record_key, False) not in kinds(author)


def test_finished_records_are_not_work(in_review, author, qa_approver):
    engine.assign(author, in_review, reason="r", assignee=qa_approver, due_date=dt.date(2020, 1, 1))
    engine.transition(qa_approver, in_review, "approve", reason="ok", password=PASSWORD)
    engine.transition(qa_approver, in_review, "close", reason="done")
    assert kinds(qa_approver) == []
    assert overdue() == []


def test_the_page_the_api_and_the_cli_show_it(case, author, operator):
    engine.assign(author, case, reason="investigate", assignee=operator, due_date=dt.date(2020, 1, 1))
    page = signed_in(operator).get("/workflow/work/").content.decode()
    assert case.record_key in page and "1 overdue" in page
    api = ApiClient(token_for(operator)).get("/work").json()
    assert [(i["record"], i["overdue"]) for i in api["items"]] == [(case.record_key, True)]
    result = CliRunner().invoke(main, ["work", "--user", operator.username, "--json"], catch_exceptions=False)
    assert json.loads(result.stdout)["items"][0]["record"] == case.record_key
    bad = CliRunner().invoke(main, ["work", "--user", operator.username, "--on", "soon"])
    assert bad.exit_code == 2 and "not a date" in bad.stderr


def test_tick_reminds_the_owner_once_a_day(case, author, django_capture_on_commit_callbacks):
    from django.core import mail

    from atmp.ledger import witness

    owner = make_user("operator", username="owen", password=PASSWORD)
    engine.assign(author, case, reason="investigate", assignee=owner, due_date=dt.date(2020, 1, 1))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first = witness.tick()
        second = witness.tick()
    assert first.tasks["workflow.reminders"] == {"overdue": 1, "reminded": 1}
    assert second.tasks["workflow.reminders"] == {"overdue": 1, "reminded": 0}
    assert [m.to for m in mail.outbox] == [["owen@example.org"]]


def test_an_items_link_is_its_records_page(in_review, qa_approver):
    from django.urls import reverse

    item = next(i for i in work_for(qa_approver) if i.record == in_review.record_key)
    assert item.url == reverse("web:record", args=[in_review.record_type(), str(in_review.pk)])
