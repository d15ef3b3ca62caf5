"""The record page's traceability panels: a lot's or person's Genealogy links, and the Personal data panel.

The Personal data panel (on a person's page and on their sealed identity's page) never shows the
data itself: it says whether it is registered and sealed, links the sealed record, and offers the
reveal form (with the purpose to give) to those whose roles allow it. In print it shows the same
facts, no form.
"""

from __future__ import annotations

from atmp.accounts.models import User
from atmp.ledger.records import GmpRecord
from atmp.modules import Panel
from atmp.trace.forms import RevealForm
from atmp.trace.models import Identity, Lot, Person


def identity_panel(user: User | None, record: GmpRecord, *, for_print: bool = False) -> Panel | None:
    """Return the Personal data panel of a person or of their sealed identity, or None for any other record."""
    if isinstance(record, Identity):
        identity: Identity | None = record
        person = record.person
    elif isinstance(record, Person):
        person = record
        identity = Identity._base_manager.filter(person=record).first()
    else:
        return None
    may_reveal = (
        not for_print
        and user is not None
        and user.can("identity.view")
        and identity is not None
        and not identity.erased
        and not identity.voided
    )
    return Panel(
        title="Personal data",
        template="trace/identity_panel.html",
        context={
            "person": person,
            "identity": identity,
            "on_identity": isinstance(record, Identity),
            "may_reveal": may_reveal,
            "may_register": not for_print and identity is None and user is not None and user.can("identity.manage"),
            "form": RevealForm() if may_reveal else None,
            "for_print": for_print,
        },
        order=15,
        slug="identity",
    )


def retention_panel(user: User | None, record: GmpRecord, *, for_print: bool = False) -> Panel | None:
    """Return the Retention panel of a traceability record (lot, use, administration, person, identity), or None."""
    from atmp.trace import retention
    from atmp.trace.models import Administration, Lot, Use

    if not isinstance(record, Lot | Use | Administration | Person | Identity):
        return None
    ends = retention.retention_end(record)
    refusal = None if record.voided or for_print else retention.void_refusal(record)
    return Panel(
        title="Retention",
        template="trace/retention_panel.html",
        context={
            "ends": ends,
            "article": retention.ARTICLE,
            "refusal": refusal,
            "lot": record if isinstance(record, Lot) else None,
            "for_print": for_print,
        },
        order=80,
        slug="retention",
    )


def genealogy_panel(user: User | None, record: GmpRecord, *, for_print: bool = False) -> Panel | None:
    """Return the Genealogy panel of a lot or person: links to its trace page, forward and backward."""
    if for_print or not isinstance(record, Lot | Person) or record.voided:
        return None
    root = record.number if isinstance(record, Lot) else record.coi
    return Panel(
        title="Genealogy",
        template="trace/genealogy_panel.html",
        context={"root": root, "person": isinstance(record, Person)},
        order=30,
        slug="genealogy",
    )


def bank_panel(user: User | None, record: GmpRecord, *, for_print: bool = False) -> Panel | None:
    """Return the Cell bank panel of a bank or of its lot: vials, cell age limit, required panel, lineage."""
    from atmp.trace import bank_panel as declared
    from atmp.trace.bank_results import statuses
    from atmp.trace.models import CellBank
    from atmp.trace.selectors import genealogy
    from atmp.trace.selectors.banks import lineage
    from atmp.trace.units import plain

    if isinstance(record, CellBank):
        bank: CellBank | None = record
    elif isinstance(record, Lot):
        bank = CellBank.objects.filter(lot=record, voided=False).select_related("parent__lot").first()
    else:
        return None
    if bank is None:
        return None
    tests = declared.panel(bank.kind, vector_production=bank.vector_production)
    status = statuses(bank)
    return Panel(
        title="Cell bank",
        template="trace/bank_panel.html",
        context={
            "bank": bank,
            "kind_label": declared.KINDS[bank.kind],
            "age_unit": declared.AGE_UNITS[bank.age_unit],
            "banked": plain(bank.lot.quantity),
            "remaining": plain(genealogy.remaining(bank.lot)),
            "tests": tests,
            # Each test's status from QC's results, through the installed modules (trace imports no lab).
            "rows": [(t, status[t.code]) for t in tests],
            "lineage": lineage(bank, user),
        },
        order=20,
        slug="bank",
    )
