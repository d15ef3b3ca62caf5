"""Products and process versions: add a product, draft a process version, link the change control that
introduced it, and make it effective (QA, signed 'approved'; the rule is the workflow's precondition)."""

from __future__ import annotations

from typing import Any

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import Site, User
from atmp.accounts.services import can_see
from atmp.ledger import writer
from atmp.ledger.errors import Conflict
from atmp.manufacturing.models import AtmpClass, GmoClass, Origin, ProcessVersion, Product, VectorType
from atmp.quality.models.changes import ChangeControl
from atmp.quality.services import edits
from atmp.trace.services import checks
from atmp.workflow import engine, links
from atmp.workflow.models import Link

INTRODUCED_BY = "originates_from"  # a process version originates from the change control that introduced it


def checked_level(value: Any, gmo_class: str) -> int:
    """Return a containment level 0-4 fit for the GMO class, or refuse it naming the rule."""
    try:
        level = int(str(value).strip())
    except ValueError:
        raise InvalidInput("containment_level", f"{value!r} is not a containment level 0-4") from None
    if not 0 <= level <= 4:
        raise InvalidInput("containment_level", "must be 0 (none) to 4 (Directive 2009/41/EC Annex IV)")
    # Directive 2009/41/EC Art. 5(2) and Annex IV: a class-n contained use is done at containment level n or above.
    if gmo_class != GmoClass.NONE and level < int(gmo_class):
        raise InvalidInput(
            "containment_level",
            f"a class {gmo_class} GMO is handled at containment level {gmo_class} or higher "
            "(Directive 2009/41/EC Art. 5 and Annex IV)",
        )
    return level


def add_product(
    *,
    actor: User,
    code: str,
    name: str,
    atmp_class: str,
    vector_type: str,
    origin: str,
    gmo_class: str,
    containment_level: Any,
    description: str = "",
    reason: str = "",
) -> Product:
    """Add a product (every site's) with its ATMP class, vector, origin, GMO risk class and containment level."""
    edits.check_writer(actor, Product)
    gmo = edits.choice(gmo_class, "gmo_class", GmoClass.values)
    product = Product(
        code=checks.code(code, "code", limit=40),
        name=edits.text(name, "name", required=True, limit=200),
        atmp_class=edits.choice(atmp_class, "atmp_class", AtmpClass.values),
        vector_type=edits.choice(vector_type, "vector_type", VectorType.values),
        origin=edits.choice(origin, "origin", Origin.values),
        gmo_class=gmo,
        containment_level=checked_level(containment_level, gmo),
        description=edits.text(description, "description"),
    )
    # Regulation (EC) 1394/2007 Art. 2(1)(a) via Directive 2001/83/EC Annex I Part IV §2.1: a gene
    # therapy product carries a recombinant nucleic acid, so it is delivered by some vector.
    if product.atmp_class == AtmpClass.GENE_THERAPY and product.vector_type == VectorType.NONE:
        raise InvalidInput(
            "vector_type", "a gene therapy product has a vector (AAV, lentivirus, adenovirus or non-viral)"
        )
    with writer.change(actor=actor, reason=reason) as ch:
        ch.hold()
        if Product._base_manager.filter(code=product.code).exists():
            raise Conflict(f"code: there is already a product {product.code}")
        ch.save(product)
    return product


def add_process_version(
    *,
    actor: User,
    product: Product,
    site: Site,
    title: str,
    description: str = "",
    change_control: ChangeControl | None = None,
    reason: str = "",
) -> ProcessVersion:
    """Draft the next process version of the product at the site (1, 2, …), linked to its change control if given."""
    edits.check_writer(actor, ProcessVersion, site=site)
    if product.voided:
        raise InvalidInput("product", f"product {product.code} is voided")
    version = ProcessVersion(
        product=product,
        site=site,
        title=edits.title(title),
        description=edits.text(description, "description"),
    )
    with writer.change(actor=actor, reason=reason) as ch:
        ch.hold()  # the number is the next one of what is stored: one draft at a time
        numbers = ProcessVersion._base_manager.filter(product=product, site=site).values_list("number", flat=True)
        version.number = max(numbers, default=0) + 1
        ch.save(version)
        if change_control is not None:
            link_change(actor=actor, version=version, change_control=change_control, reason=ch.reason)
    return version


def link_change(*, actor: User, version: ProcessVersion, change_control: ChangeControl, reason: str = "") -> Link:
    """Link the process version to the change control that introduced it (same site, not cancelled)."""
    edits.check_may_edit(actor, version, version=None, states=("draft",))
    if change_control.voided or not can_see(actor, change_control):
        raise InvalidInput("change_control", f"there is no change control {change_control.number}")
    if change_control.site_id != version.site_id:
        raise InvalidInput(
            "change_control", f"change control {change_control.number} is of another site than the process version"
        )
    if change_control.status == "cancelled":
        raise InvalidInput("change_control", f"change control {change_control.number} is cancelled")
    return links.link(actor=actor, source=version, target=change_control, relation=INTRODUCED_BY, reason=reason)


def make_effective(
    *, actor: User, version: ProcessVersion, password: str, reason: str, otp: str | None = None
) -> ProcessVersion:
    """Make the process version effective (QA, signed 'approved'); the one before it is superseded."""
    engine.transition(actor, version, "make_effective", reason=reason, password=password, otp=otp)
    return version


def find_product(code: str, *, field: str = "product") -> Product:
    """Return the live product of the code, or refuse naming the field."""
    found = Product.objects.filter(code=str(code).strip(), voided=False).first()
    if found is None:
        raise InvalidInput(field, f"there is no product {code!r}")
    return found


def find_change(number: str, *, field: str = "change_control", user: User | None = None) -> ChangeControl:
    """Return the live change control of the number (one the user may see), or refuse naming the field."""
    found = ChangeControl.objects.filter(number=str(number).strip(), voided=False).first()
    if found is None or (user is not None and not can_see(user, found)):
        raise InvalidInput(field, f"there is no change control {number!r}")
    return found
