"""QA trend alerts: raised in the same audited change as the result that completes a trend (a single
result or an import, evaluated once per point), once per trend, shown on QA's My work, and assessed
by QA with a signature; the site's policy decides which rules raise them."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.environment import factories as f
from atmp.environment.models import Result, TrendAlert, TrendPolicy
from atmp.environment.services import alerts as svc
from atmp.environment.services.imports import import_results
from atmp.environment.services.results import record_result
from atmp.ledger import clock
from atmp.ledger.errors import SignatureRefused
from atmp.ledger.models import AuditEntry, Signature
from atmp.quality import factories as qf
from atmp.testing import PASSWORD, make_user
from atmp.workflow.links import linked
from atmp.workflow.work import work_for

pytestmark = pytest.mark.django_db


def _at(days: float) -> dt.datetime:
    return clock.now() - dt.timedelta(days=days)


@pytest.fixture
def plate():
    point = f.make_point(type="settle_plate", grade="B")
    f.make_alert_limit(site=point.room.site, grade="B", type="settle_plate", value=3)
    return point


def _record(point, value, days, *, state="in_operation"):
    result, _ = record_result(actor=make_user("operator"), point=point, taken_at=_at(days), state=state, value=value)
    return result


def test_two_alert_level_results_in_a_row_raise_one_alert_in_the_results_change(plate):
    _record(plate, 4, 3)
    assert not TrendAlert.objects.exists()
    second = _record(plate, 4, 2)
    alert = TrendAlert.objects.get()
    assert (alert.rule, alert.state, alert.status, alert.result_id) == ("consecutive_alerts", "", "open", second.pk)
    assert "2 alert-level results in a row" in alert.detail
    created = AuditEntry.objects.get(record_type="environment.trendalert", record_id=str(alert.pk))
    saved = AuditEntry.objects.get(record_type="environment.result", record_id=str(second.pk))
    assert created.seq == saved.seq + 1  # written next, in the same change (atomicity: the test below)
    assert [r.pk for r in linked(alert, target_type="environment.result")] == [second.pk]


def test_the_same_trend_is_not_raised_again(plate):
    for days in (5, 4, 3, 2):
        _record(plate, 4, days)
    assert TrendAlert.objects.filter(rule="consecutive_alerts").count() == 1


def test_three_alerts_in_thirty_days_raise_their_own_alert(plate):
    _record(plate, 4, 20)
    _record(plate, 1, 19)
    _record(plate, 4, 10)
    _record(plate, 1, 9)
    assert not TrendAlert.objects.exists()
    _record(plate, 4, 1)
    assert list(TrendAlert.objects.values_list("rule", flat=True)) == ["alerts_in_window"]


def test_a_nelson_rule_raises_an_alert_for_the_state():
    point = f.make_point(type="particles_0_5", grade="C")
    for i in range(20):
        _record(point, (1000, 1100, 1050)[i % 3], 30 - i)  # no alternation (rule 4), no run
    _record(point, 9000, 1)
    alert = TrendAlert.objects.get()
    assert (alert.rule, alert.state) == ("nelson_1", "in_operation")
    assert "one point beyond 3σ" in alert.detail and "individuals chart of 21 results" in alert.detail
    _record(point, 1000, 0.5)
    assert TrendAlert.objects.count() == 1


def test_the_sites_policy_decides_which_rules_raise(plate):
    qa = make_user("qa_reviewer")
    svc.set_policy(actor=qa, site=plate.room.site, rules="", consecutive_alerts=0, window_alerts=0, reason="EM SOP 12")
    for days in (3, 2, 1):
        _record(plate, 4, days)
    assert not TrendAlert.objects.exists()
    policy = TrendPolicy.objects.get()
    svc.set_policy(actor=qa, site=plate.room.site, rules="1,2", reason="EM SOP 12 rev 2")
    policy.refresh_from_db()
    assert (policy.rules, policy.version) == ("1,2", 2)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"rules": "9"}, "rules"),
        ({"rules": "one"}, "rules"),
        ({"consecutive_alerts": 1}, "consecutive_alerts"),
        ({"window_days": 0}, "window_days"),
        ({"baseline_results": 1}, "baseline_results"),
    ],
)
def test_a_policy_outside_its_range_is_refused_and_nothing_written(values, field):
    site = f.make_room().site
    with pytest.raises(InvalidInput) as refused:
        svc.set_policy(actor=make_user("qa_reviewer"), site=site, **values)
    assert refused.value.field == field and not TrendPolicy.objects.exists()


def test_an_operator_does_not_set_the_policy():
    with pytest.raises(NotAllowed):
        svc.set_policy(actor=make_user("operator"), site=f.make_room().site, rules="1")


def test_if_the_alert_cannot_be_raised_the_result_is_not_written_either(plate, monkeypatch):
    _record(plate, 4, 3)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(svc, "_raise", broken)
    with pytest.raises(RuntimeError):
        _record(plate, 4, 2)
    assert Result.objects.count() == 1 and not TrendAlert.objects.exists()


def test_an_import_raises_each_trend_once_and_names_it(plate):
    operator = make_user("operator")
    lines = ["room,point,taken_at,state,value,unit,operator,batch"]
    for i, value in enumerate([4, 4, 4, 1, 4, 4]):
        lines.append(
            f"{plate.room.code},{plate.code},{_at(10 - i).isoformat()},in_operation,{value},,{operator.username},"
        )
    report = import_results(
        actor=operator, site=plate.room.site, stream=io.BytesIO("\n".join(lines).encode()), name="em.csv"
    )
    alerts = list(TrendAlert.objects.order_by("pk"))
    assert [a.rule for a in alerts] == ["consecutive_alerts", "alerts_in_window"]
    assert report.document()["trend_alerts"] == [a.record_key for a in alerts]


def test_qa_assesses_an_alert_with_a_signature_and_links_a_deviation(plate):
    alert = f.make_trend_alert(point=plate)
    qa = make_user("qa_reviewer", password=PASSWORD)
    deviation = qf.make_deviation(actor=qa, site=plate.room.site)
    svc.assess_alert(
        actor=qa, alert=alert, reason="plates handled late; retrained", password=PASSWORD, deviation=deviation
    )
    alert.refresh_from_db()
    assert (alert.status, alert.assessment) == ("assessed", "plates handled late; retrained")
    signature = Signature.objects.get(record_type="environment.trendalert", record_id=str(alert.pk))
    assert (signature.meaning, signature.record_version) == ("reviewed", alert.version)
    assert alert.deviation_id == deviation.pk
    assert [d.pk for d in linked(alert, target_type="quality.deviation")] == [deviation.pk]


def test_an_operator_cannot_assess_and_a_wrong_password_writes_nothing(plate):
    alert = f.make_trend_alert(point=plate)
    with pytest.raises(NotAllowed):
        svc.assess_alert(actor=make_user("operator", password=PASSWORD), alert=alert, reason="fine", password=PASSWORD)
    with pytest.raises(SignatureRefused):
        svc.assess_alert(actor=make_user("qa_reviewer", password=PASSWORD), alert=alert, reason="ok", password="wrong")
    alert.refresh_from_db()
    assert (alert.status, alert.assessment, alert.version) == ("open", "", 1)
    with pytest.raises(InvalidInput, match="^reason"):
        svc.assess_alert(actor=make_user("qa_reviewer", password=PASSWORD), alert=alert, reason=" ", password=PASSWORD)


def test_an_open_alert_waits_on_my_work_for_qa_of_its_site_only(plate):
    alert = f.make_trend_alert(point=plate)
    here = make_user("qa_reviewer", site=plate.room.site)
    elsewhere = make_user("qa_reviewer", site=f.make_room().site)
    assert alert.record_key in [i.record for i in work_for(here)]
    assert alert.record_key not in [i.record for i in work_for(elsewhere)]
    assert alert.record_key not in [i.record for i in work_for(make_user("operator", site=plate.room.site))]
