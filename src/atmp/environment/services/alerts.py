"""QA trend alerts: raised in the same audited change as the results that complete a trend, and
assessed by QA with a signature; and the site's trend policy (which rules raise them).

A single result is evaluated as it is recorded; an import evaluates each sample point once, after
all its lines are written (a few queries per point, not per line). docs/environment.md, "Trends
and QA alerts", states the rules and the defaults.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import Site, User
from atmp.environment import trending
from atmp.environment.models import Result, SamplePoint, TrendAlert, TrendPolicy
from atmp.environment.selectors.trends import policy_from, policy_of
from atmp.ledger import writer
from atmp.ledger.errors import Conflict
from atmp.quality.models.capa import Capa
from atmp.quality.models.deviations import Deviation
from atmp.quality.services import edits
from atmp.workflow import engine
from atmp.workflow.links import link


def raise_alerts(ch: writer.Change, actor: User, results: Iterable[Result]) -> list[TrendAlert]:
    """Evaluate the points of the new (saved) results once each; raise the alerts they complete, in the change."""
    by_point: dict[int, list[Result]] = {}
    for result in results:
        by_point.setdefault(result.point_id, []).append(result)
    raised: list[TrendAlert] = []
    for new in by_point.values():
        point = new[0].point
        policy = policy_of(point.room.site_id)
        opened = set(TrendAlert.objects.filter(point=point, status="open", voided=False).values_list("state", "rule"))
        found = _repeated(point, new, policy)
        for state in sorted({r.state for r in new}):
            found += _nelson(point, state, [r for r in new if r.state == state], policy)
        for state, rule, result, detail in found:
            if (state, rule) in opened:
                continue  # the trend already waits for QA: one open alert covers it
            raised.append(_raise(ch, actor, point, state, rule, result, detail))
            opened.add((state, rule))
    return raised


def _series(point: SamplePoint, new: list[Result], *, state: str | None, before: int) -> list[tuple[Any, ...]]:
    """Return (pk, taken_at, value, level) of the point's results from the oldest new one on, and `before` before it."""
    rows = Result.objects.filter(point=point, voided=False)
    if state is not None:
        rows = rows.filter(state=state)
    oldest = min(new, key=lambda r: (r.taken_at, r.pk))
    fields = ("pk", "taken_at", "value", "level")
    later = rows.filter(taken_at__gte=oldest.taken_at).order_by("taken_at", "pk").values_list(*fields)
    # Results at the same instant as the oldest new one but written earlier are in `later`, ordered by pk.
    earlier = rows.filter(taken_at__lt=oldest.taken_at).order_by("-taken_at", "-pk").values_list(*fields)
    return [*reversed(earlier[:before]), *later] if before > 0 else list(later)


def _repeated(point: SamplePoint, new: list[Result], policy: trending.Policy) -> list[tuple[str, str, Result, str]]:
    if not any(r.level == trending.ALERT for r in new):
        return []
    rows = _series(point, new, state=None, before=max(policy.consecutive_alerts, policy.window_alerts, 1) * 4)
    # The window reaches back window_days: take what lies in it even beyond the count above.
    oldest = min(r.taken_at for r in new)
    since = oldest - dt.timedelta(days=policy.window_days)
    extra = (
        Result.objects.filter(point=point, voided=False, taken_at__gt=since, taken_at__lt=rows[0][1])
        .order_by("taken_at", "pk")
        .values_list("pk", "taken_at", "value", "level")
        if rows
        else []
    )
    rows = [*extra, *rows]
    by_pk = {r.pk: r for r in new}
    index = [i for i, row in enumerate(rows) if row[0] in by_pk]
    found = []
    for rule, i in trending.repeated([(row[1], row[3]) for row in rows], index, policy):
        result = by_pk[rows[i][0]]
        if rule == trending.CONSECUTIVE:
            detail = f"{policy.consecutive_alerts} alert-level results in a row at {point.room.code}/{point.code}"
        else:
            detail = (
                f"{policy.window_alerts} or more alert-level results within {policy.window_days} days at "
                f"{point.room.code}/{point.code}"
            )
        found.append(("", rule, result, f"{detail}, completed by {_result_text(result)}."))
    return found


def _nelson(
    point: SamplePoint, state: str, new: list[Result], policy: trending.Policy
) -> list[tuple[str, str, Result, str]]:
    if not policy.rules or not new:
        return []
    rows = _series(point, new, state=state, before=max(policy.baseline_results - len(new), 0))
    by_pk = {r.pk: r for r in new}
    index = [i for i, row in enumerate(rows) if row[0] in by_pk]
    drawn = trending.chart([float(row[2]) for row in rows], policy.rules)
    found = []
    for rule, i in trending.new_violations(drawn, index, policy.rules):
        result = by_pk[rows[i][0]]
        detail = (
            f"{trending.rule_label(trending.nelson(rule))}, completed by {_result_text(result)}; individuals chart "
            f"of {len(rows)} results {state.replace('_', ' ')}: centre {drawn.centre:.4g}, σ {drawn.sigma:.4g}."
        )
        found.append((state, trending.nelson(rule), result, detail))
    return found


def _result_text(result: Result) -> str:
    value = format(result.value.normalize(), "f")
    return f"{value} {result.unit} ({result.level}) taken {result.taken_at.isoformat()}, {result.record_key}"


def _raise(
    ch: writer.Change, actor: User, point: SamplePoint, state: str, rule: str, result: Result, detail: str
) -> TrendAlert:
    if TrendAlert.objects.filter(point=point, state=state, rule=rule, result=result).exists():
        raise Conflict(f"{result.record_key} already raised {rule} at {point.code}")  # never reached: opened covers it
    alert = TrendAlert(site_id=point.room.site_id, point=point, state=state, rule=rule, result=result, detail=detail)
    ch.save(alert)
    link(actor=actor, source=alert, target=result, relation="originates_from", reason=ch.reason)
    return alert


def assess_alert(
    *,
    actor: User,
    alert: TrendAlert,
    reason: str,
    password: str,
    otp: str | None = None,
    deviation: Deviation | None = None,
    capa: Capa | None = None,
    version: int | None = None,
) -> TrendAlert:
    """Assess an open alert as QA, signed 'Reviewed'; the reason is the assessment, a deviation or CAPA is linked."""
    text = edits.text(reason, "reason", required=True)
    for named, field in ((deviation, "deviation"), (capa, "capa")):
        if named is not None and named.voided:
            raise InvalidInput(field, f"{named.record_key} is voided")
        if named is not None and named.site_id != alert.site_id:
            raise InvalidInput(field, f"{named.number} is another site's")
    # Written by the signed transition itself (TrendAlert.system_fields): the signature binds them.
    alert.assessment, alert.deviation, alert.capa = text, deviation, capa
    try:
        engine.transition(actor, alert, "assess", reason=text, password=password, otp=otp, version=version)
    except BaseException:
        alert.refresh_from_db()
        raise
    return alert


def set_policy(*, actor: User, site: Site, reason: str = "", **values: Any) -> TrendPolicy:
    """Set the site's trend policy (new, or an audited change with a reason); refuse values outside their range."""
    edits.check_writer(actor, TrendPolicy, site=site)
    row = TrendPolicy.objects.filter(site=site, voided=False).first()
    current = trending.DEFAULT if row is None else policy_from(row)
    given = {k: v for k, v in values.items() if v is not None}
    unknown = set(given) - {"rules", "consecutive_alerts", "window_alerts", "window_days", "baseline_results"}
    if unknown:
        raise InvalidInput(sorted(unknown)[0], "is not a trend policy setting")
    rules = checked_rules(given["rules"]) if "rules" in given else current.rules
    fields = {
        "rules": ",".join(str(r) for r in rules),
        "consecutive_alerts": _whole(
            given.get("consecutive_alerts", current.consecutive_alerts), "consecutive_alerts", 0, 20
        ),
        "window_alerts": _whole(given.get("window_alerts", current.window_alerts), "window_alerts", 0, 50),
        "window_days": _whole(given.get("window_days", current.window_days), "window_days", 1, 366),
        "baseline_results": _whole(
            given.get("baseline_results", current.baseline_results), "baseline_results", 2, trending.MAX_BASELINE
        ),
    }
    if fields["consecutive_alerts"] == 1 or fields["window_alerts"] == 1:
        name = "consecutive_alerts" if fields["consecutive_alerts"] == 1 else "window_alerts"
        raise InvalidInput(name, "1 is not a repetition: give 2 or more, or 0 to turn it off")
    if row is None:
        made = TrendPolicy(site=site, **fields)
        with writer.change(actor=actor, reason=reason) as ch:
            ch.hold()
            if TrendPolicy.objects.filter(site=site, voided=False).exists():
                raise Conflict(f"site {site.code} already has a trend policy: change it")
            ch.save(made)
        return made
    edits.check_may_edit(actor, row, version=None)
    return edits.apply(actor=actor, record=row, values=fields, reason=reason)


def checked_rules(value: Any) -> tuple[int, ...]:
    """Return the Nelson rules named (e.g. '1,2,3,4', or '' for none), or refuse naming the field."""
    items = value if isinstance(value, list | tuple) else [v for v in str(value).replace(" ", "").split(",") if v]
    try:
        rules = tuple(sorted({int(v) for v in items}))
    except (TypeError, ValueError):
        raise InvalidInput("rules", f"{value!r}: give Nelson rule numbers 1–8, e.g. 1,2,3,4") from None
    if any(r not in range(1, 9) for r in rules):
        raise InvalidInput("rules", f"{value!r}: Nelson's rules are numbered 1 to 8")
    return rules


def _whole(value: Any, field: str, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidInput(field, f"{value!r} is not a whole number") from None
    if not low <= number <= high:
        raise InvalidInput(field, f"{number} is outside {low}–{high}")
    return number


def numbered(model: type[Deviation] | type[Capa], number: str, *, field: str, user: User | None = None) -> Any:
    """Return the deviation or CAPA of the number (one the user may see), or refuse naming the field."""
    from atmp.accounts.services import can_see

    found = model.objects.filter(number=str(number).strip()).first()
    if found is None or (user is not None and not can_see(user, found)):
        raise InvalidInput(field, f"there is no {field} {number!r}")
    return found
