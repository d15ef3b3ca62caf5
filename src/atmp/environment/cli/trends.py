"""`atmp environment trend`, `alerts`, `alert assess|show`, `trend-policy`, `summary` and `heat-map`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from atmp.cli.base import as_option, handled, json_option, otp_option, setup_django, your_password_file_option
from atmp.cli.output import emit
from atmp.environment.cli import environment
from atmp.trace.cli.common import READER, REASON, actor, reader, write


@environment.command("trend")
@click.argument("site")
@click.argument("room_code", metavar="ROOM")
@click.argument("point_code", metavar="POINT")
@click.option("--state", default="in_operation", show_default=True, help="at_rest or in_operation.")
@click.option("--svg", "svg_file", type=click.Path(dir_okay=False, path_type=Path), help="Write the chart here.")
@READER
@json_option
@handled
def trend(
    site: str, room_code: str, point_code: str, state: str, svg_file: Path | None, username: str | None, as_json: bool
) -> None:
    """A point's control chart: values, centre, σ, alert and action limits, Nelson rule violations.

    \b
    Examples:
      atmp environment trend LEI FS-B B-AA1 --json
      atmp environment trend LEI FS-B B-AA1 --state at_rest --svg chart.svg
    """
    setup_django()
    from atmp.environment.api.trends import trend_svg
    from atmp.environment.selectors.trends import point_trend
    from atmp.environment.services.rooms import find_point, find_room

    found = point_trend(find_point(find_room(site, room_code, user=reader(username)), point_code), state)
    if svg_file is not None:
        svg_file.write_text(trend_svg(found), encoding="utf-8")
    emit(found.document(), as_json=as_json, text=_trend_text)


def _trend_text(d: dict[str, Any]) -> str:
    head = f"{d['site']}/{d['room']}/{d['point']} {d['type']} {d['state']}: {d['n']} results"
    if d["centre"] is None:
        return f"{head}; {d['note']}"
    lines = [f"{head}; centre {d['centre']:.4g}, σ {d['sigma']:.4g}, UCL {d['limits']['ucl']:.4g}"]
    lines += [f"  rule {v['rule']} at {v['taken_at']} ({v['record']})" for v in d["violations"]]
    return "\n".join(lines)


@environment.command("alerts")
@click.option("--open", "open_only", is_flag=True, help="Only the alerts waiting for QA's assessment.")
@click.option("--site", default="", help="One site's only.")
@READER
@json_option
@handled
def alerts(open_only: bool, site: str, username: str | None, as_json: bool) -> None:
    """List the QA trend alerts (repeated alert levels, Nelson rules), newest first."""
    setup_django()
    from atmp.accounts.services import find_site
    from atmp.environment.selectors.trends import alert_document, alerts_of

    rows = [
        alert_document(a)
        for a in alerts_of(reader(username), open_only=open_only, site=find_site(site) if site else None)
    ]
    emit(rows, as_json=as_json, text=lambda rs: "\n".join(_alert_text(r) for r in rs) or "no trend alerts")


def _alert_text(d: dict[str, Any]) -> str:
    return f"{d['id']} {d['status']} {d['site']}/{d['room']}/{d['point']}: {d['rule_label']} ({d['taken_at']})"


@environment.group("alert")
def alert() -> None:
    """QA trend alerts: show one, or assess it with your signature 'Reviewed'.

    \b
    Examples:
      atmp environment alert show 3 --json
      atmp environment alert assess 3 --reason "plates read late; retrained" --as rita
      atmp environment alert assess 3 --reason "see deviation" --deviation DEV-2026-0004 --as rita
    """


@alert.command("show")
@click.argument("alert_id", metavar="ID")
@READER
@json_option
@handled
def alert_show(alert_id: str, username: str | None, as_json: bool) -> None:
    """Show a QA trend alert."""
    setup_django()
    from atmp.environment.selectors.trends import alert_document, find_alert

    emit(alert_document(find_alert(alert_id, user=reader(username))), as_json=as_json, text=_alert_detail)


def _alert_detail(d: dict[str, Any]) -> str:
    lines = [_alert_text(d), f"  {d['detail']}"]
    if d["assessment"]:
        lines.append(f"  assessed: {d['assessment']}")
    lines += [f"  {k}: {d[k]}" for k in ("deviation", "capa") if d[k]]
    return "\n".join(lines)


@alert.command("assess")
@click.argument("alert_id", metavar="ID")
@click.option("--reason", required=True, help="Your assessment (kept on the alert and in the ledger).")
@click.option("--deviation", default="", help="A deviation's number to link.")
@click.option("--capa", default="", help="A CAPA's number to link.")
@click.option("--version", type=int, default=None, help="The version you saw; refused if it moved on.")
@as_option
@otp_option
@your_password_file_option
@json_option
@handled
def alert_assess(
    alert_id: str,
    reason: str,
    deviation: str,
    capa: str,
    version: int | None,
    username: str,
    otp: str | None,
    password_file: Path | None,
    as_json: bool,
) -> None:
    """Assess an open alert as QA, with your signature 'Reviewed' (your password is asked)."""
    setup_django()
    from atmp.cli.base import user_and_password
    from atmp.environment.selectors.trends import alert_document, find_alert
    from atmp.environment.services.alerts import assess_alert, numbered
    from atmp.quality.models.capa import Capa
    from atmp.quality.models.deviations import Deviation

    user, password = user_and_password(username, password_file)
    done = assess_alert(
        actor=user,
        alert=find_alert(alert_id, user=user),
        reason=reason,
        password=password,
        otp=otp,
        deviation=numbered(Deviation, deviation, field="deviation", user=user) if deviation else None,
        capa=numbered(Capa, capa, field="capa", user=user) if capa else None,
        version=version,
    )
    emit(alert_document(done), as_json=as_json, text=_alert_detail)


@environment.group("trend-policy")
def trend_policy() -> None:
    """The site's trend policy: the Nelson rules and repeated alert levels that raise QA alerts.

    \b
    Examples:
      atmp environment trend-policy show LEI --json
      atmp environment trend-policy set LEI --rules 1,2,3,4,5 --consecutive 2 --window-alerts 3 \\
          --window-days 30 --baseline 50 --as rita --reason "EM SOP-012 rev 3"
    """


@trend_policy.command("show")
@click.argument("site")
@json_option
@handled
def policy_show(site: str, as_json: bool) -> None:
    """Show the site's trend policy (its own, or atmp's defaults)."""
    setup_django()
    from atmp.accounts.services import find_site
    from atmp.environment.selectors.trends import policy_document

    emit(policy_document(find_site(site)), as_json=as_json, text=_policy_text)


def _policy_text(d: dict[str, Any]) -> str:
    return (
        f"{d['site']}{' (defaults)' if d['default'] else ''}: Nelson rules {','.join(map(str, d['rules'])) or 'none'}; "
        f"{d['consecutive_alerts']} alerts in a row; {d['window_alerts']} in {d['window_days']} days; "
        f"charts of the newest {d['baseline_results']} results"
    )


@trend_policy.command("set")
@click.argument("site")
@click.option("--rules", default=None, help="Nelson rules 1–8, e.g. 1,2,3,4 ('' for none).")
@click.option("--consecutive", "consecutive_alerts", default=None, help="Alert-level results in a row (0: off).")
@click.option("--window-alerts", default=None, help="Alert-level results within the window (0: off).")
@click.option("--window-days", default=None, help="The rolling window in days.")
@click.option("--baseline", "baseline_results", default=None, help="The newest results a chart is drawn from.")
@REASON
@write
@handled
def policy_set(site: str, reason: str, **values: Any) -> None:
    """Set the site's trend policy (QA: quality.decide); a change needs a reason."""
    setup_django()
    from atmp.accounts.services import find_site
    from atmp.environment.selectors.trends import policy_document
    from atmp.environment.services.alerts import set_policy

    auth = {k: values.pop(k) for k in ("username", "password_file", "otp", "as_json")}
    place = find_site(site)
    set_policy(actor=actor(auth), site=place, reason=reason, **values)
    emit(policy_document(place), as_json=auth["as_json"], text=_policy_text)


@environment.command("summary")
@click.argument("site")
@click.option("--month", required=True, help="YYYY-MM, the site's calendar month.")
@click.option("--room", "room_code", default="", help="One room's only.")
@click.option("--pdf", "pdf_file", type=click.Path(dir_okay=False, path_type=Path), help="Also print it as PDF/A here.")
@READER
@json_option
@handled
def summary(site: str, month: str, room_code: str, pdf_file: Path | None, username: str | None, as_json: bool) -> None:
    """A month's results per room and point type, and per point: within, alert, action.

    \b
    Examples:
      atmp environment summary LEI --month 2026-11 --json
      atmp environment summary LEI --month 2026-11 --pdf em-2026-11.pdf
    """
    setup_django()
    from atmp.accounts.services import find_site
    from atmp.environment.selectors.trends import monthly_summary
    from atmp.environment.services.rooms import find_room

    user = reader(username)
    place = find_site(site)
    room = find_room(place, room_code, user=user) if room_code else None
    document = monthly_summary(place, month, room=room)
    if pdf_file is not None:
        from atmp.environment.printed import summary_pdf

        pdf_file.write_bytes(summary_pdf(place, month, room=room, printed_by=username or "atmp"))
    emit(document, as_json=as_json, text=_summary_text)


def _summary_text(d: dict[str, Any]) -> str:
    t = d["totals"]
    lines = [
        f"{d['site']}{'/' + d['room'] if d['room'] else ''} {d['month']}: {t['results']} results, "
        f"{t['within']} within, {t['alert']} alert, {t['action']} action; {d['trend_alerts']} trend alerts"
    ]
    lines += [
        f"  {r['room']} {r['type']}: {r['results']} ({r['within']} / {r['alert']} / {r['action']})"
        for r in d["by_type"]
    ]
    return "\n".join(lines)


@environment.command("heat-map")
@click.argument("site")
@click.argument("room_code", metavar="ROOM")
@click.option("--month", required=True, help="The last month shown, YYYY-MM.")
@click.option("--months", default=12, show_default=True, type=click.IntRange(1, 36))
@click.option("--svg", "svg_file", type=click.Path(dir_okay=False, path_type=Path), help="Write the heat map here.")
@READER
@json_option
@handled
def heat_map(
    site: str, room_code: str, month: str, months: int, svg_file: Path | None, username: str | None, as_json: bool
) -> None:
    """A room's alert and action counts per sample point and month."""
    setup_django()
    from atmp.environment.api.trends import heat_svg
    from atmp.environment.selectors.trends import heat_map as heat
    from atmp.environment.services.rooms import find_room

    document = heat(find_room(site, room_code, user=reader(username)), month=month, months=months)
    if svg_file is not None:
        svg_file.write_text(heat_svg(document), encoding="utf-8")
    emit(
        document,
        as_json=as_json,
        text=lambda d: f"{d['site']}/{d['room']}: {len(d['points'])} points × {len(d['months'])} months",
    )
