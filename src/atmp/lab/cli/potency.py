"""`atmp lab potency …`: a potency method's run validity criteria, assay runs (add, evaluate, review, show,
list) and a batch's reportable potency combining valid reviewed runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from atmp.cli.base import as_option, handled, json_option, otp_option, setup_django, user_and_password
from atmp.cli.base import your_password_file_option as PASSWORD_FILE
from atmp.cli.output import emit
from atmp.lab.cli import lab
from atmp.trace.cli.common import REASON, actor, reader, write


def _run_text(d: dict[str, Any]) -> str:
    lines = [
        f"{d['number']} {d['method']} ({d['status']}): {d['model']}, transform {d['transform']}, "
        f"run {d['run_date']} at {d['site']}; batch {d['batch'] or '—'}",
        f"reference lot {d['reference_lot']}; reagent lots {', '.join(d['reagent_lots']) or '—'}; "
        f"plate {d['plate_file']['name']} ({d['wells']} wells, sha256 {d['plate_file']['sha256'][:12]}…)",
    ]
    results = d["results"]
    if results:
        lines.append(
            f"potency {float(results['potency']):.4g} (95 % {_limit(results['lower'])}–{_limit(results['upper'])}); "
            f"{'valid' if results['valid'] else 'INVALID: failed ' + ', '.join(results['failed'])}"
        )
        for c in results["criteria"]:
            lines.append(f"  {c['criterion']}: {'pass' if c['passed'] else 'FAIL'} ({c['limit']}; {c['source']})")
    lines.append("usable for release" if d["usable_for_release"] else f"not usable for release: {d['refusal']}")
    return "\n".join(lines)


def _limit(value: str | None) -> str:
    return "—" if value is None else f"{float(value):.4g}"


def _result_text(d: dict[str, Any]) -> str:
    r = d["results"]
    return (
        f"{d['number']}: batch {d['batch']}, {d['method']}: potency {float(r['potency']):.4g} "
        f"(95 % {_limit(r['lower'])}–{_limit(r['upper'])}), {r['method']} of {', '.join(d['runs'])}"
    )


def _run(key: str, user: Any) -> Any:
    from atmp.lab.services.potency import find_run

    return find_run(key, user=user)


@lab.group("potency")
def potency() -> None:
    """Potency assay runs (USP <1032>/<1034>, Ph. Eur. 5.3): criteria, runs, reportable potency.

    \b
    Examples:
      atmp lab potency criteria QC-POT-01 --max-ci-ratio 2 --reference-low 1.2 --reference-high 1.8 --as rita
      atmp lab potency run add --site LEI --method QC-POT-01 --date 2026-12-01 --reference-lot RS-001 \\
          --reagent-lot CR-001 --plate plate.csv --model four_pl --batch AAV9-SMN-2026-001 --as rita
      atmp lab potency run evaluate PR-2026-0001 --as rita
      atmp lab potency run review PR-2026-0001 --reason "checked" --as alex
      atmp lab potency run show PR-2026-0001 --as rita --json
      atmp lab potency combine --batch AAV9-SMN-2026-001 --run PR-2026-0001 --run PR-2026-0002 --as rita
    """


@potency.command("criteria")
@click.argument("method")
@click.option("--reference-low", default=None, help="Lowest mean response of the standard's top dose.")
@click.option("--reference-high", default=None, help="Highest mean response of the standard's top dose.")
@click.option("--linearity/--no-linearity", "require_linearity", default=True, help="PLA: test non-linearity.")
@click.option("--max-ci-ratio", default=None, help="Upper/lower 95 % limit ratio at most this.")
@click.option("--slope-ratio-low", default=None, help="4PL: lower equivalence margin of the slope ratio.")
@click.option("--slope-ratio-high", default=None, help="4PL: upper equivalence margin of the slope ratio.")
@click.option("--asymptote-margin", default=None, help="4PL: equivalence margin of the asymptote differences.")
@click.option("--note", default="")
@REASON
@write
@handled
def criteria(method: str, require_linearity: bool, note: str, reason: str, **values: Any) -> None:
    """Declare or change a potency method's run validity criteria."""
    setup_django()
    from atmp.lab.api.potency import criteria_document
    from atmp.lab.services.methods import find_method
    from atmp.lab.services.potency import set_criteria

    auth = {k: values.pop(k) for k in ("username", "password_file", "otp", "as_json")}
    made = set_criteria(
        actor=actor(auth),
        method=find_method(method),
        require_linearity=require_linearity,
        note=note,
        reason=reason,
        **values,
    )
    emit(criteria_document(made), as_json=auth["as_json"], text=lambda d: f"{d['method']}: {d['criteria']}")


@potency.group("run")
def run() -> None:
    """Assay runs: add (with the plate CSV), evaluate, review, show, list."""


@run.command("add")
@click.option("--site", required=True, help="The site's code.")
@click.option("--method", required=True, help="The potency method's code.")
@click.option("--date", "run_date", required=True, help="The run date, YYYY-MM-DD.")
@click.option("--reference-lot", required=True, help="The reference standard lot's number.")
@click.option("--reagent-lot", "reagent_lots", multiple=True, help="A critical reagent lot's number (repeat).")
@click.option(
    "--plate",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV with the header well,preparation,dose,response.",
)
@click.option("--standard", default="S", help="The standard's label in the plate.")
@click.option("--test", default="T", help="The test preparation's label in the plate.")
@click.option("--model", default="parallel_line", help="parallel_line or four_pl.")
@click.option("--transform", default="none", help="none, ln, log10, sqrt or square.")
@click.option("--batch", default="", help="The batch the test preparation measures.")
@click.option("--note", default="")
@REASON
@write
@handled
def add(plate: Path, batch: str, reason: str, **values: Any) -> None:
    """Record an assay run as its analyst (refused, exit 2, naming the lot, plate line or field)."""
    setup_django()
    from atmp.accounts import services as accounts
    from atmp.lab.api.potency import run_document
    from atmp.lab.services.methods import find_method
    from atmp.lab.services.potency import add_run
    from atmp.manufacturing.services.batches import find_batch

    auth = {k: values.pop(k) for k in ("username", "password_file", "otp", "as_json")}
    user = actor(auth)
    with plate.open("rb") as stream:
        made = add_run(
            actor=user,
            site=accounts.find_site(values.pop("site")),
            method=find_method(values.pop("method")),
            batch=find_batch(batch, user=user) if batch.strip() else None,
            plate=stream,
            plate_name=plate.name,
            reason=reason,
            **values,
        )
    emit(run_document(made), as_json=auth["as_json"], text=_run_text)


@run.command("evaluate")
@click.argument("number")
@REASON
@write
@handled
def evaluate(number: str, reason: str, **auth: Any) -> None:
    """Compute the run (atmp.stats) and judge it against its method's criteria; frozen, valid or invalid."""
    setup_django()
    from atmp.lab.api.potency import run_document
    from atmp.lab.services.potency import evaluate as do

    user = actor(auth)
    record = _run(number, user)
    do(actor=user, run=record, reason=reason)
    emit(run_document(record), as_json=auth["as_json"], text=_run_text)


@run.command("review")
@click.argument("number")
@as_option
@click.option("--reason", required=True, help="Why it is reviewed (recorded in the ledger).")
@otp_option
@PASSWORD_FILE
@json_option
@handled
def review(number: str, username: str, reason: str, otp: str | None, password_file: Path | None, as_json: bool) -> None:
    """Sign an evaluated run 'reviewed' (a second person, not the analyst)."""
    setup_django()
    from atmp.lab.api.potency import run_document
    from atmp.lab.services.potency import review as do

    user, password = user_and_password(username, password_file)
    record = _run(number, user)
    do(actor=user, run=record, password=password, otp=otp, reason=reason)
    emit(run_document(record), as_json=as_json, text=_run_text)


@run.command("show")
@click.argument("number")
@as_option
@json_option
@handled
def show(number: str, username: str, as_json: bool) -> None:
    """Show a run: lots, plate, frozen outcome, verdicts, whether it may be used for release."""
    setup_django()
    from atmp.lab.api.potency import run_document

    emit(run_document(_run(number, reader(username))), as_json=as_json, text=_run_text)


@run.command("list")
@as_option
@click.option("--batch", default="", help="Only the runs of this batch.")
@click.option("--limit", type=click.IntRange(1, 500), default=500)
@json_option
@handled
def list_runs(username: str, batch: str, limit: int, as_json: bool) -> None:
    """List the potency runs of your sites, newest first."""
    setup_django()
    from atmp.accounts.visibility import visible_records
    from atmp.lab.api.potency import run_document
    from atmp.lab.models import PotencyRun

    rows = visible_records(reader(username), PotencyRun.objects.filter(voided=False))
    if batch.strip():
        rows = rows.filter(batch__number=batch.strip())
    items = [run_document(r) for r in rows.order_by("-number")[:limit]]

    def text(d: dict[str, Any]) -> str:
        out = [
            f"{i['number']}  {i['method']}  {i['batch'] or '—'}  {i['status']}  valid={i['valid']}" for i in d["items"]
        ]
        return "\n".join(out) or "none"

    emit({"items": items}, as_json=as_json, text=text)


@potency.command("combine")
@click.option("--batch", required=True, help="The batch's number.")
@click.option("--run", "runs", multiple=True, required=True, help="A valid reviewed run's number (repeat).")
@click.option("--note", default="")
@REASON
@write
@handled
def combine(batch: str, runs: tuple[str, ...], note: str, reason: str, **auth: Any) -> None:
    """Record a batch's reportable potency from valid reviewed runs (an invalid run is refused, exit 2)."""
    setup_django()
    from atmp.lab.api.potency import result_document
    from atmp.lab.services.potency import combine as do
    from atmp.lab.services.potency import find_run
    from atmp.manufacturing.services.batches import find_batch

    user = actor(auth)
    chosen = [find_run(n, user=user, field="run") for n in runs]
    made = do(actor=user, batch=find_batch(batch, user=user), runs=chosen, note=note, reason=reason)
    emit(result_document(made), as_json=auth["as_json"], text=_result_text)
