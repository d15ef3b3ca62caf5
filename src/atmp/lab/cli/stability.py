"""`atmp lab stability …`: stability studies (ICH Q1E): protocol, batches, pulls, results, the estimate."""

from __future__ import annotations

from typing import Any

import click

from atmp.cli.base import as_option, handled, json_option, setup_django
from atmp.cli.output import emit
from atmp.lab.cli import lab
from atmp.lab.cli.studies import list_command, signed_command
from atmp.trace.cli.common import REASON, actor, reader, write

CONDITIONS = "minus65 (-65 °C or colder), minus20, 5c (5 °C ± 3 °C), 25c60rh, 30c65rh, 40c75rh"


def _estimate_text(estimate: dict[str, Any], frozen: bool) -> list[str]:
    lines = [f"estimate ({'frozen by the signed report' if frozen else 'computed now'}): {estimate['rule']}"]
    for e in estimate["entries"]:
        why = f" ({e['refusal']})" if e["refusal"] else ""
        model = f", model {e['model']}" if e["model"] else ""
        lines.append(
            f"  {e['condition_label']} {e['attribute']} [{e['limit']}]: {e['shelf_life_text']}{model}, n={e['n']}{why}"
        )
    for c in estimate["conditions"]:
        if c["months"] is not None:
            lines.append(f"  shelf life at {c['condition']}: {c['text']}")
    return lines


def _study_text(d: dict[str, Any]) -> str:
    lines = [
        f"{d['number']} {d['title']} ({d['status']}): {d['product']} at {d['site']}, {d['specification']}; "
        f"pull window ± {d['window_days']} days"
    ]
    for c in d["conditions"]:
        lines.append(f"condition {c['label']} ({c['kind']}): months {', '.join(map(str, c['time_points']))}")
    for a in d["attributes"]:
        lines.append(f"attribute {a['attribute']}: limit {a['limit']} {a['unit']}".rstrip())
    for b in d["batches"]:
        lines.append(f"batch {b['batch']} placed {b['placed_on']}")
    lines.append(f"{len(d['pulls'])} pulls; `atmp lab stability schedule {d['number']}` lists them")
    return "\n".join(lines + _estimate_text(d["estimate"], d["estimate_frozen"]))


def _schedule_text(d: dict[str, Any]) -> str:
    rows = [
        f"{p['id']:>6}  {p['due_on']}  {p['batch']}  {p['condition']}  {p['months']:>3} m  {p['state']}"
        + (" out of window" if p["out_of_window"] else "")
        + (f" ({p['deviation']})" if p["deviation"] else "")
        + (
            f"  {p['sample']}: " + "; ".join(f"{r['attribute']} {r['reported']}" for r in p["results"])
            if p["sample"]
            else ""
        )
        for p in d["pulls"]
    ]
    return "\n".join(rows) or "no pulls: place a batch on the study"


def _pull_text(d: dict[str, Any]) -> str:
    flag = " OUT OF WINDOW" if d["out_of_window"] else ""
    sample = f", {d['sample']}" if d["sample"] else ""
    deviation = f"; deviation {d['deviation']}" if d["deviation"] else ""
    return f"pull {d['id']}: {d['state']}{sample} (window {d['window'][0]} to {d['window'][1]}){flag}{deviation}"


def _study(key: str, user: Any) -> Any:
    from atmp.lab.services.stability.records import find_study

    return find_study(key, user=user)


def _pull(key: str, user: Any) -> Any:
    from atmp.lab.services.stability.records import find_pull

    return find_pull(key, user=user)


@lab.group("stability")
def stability() -> None:
    """Stability studies (ICH Q1E): protocol, pulls, results and the shelf-life estimate.

    \b
    Examples:
      atmp lab stability add --site LEI --product AAV9-SMN --specification 2 --title "Long-term" --as rita
      atmp lab stability condition STAB-2026-0001 --condition minus65 --kind long_term \\
          --time-points 0,3,6,9,12,18 --as rita
      atmp lab stability attribute STAB-2026-0001 --attribute Potency --limit ">=70" --as rita
      atmp lab stability approve STAB-2026-0001 --reason "protocol approved" --as alex
      atmp lab stability place STAB-2026-0001 --batch B-2026-0001 --placed-on 2026-01-10 --as rita
      atmp workflow do lab.stabilitystudy:ID start --reason "batches placed" --as rita
      atmp lab stability schedule STAB-2026-0001 --as quentin
      atmp lab stability pull 17 --as quentin
      atmp lab stability result 17 --attribute Potency --value 98 --as quentin
      atmp lab stability estimate STAB-2026-0001 --json
      atmp lab stability sign STAB-2026-0001 --reason "report reviewed" --as alex
    """


@stability.command("add")
@click.option("--site", required=True, help="The site's code.")
@click.option("--product", "product_code", required=True, help="The product's code.")
@click.option("--specification", required=True, help="The approved specification's id.")
@click.option("--title", required=True)
@click.option("--window-days", default=None, help="Days either side of each pull's due date allowed (default 7).")
@REASON
@write
@handled
def add(
    site: str, product_code: str, specification: str, title: str, window_days: str | None, reason: str, **auth: Any
) -> None:
    """Open a stability study (a protocol draft, numbered STAB-YYYY-NNNN)."""
    setup_django()
    from atmp.accounts import services as accounts
    from atmp.lab.api.stability import study_document
    from atmp.lab.services.specifications import find_specification
    from atmp.lab.services.stability.protocol import add_study
    from atmp.manufacturing.services.products import find_product

    made = add_study(
        actor=actor(auth),
        site=accounts.find_site(site),
        product=find_product(product_code),
        specification=find_specification(specification),
        title=title,
        window_days=window_days,
        reason=reason,
    )
    emit(study_document(made), as_json=auth["as_json"], text=_study_text)


@stability.command("condition")
@click.argument("study")
@click.option("--condition", required=True, help=CONDITIONS + ".")
@click.option("--kind", required=True, help="long_term, intermediate, accelerated or stress.")
@click.option("--time-points", required=True, help="Months, ascending, e.g. 0,3,6,9,12,18.")
@REASON
@write
@handled
def condition(study: str, condition: str, kind: str, time_points: str, reason: str, **auth: Any) -> None:
    """Add a storage condition and its time points to a protocol draft."""
    setup_django()
    from atmp.lab.api.stability import study_document
    from atmp.lab.services.stability.protocol import add_condition

    user = actor(auth)
    record = _study(study, user)
    add_condition(actor=user, study=record, condition=condition, kind=kind, time_points=time_points, reason=reason)
    emit(study_document(record), as_json=auth["as_json"], text=_study_text)


@stability.command("attribute")
@click.argument("study")
@click.option("--attribute", required=True, help="An attribute of the study's specification (position or name).")
@click.option("--limit", default="", help="The shelf-life limit (e.g. >=70); default: the attribute's criterion.")
@REASON
@write
@handled
def attribute(study: str, attribute: str, limit: str, reason: str, **auth: Any) -> None:
    """Add an attribute tested at every pull to a protocol draft."""
    setup_django()
    from atmp.lab.api.stability import study_document
    from atmp.lab.services.stability.protocol import add_attribute

    user = actor(auth)
    record = _study(study, user)
    add_attribute(actor=user, study=record, attribute=attribute, limit=limit, reason=reason)
    emit(study_document(record), as_json=auth["as_json"], text=_study_text)


approve = signed_command(
    stability, "approve", "Approve the protocol with your signature 'approved' (QA; not its author).",
    find="atmp.lab.services.stability.records:find_study", service="atmp.lab.services.stability.protocol:approve",
    document="atmp.lab.api.stability:study_document", text=_study_text,
)  # fmt: skip
sign = signed_command(
    stability, "sign", "Sign the study report 'approved' (QA); the shelf-life estimate is frozen into it.",
    find="atmp.lab.services.stability.records:find_study", service="atmp.lab.services.stability.estimate:sign_report",
    document="atmp.lab.api.stability:study_document", text=_study_text,
)  # fmt: skip


@stability.command("place")
@click.argument("study")
@click.option("--batch", required=True, help="The batch's number.")
@click.option("--placed-on", default=None, help="YYYY-MM-DD (today if omitted); pulls fall due from it.")
@REASON
@write
@handled
def place(study: str, batch: str, placed_on: str | None, reason: str, **auth: Any) -> None:
    """Place a batch on an approved or running study: one pull per condition and time point is scheduled."""
    setup_django()
    from atmp.lab.api.stability import study_document
    from atmp.lab.services.stability.protocol import place as do
    from atmp.manufacturing.services.batches import find_batch

    user = actor(auth)
    record = _study(study, user)
    do(actor=user, study=record, batch=find_batch(batch, user=user), placed_on=placed_on, reason=reason)
    emit(study_document(record), as_json=auth["as_json"], text=_study_text)


@stability.command("pull")
@click.argument("pull")
@click.option("--quantity", default="1")
@click.option("--unit", default="mL")
@click.option("--location", default="QC stability store")
@click.option("--taken-at", default=None, help="ISO 8601 moment (now if omitted).")
@REASON
@write
@handled
def pull(pull: str, quantity: str, unit: str, location: str, taken_at: str | None, reason: str, **auth: Any) -> None:
    """Pull a scheduled time point (by the pull's id): its sample is registered; out of window, a deviation."""
    setup_django()
    from atmp.lab.api.stability import pull_document
    from atmp.lab.services.stability.pulls import pull_sample

    user = actor(auth)
    done = pull_sample(
        actor=user,
        pull=_pull(pull, user),
        quantity=quantity,
        unit=unit,
        location=location,
        taken_at=taken_at,
        reason=reason,
    )
    emit(pull_document(done), as_json=auth["as_json"], text=_pull_text)


@stability.command("miss")
@click.argument("pull")
@click.option("--reason", required=True, help="Why the pull was missed.")
@write
@handled
def miss(pull: str, reason: str, **auth: Any) -> None:
    """Record a scheduled pull as missed, with the reason: a deviation concerning it is opened."""
    setup_django()
    from atmp.lab.api.stability import pull_document
    from atmp.lab.services.stability.pulls import miss as do

    user = actor(auth)
    emit(
        pull_document(do(actor=user, pull=_pull(pull, user), reason=reason)),
        as_json=auth["as_json"],
        text=_pull_text,
    )


@stability.command("result")
@click.argument("pull")
@click.option("--attribute", required=True, help="A protocol attribute (position or name).")
@click.option("--value", required=True)
@click.option("--unit", default=None)
@click.option("--instrument", default=None, help="The instrument's equipment code.")
@click.option("--tested-on", default=None, help="YYYY-MM-DD (today if omitted).")
@REASON
@write
@handled
def result(
    pull: str, attribute: str, value: str, unit: str | None, instrument: str | None, tested_on: str | None,
    reason: str, **auth: Any,
) -> None:  # fmt: skip
    """Enter a result of a pulled sample (evaluated, reviewed and investigated as every lab result)."""
    setup_django()
    from atmp.lab.api.stability import pull_document
    from atmp.lab.services.stability.pulls import record

    user = actor(auth)
    row = _pull(pull, user)
    record(
        actor=user,
        pull=row,
        attribute=attribute,
        value=value,
        unit=unit,
        instrument=instrument,
        tested_on=tested_on,
        reason=reason,
    )
    emit(
        pull_document(row),
        as_json=auth["as_json"],
        text=lambda d: (
            f"pull {d['id']}: {d['state']}; " + "; ".join(f"{r['attribute']} {r['reported']}" for r in d["results"])
        ),
    )


@stability.command("show")
@click.argument("study")
@as_option
@json_option
@handled
def show(study: str, username: str, as_json: bool) -> None:
    """Show a study: protocol, batches, and the shelf-life estimate (frozen once the report is signed)."""
    setup_django()
    from atmp.lab.api.stability import study_document

    emit(study_document(_study(study, reader(username))), as_json=as_json, text=_study_text)


@stability.command("schedule")
@click.argument("study")
@as_option
@json_option
@handled
def schedule(study: str, username: str, as_json: bool) -> None:
    """List a study's pulls by due date: batch, condition, months, state, sample and results."""
    setup_django()
    from atmp.lab.api.stability import study_document

    doc = study_document(_study(study, reader(username)))
    emit({"number": doc["number"], "pulls": doc["pulls"]}, as_json=as_json, text=_schedule_text)


@stability.command("estimate")
@click.argument("study")
@as_option
@json_option
@handled
def estimate(study: str, username: str, as_json: bool) -> None:
    """Print the shelf-life estimate per condition and attribute (atmp.stats.shelf_life, ICH Q1E)."""
    setup_django()
    from atmp.lab.services.stability.estimate import estimate_of

    found, frozen = estimate_of(_study(study, reader(username)))
    emit({**found, "frozen": frozen}, as_json=as_json, text=lambda d: "\n".join(_estimate_text(d, frozen)))


list_studies = list_command(
    stability,
    selector="atmp.lab.selectors.stability:STABILITY_STUDIES",
    help_text="List the stability studies of your sites, newest first.",
    states="draft, approved, running, reported",
)
