"""`atmp lab evaluate|method|spec|phase …`: evaluation of a result, methods, specifications, a product's phase."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from atmp.cli.base import as_option, handled, json_option, otp_option, setup_django, user_and_password
from atmp.cli.base import your_password_file_option as PASSWORD_FILE
from atmp.cli.output import emit, fail
from atmp.lab.cli import lab
from atmp.trace.cli.common import REASON, actor, reader, write

PHASE_HELP = "i, ii, iii or commercial (I, III, 'Phase III' are read too)."


@lab.command("evaluate")
@click.option("--criterion", required=True, help="A-B, >=A, <=B, >A, <B, 'conforms' or 'report' (docs/lab.md).")
@click.option("--value", required=True, help="The observed value: decimal text, e.g. 97.96, 1.2E13, <0.5.")
@json_option
def evaluate(criterion: str, value: str, as_json: bool) -> None:
    """Judge a value against a criterion (USP 7.20 rounding); a malformed criterion or value exits 2 naming it.

    \b
    Examples:
      atmp lab evaluate --criterion 98.0-102.0 --value 97.96 --json   # {"conforms": true, "reported": "98.0"}
      atmp lab evaluate --criterion ">=1.0E12" --value 9.4E11          # does not conform: 9E11
    """
    from atmp.lab.criteria import CriterionError
    from atmp.lab.criteria import evaluate as judge

    try:
        out = judge(criterion, value)
    except CriterionError as exc:
        fail(str(exc))
    emit(
        dict(out),
        as_json=as_json,
        text=lambda d: f"{d['reported']}: {'conforms' if d['conforms'] else 'does not conform'}",
    )


# Methods


def _method_text(d: dict[str, Any]) -> str:
    lines = [f"{d['code']} {d['title']} (version {d['method_version']}, {d['method_type']}, id {d['id']})"]
    lines += [f"  SOP {d['sop']}"] if d["sop"] else []
    for v in d["validation"]:
        fit = "fit" if v["fit"] else f"NOT fit (needs {v['required']})"
        report = f", report {v['report_name']}" if v["report_name"] else ""
        lines.append(f"  phase {v['phase']:<10} {v['status']:<14} {fit}{report}")
    return "\n".join(lines)


@lab.group("method")
def method() -> None:
    """Analytical methods and their validation status per clinical phase.

    \b
    Examples:
      atmp lab method add --code QC-VG --title "Vector genome titre by ddPCR" --type quantity --as rita
      atmp lab method validate QC-VG --phase iii --status validated --report val.pdf --as rita
      atmp lab method show QC-VG --as rita --json
      atmp lab method list --as rita
    """


@method.command("add")
@click.option("--code", required=True)
@click.option("--title", required=True)
@click.option("--type", "method_type", required=True, help="identity, purity, potency, safety, quantity or general.")
@click.option("--method-version", "version", default="1", show_default=True, help="The procedure's own version.")
@click.option("--sop", default=None, help="The SOP's document number in quality's documents.")
@click.option("--description", default="")
@REASON
@write
@handled
def method_add(
    code: str, title: str, method_type: str, version: str, sop: str | None, description: str, reason: str, **auth: Any
) -> None:
    """Add an analytical method."""
    setup_django()
    from atmp.lab.selectors.lab import method_document
    from atmp.lab.services.methods import add_method

    made = add_method(
        actor=actor(auth), code=code, title=title, method_type=method_type, version=version, sop=sop,
        description=description, reason=reason,
    )  # fmt: skip
    emit(method_document(made), as_json=auth["as_json"], text=_method_text)


@method.command("validate")
@click.argument("code")
@click.option("--phase", required=True, help=PHASE_HELP)
@click.option("--status", required=True, help="not_validated, qualified or validated.")
@click.option("--report", "report_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The validation or qualification report (needed unless not_validated).")  # fmt: skip
@click.option("--done-on", default=None, help="The report's date (YYYY-MM-DD; default today).")
@click.option("--note", default="")
@REASON
@write
@handled
def method_validate(
    code: str,
    phase: str,
    status: str,
    report_path: Path | None,
    done_on: str | None,
    note: str,
    reason: str,
    **auth: Any,
) -> None:
    """Set a method's validation status for a phase, with its report (stored and hashed)."""
    setup_django()
    from atmp.lab.selectors.lab import method_document
    from atmp.lab.services.methods import find_method, set_validation

    user = actor(auth)
    found = find_method(code)
    if report_path is None:
        set_validation(actor=user, method=found, phase=phase, status=status, done_on=done_on, note=note, reason=reason)
    else:
        with report_path.open("rb") as stream:
            set_validation(
                actor=user, method=found, phase=phase, status=status, report=stream, report_name=report_path.name,
                done_on=done_on, note=note, reason=reason,
            )  # fmt: skip
    emit(method_document(found), as_json=auth["as_json"], text=_method_text)


@method.command("show")
@click.argument("code")
@as_option
@json_option
@handled
def method_show(code: str, username: str, as_json: bool) -> None:
    """Show a method with its validation status per phase and whether it is fit for each."""
    setup_django()
    from atmp.lab.selectors.lab import method_document
    from atmp.lab.services.methods import find_method

    reader(username)
    emit(method_document(find_method(code)), as_json=as_json, text=_method_text)


@method.command("list")
@as_option
@click.option("--type", "method_type", default=None, help="Only methods of this type.")
@click.option("--limit", type=click.IntRange(1, 500), default=500)
@json_option
@handled
def method_list(username: str, method_type: str | None, limit: int, as_json: bool) -> None:
    """List the methods with their validation status per phase."""
    setup_django()
    from atmp.lab.selectors.lab import METHODS
    from atmp.lists import api_page

    raw = {"limit": str(limit)} | ({"type": method_type} if method_type else {})
    page = api_page(METHODS, reader(username), raw)
    emit(
        page,
        as_json=as_json,
        text=lambda d: (
            "\n".join(
                f"{i['code']}  {i['method_type']}  I:{i['phase_i']}  II:{i['phase_ii']}  III:{i['phase_iii']}  "
                f"commercial:{i['phase_commercial']}  {i['title']}"
                for i in d["items"]
            )
            or "none"
        ),
    )


# Specifications


def _spec_text(d: dict[str, Any]) -> str:
    lines = [
        f"{d['product']} phase {d['phase']} specification v{d['number']} (id {d['id']}, {d['status']}): {d['title']}"
    ]
    lines += [
        f"  {a['position']:>3}  {a['name']}  [{a['method']}]  {a['criterion']} {a['unit']}".rstrip()
        for a in d["attributes"]
    ]
    return "\n".join(lines)


@lab.group("spec")
def spec() -> None:
    """Specifications of a product per clinical phase: drafted, attributes added, approved by QA (signed).

    \b
    Examples:
      atmp lab spec new --product AAV9-SMN --phase iii --title "Release, phase III" --as rita
      atmp lab spec attribute add 3 --name "Vector genome titre" --method QC-VG --kind numeric \\
          --criterion "5.0E12-2.0E13" --unit "{vg}/mL" --as rita
      atmp lab spec approve 3 --as alex --reason "approved for the pivotal trial"
      atmp lab spec show 3 --as rita --json
      atmp lab spec list --product AAV9-SMN --as rita
    """


@spec.command("new")
@click.option("--product", "product_code", default=None, help="The product's code (a release specification).")
@click.option(
    "--material", "material_code", default=None, help="A cell line's or vector seed's code (a bank specification)."
)
@click.option("--phase", required=True, help=PHASE_HELP)
@click.option("--title", default="")
@click.option("--copy-from", "copy_from", type=int, default=None, help="Copy this specification's attributes (its id).")
@REASON
@write
@handled
def spec_new(
    product_code: str | None,
    material_code: str | None,
    phase: str,
    title: str,
    copy_from: int | None,
    reason: str,
    **auth: Any,
) -> None:
    """Draft the next version of a product's (or a bank material's) specification for a phase."""
    setup_django()
    from atmp.lab.selectors.lab import specification_document
    from atmp.lab.services import specifications as svc
    from atmp.lab.services.phases import find_phase_product
    from atmp.trace.services.materials import find_material

    user = actor(auth)
    source = svc.find_specification(copy_from, field="copy_from") if copy_from else None
    made = svc.new_specification(
        actor=user, product=find_phase_product(product_code) if product_code else None,
        material=find_material(material_code) if material_code else None, phase=phase, title=title,
        copy_from=source, reason=reason,
    )  # fmt: skip
    emit(specification_document(made), as_json=auth["as_json"], text=_spec_text)


@spec.group("attribute")
def attribute() -> None:
    """Attributes of a draft specification."""


@attribute.command("add")
@click.argument("spec_id", type=int)
@click.option("--name", required=True)
@click.option("--method", "method_code", required=True, help="The method's code.")
@click.option("--kind", required=True, help="numeric, conforms or report.")
@click.option("--criterion", default="", help="numeric: A-B, >=A, <=B, >A, <B; conforms: what conforms means.")
@click.option("--unit", default="", help="A UCUM code (docs/lab.md), e.g. %, {vg}/mL, [EU]/mL.")
@click.option("--panel-test", "panel_test", default="", help="On a bank specification: the ICH Q5D panel test.")
@REASON
@write
@handled
def attribute_add(
    spec_id: int,
    name: str,
    method_code: str,
    kind: str,
    criterion: str,
    unit: str,
    panel_test: str,
    reason: str,
    **auth: Any,
) -> None:
    """Add an attribute to a draft specification (a numeric criterion is checked now)."""
    setup_django()
    from atmp.lab.selectors.lab import specification_document
    from atmp.lab.services import specifications as svc
    from atmp.lab.services.methods import find_method

    user = actor(auth)
    found = svc.find_specification(spec_id)
    svc.add_attribute(
        actor=user, specification=found, name=name, method=find_method(method_code), kind=kind, criterion=criterion,
        unit=unit, panel_test=panel_test, reason=reason,
    )  # fmt: skip
    found.refresh_from_db()
    emit(specification_document(found), as_json=auth["as_json"], text=_spec_text)


@spec.command("approve")
@click.argument("spec_id", type=int)
@as_option
@click.option("--reason", required=True, help="Why it is approved (recorded in the ledger).")
@otp_option
@PASSWORD_FILE
@json_option
@handled
def spec_approve(
    spec_id: int, username: str, reason: str, otp: str | None, password_file: Path | None, as_json: bool
) -> None:
    """Approve a specification with your signature 'approved' (QA; not its author)."""
    setup_django()
    from atmp.lab.selectors.lab import specification_document
    from atmp.lab.services import specifications as svc

    user, password = user_and_password(username, password_file)
    done = svc.approve(
        actor=user, specification=svc.find_specification(spec_id), password=password, otp=otp, reason=reason
    )
    emit(specification_document(done), as_json=as_json, text=_spec_text)


@spec.command("show")
@click.argument("spec_id", type=int)
@as_option
@json_option
@handled
def spec_show(spec_id: int, username: str, as_json: bool) -> None:
    """Show a specification with its attributes."""
    setup_django()
    from atmp.lab.selectors.lab import specification_document
    from atmp.lab.services.specifications import find_specification

    reader(username)
    emit(specification_document(find_specification(spec_id)), as_json=as_json, text=_spec_text)


@spec.command("list")
@as_option
@click.option("--product", "product_code", default=None, help="Only this product's (its code).")
@click.option("--phase", default=None, help=PHASE_HELP)
@click.option("--state", default=None, help="draft, approved, superseded or withdrawn.")
@click.option("--limit", type=click.IntRange(1, 500), default=500)
@json_option
@handled
def spec_list(
    username: str, product_code: str | None, phase: str | None, state: str | None, limit: int, as_json: bool
) -> None:
    """List the specifications."""
    setup_django()
    from atmp.lab.selectors.lab import SPECIFICATIONS
    from atmp.lab.services.methods import checked_phase
    from atmp.lists import api_page

    raw = {"limit": str(limit)}
    raw |= {"product": product_code} if product_code else {}
    raw |= {"phase": checked_phase(phase)} if phase else {}
    raw |= {"status": state} if state else {}
    page = api_page(SPECIFICATIONS, reader(username), raw)
    emit(
        page,
        as_json=as_json,
        text=lambda d: (
            "\n".join(f"{i['product']}  {i['phase']}  {i['number']}  {i['status']}  {i['title']}" for i in d["items"])
            or "none"
        ),
    )


# A product's clinical phase


@lab.group("phase")
def phase() -> None:
    """A product's clinical phase (moved only when an approved specification exists for the new phase).

    \b
    Examples:
      atmp lab phase move AAV9-SMN iii --as alex --reason "pivotal trial opened"
      atmp lab phase show AAV9-SMN --as rita --json
    """


def _phase_text(d: dict[str, Any]) -> str:
    if d["phase"] is None:
        return f"{d['product']}: no clinical phase"
    return f"{d['product']}: phase {d['phase']} since {d['since']} (specification id {d['specification']})"


@phase.command("move")
@click.argument("product_code")
@click.argument("new_phase")
@click.option("--reason", required=True, help="Why the product moves (recorded in the ledger).")
@write
@handled
def phase_move(product_code: str, new_phase: str, reason: str, **auth: Any) -> None:
    """Move a product into a clinical phase (QA)."""
    setup_django()
    from atmp.lab.api.core import phase_document
    from atmp.lab.services import phases

    product = phases.find_phase_product(product_code)
    phases.move(actor=actor(auth), product=product, phase=new_phase, reason=reason)
    emit(phase_document(product), as_json=auth["as_json"], text=_phase_text)


@phase.command("show")
@click.argument("product_code")
@as_option
@json_option
@handled
def phase_show(product_code: str, username: str, as_json: bool) -> None:
    """Show a product's clinical phase and the specification in force for it."""
    setup_django()
    from atmp.lab.api.core import phase_document
    from atmp.lab.services import phases

    reader(username)
    emit(phase_document(phases.find_phase_product(product_code)), as_json=as_json, text=_phase_text)
