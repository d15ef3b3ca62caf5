"""`atmp manufacturing product …` and `atmp manufacturing process …`: products and process versions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from atmp.cli.base import as_option, handled, json_option, otp_option, setup_django, user_and_password
from atmp.cli.base import your_password_file_option as PASSWORD_FILE
from atmp.cli.output import emit
from atmp.manufacturing.cli import manufacturing
from atmp.trace.cli.common import REASON, actor, reader, write


def _product_text(d: dict[str, Any]) -> str:
    return (
        f"{d['code']} {d['name']}: {d['atmp_class']}, vector {d['vector_type']}, {d['origin']}, "
        f"GMO class {d['gmo_class']}, containment level {d['containment_level']}"
    )


def _version_text(d: dict[str, Any]) -> str:
    changes = ", ".join(d["change_controls"]) or "no change control"
    return f"{d['product']} process v{d['number']} at {d['site']} ({d['status']}): {d['title']}; {changes}"


@manufacturing.group("product")
def product() -> None:
    """Products: ATMP class, vector, origin, GMO risk class and containment level.

    \b
    Examples:
      atmp manufacturing product add AAV-001 --name "AAV9-hFIX" --atmp-class gene_therapy \\
          --vector-type aav --origin allogeneic --gmo-class 1 --containment-level 1 --as rita
      atmp manufacturing product list --as rita --json
    """


@product.command("add")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--atmp-class", required=True, help="gene_therapy, somatic_cell, tissue_engineered or combined.")
@click.option("--vector-type", required=True, help="aav, lentivirus, adenovirus, non_viral or none.")
@click.option("--origin", required=True, help="autologous or allogeneic.")
@click.option("--gmo-class", required=True, help="none, or 1-4 (Directive 2009/41/EC).")
@click.option("--containment-level", required=True, help="0-4; at least the GMO class.")
@click.option("--description", default="")
@REASON
@write
@handled
def add_product(code: str, reason: str, **values: Any) -> None:
    """Add a product (every site's)."""
    setup_django()
    from atmp.manufacturing.api.documents import product_document
    from atmp.manufacturing.services.products import add_product as add

    auth = {k: values.pop(k) for k in ("username", "password_file", "otp", "as_json")}
    made = add(actor=actor(auth), code=code, reason=reason, **values)
    emit(product_document(made), as_json=auth["as_json"], text=_product_text)


@product.command("show")
@click.argument("code")
@as_option
@json_option
@handled
def show_product(code: str, username: str, as_json: bool) -> None:
    """Show a product."""
    setup_django()
    from atmp.manufacturing.api.documents import product_document
    from atmp.manufacturing.services.products import find_product

    reader(username)
    emit(product_document(find_product(code)), as_json=as_json, text=_product_text)


def _list(spec_name: str, username: str, raw: dict[str, str], as_json: bool, text: Any) -> None:
    from atmp.lists import api_page
    from atmp.manufacturing.selectors import lists

    page = api_page(getattr(lists, spec_name), reader(username), raw)
    emit(page, as_json=as_json, text=lambda d: "\n".join(text(i) for i in d["items"]) or "none")


@product.command("list")
@as_option
@click.option("--limit", type=click.IntRange(1, 500), default=500)
@json_option
@handled
def list_products(username: str, limit: int, as_json: bool) -> None:
    """List the products by code (the first page: --limit, at most 500)."""
    setup_django()
    _list(
        "PRODUCTS", username, {"limit": str(limit)}, as_json, lambda i: f"{i['code']}  {i['name']}  {i['atmp_class']}"
    )


@manufacturing.group("process")
def process() -> None:
    """Process versions: numbered per product and site, made effective by QA (signed).

    \b
    Examples:
      atmp manufacturing process add --product AAV-001 --site LEI --title "Suspension HEK293" --as rita
      atmp manufacturing process link 2 --change-control CC-2026-0001 --as rita
      atmp manufacturing process effective 2 --as alex --reason "CC-2026-0001 approved"
      atmp manufacturing process list --as rita --json
    """


@process.command("add")
@click.option("--product", "product_code", required=True, help="The product's code.")
@click.option("--site", required=True, help="The site's code.")
@click.option("--title", required=True)
@click.option("--description", default="")
@click.option("--change-control", default=None, help="The change control that introduced it (CC-…).")
@REASON
@write
@handled
def add_version(
    product_code: str, site: str, title: str, description: str, change_control: str | None, reason: str, **auth: Any
) -> None:
    """Draft the next process version of a product at a site."""
    setup_django()
    from atmp.accounts import services as accounts
    from atmp.manufacturing.api.documents import version_document
    from atmp.manufacturing.services import products as svc

    user = actor(auth)
    made = svc.add_process_version(
        actor=user,
        product=svc.find_product(product_code),
        site=accounts.find_site(site),
        title=title,
        description=description,
        change_control=svc.find_change(change_control, user=user) if change_control else None,
        reason=reason,
    )
    emit(version_document(made), as_json=auth["as_json"], text=_version_text)


def _version(version_id: int, user: Any) -> Any:
    from atmp.accounts.errors import InvalidInput
    from atmp.accounts.services import can_see
    from atmp.manufacturing.models import ProcessVersion

    found = ProcessVersion.objects.filter(pk=version_id, voided=False).first()
    if found is None or (user is not None and not can_see(user, found)):
        raise InvalidInput("version", f"there is no process version {version_id}")
    return found


@process.command("link")
@click.argument("version_id", type=int)
@click.option("--change-control", required=True, help="The change control that introduced it (CC-…).")
@REASON
@write
@handled
def link(version_id: int, change_control: str, reason: str, **auth: Any) -> None:
    """Link a draft process version (its id) to the change control that introduced it."""
    setup_django()
    from atmp.manufacturing.api.documents import version_document
    from atmp.manufacturing.services import products as svc

    user = actor(auth)
    version = _version(version_id, user)
    svc.link_change(
        actor=user, version=version, change_control=svc.find_change(change_control, user=user), reason=reason
    )
    emit(version_document(version), as_json=auth["as_json"], text=_version_text)


@process.command("effective")
@click.argument("version_id", type=int)
@as_option
@click.option("--reason", required=True, help="Why it becomes effective (recorded in the ledger).")
@otp_option
@PASSWORD_FILE
@json_option
@handled
def effective(
    version_id: int, username: str, reason: str, otp: str | None, password_file: Path | None, as_json: bool
) -> None:
    """Make a process version effective with your signature 'approved' (QA); the previous one is superseded."""
    setup_django()
    from atmp.manufacturing.api.documents import version_document
    from atmp.manufacturing.services.products import make_effective

    user, password = user_and_password(username, password_file)
    done = make_effective(actor=user, version=_version(version_id, user), password=password, otp=otp, reason=reason)
    emit(version_document(done), as_json=as_json, text=_version_text)


@process.command("show")
@click.argument("version_id", type=int)
@as_option
@json_option
@handled
def show_version(version_id: int, username: str, as_json: bool) -> None:
    """Show a process version and the change controls that introduced it."""
    setup_django()
    from atmp.manufacturing.api.documents import version_document

    emit(version_document(_version(version_id, reader(username))), as_json=as_json, text=_version_text)


@process.command("list")
@as_option
@click.option("--product", "product_code", default=None, help="Only this product's (its code).")
@click.option("--limit", type=click.IntRange(1, 500), default=500)
@json_option
@handled
def list_versions(username: str, product_code: str | None, limit: int, as_json: bool) -> None:
    """List the process versions of your sites."""
    setup_django()
    raw = {"limit": str(limit), **({"q": product_code} if product_code else {})}
    _list(
        "PROCESS_VERSIONS",
        username,
        raw,
        as_json,
        lambda i: f"{i['product']}  v{i['number']}  {i['site']}  {i['status']}  {i['title']}",
    )
