"""What every quality service checks before it writes: permission, site, version seen, state, text and choices.

Each refusal names the field and the rule. One module for all the quality services (capa, deviations,
reviews, complaints, inspections, recalls, suppliers), so a rule such as the NUL refusal is kept once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import Site, User
from atmp.accounts.services import can_see
from atmp.ledger import clock, writer
from atmp.ledger.errors import Conflict, ReasonRequired, RecordVoided, StaleRecord
from atmp.ledger.records import GmpRecord
from atmp.workflow.models import WorkflowRecord

MAX_TITLE = 200
MAX_TEXT = 20000

R = TypeVar("R", bound=GmpRecord)


def check_writer(actor: User, model: type[GmpRecord], *, site: Site | None = None) -> None:
    """Refuse an actor whose roles do not grant the type's write permission, or who works elsewhere."""
    if not actor.can(model.write_permission):
        raise NotAllowed(f"your roles do not grant {model.write_permission!r}")
    ids = actor.site_ids()
    if ids is not None and (site is None or site.pk not in ids):
        where = f"site {site.code}" if site else "every site"
        raise InvalidInput("site", f"you do not work at {where}")


def check_may_edit(actor: User, record: GmpRecord, *, version: int | None, states: Iterable[str] | None = None) -> None:
    """Refuse an edit the actor may not make, of a record that moved on, or in a state that takes no edits.

    With no states named, a record with a workflow takes edits in every state but a final one
    (closed, cancelled…): a finished record is kept as it was finished.
    """
    if not actor.can(record.write_permission) or not can_see(actor, record):
        raise NotAllowed(f"your roles or sites do not allow changing {record.record_key}")
    if record.voided:
        raise RecordVoided(f"{record.record_key} is voided: it cannot be changed")
    if version is not None and version != record.version:
        raise StaleRecord(
            f"{record.record_key}: you saw version {version}, version {record.version} is current; reload and try again"
        )
    if not isinstance(record, WorkflowRecord):
        return
    if states is None:
        if record.workflow.is_final(record.status):
            raise Conflict(f"{record.record_key} is {record.state_label()}: a finished record is not edited")
    elif record.status not in set(states):
        raise Conflict(f"{record.record_key} is {record.state_label()}: it takes no edits in this state")


def text(value: Any, field: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    """Return the text stripped, or refuse it when missing, too long or holding a NUL."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(field, "must be text")
    value = value.strip()
    if required and not value:
        raise InvalidInput(field, "must be filled in")
    if len(value) > limit:
        raise InvalidInput(field, f"at most {limit} characters")
    # PostgreSQL refuses a NUL in text (a server error, not a field's); SQLite would keep it.
    if "\x00" in value:
        raise InvalidInput(field, "must not contain a NUL character")
    return value


def title(value: Any, field: str = "title") -> str:
    """Return the stripped title, or refuse a missing or over-long one."""
    return text(value, field, required=True, limit=MAX_TITLE)


def choice(value: Any, field: str, choices: Iterable[str], *, blank: bool = False) -> str:
    """Return the value when it is one of the stored choices (or blank, when allowed), or refuse it listing them."""
    if blank and value == "":
        return ""
    allowed = list(choices)
    if value not in allowed:
        raise InvalidInput(field, f"{value!r} is not one of: {', '.join(allowed)}")
    return str(value)


def date(value: Any, field: str, *, required: bool = False) -> dt.date | None:
    """Return a date (or None when allowed), accepting an ISO text such as 2027-01-31."""
    if value in (None, ""):
        if required:
            raise InvalidInput(field, "must be filled in")
        return None
    if isinstance(value, dt.datetime):
        raise InvalidInput(field, "must be a date, not a date and time")
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(field, f"{value!r} is not a date like 2027-01-31") from None


def past_moment(value: dt.datetime | None, field: str) -> dt.datetime:
    """Return an aware time that is not in the future (required: None is refused)."""
    if value is None:
        raise InvalidInput(field, "is required: give the time it happened")
    if value.tzinfo is None:
        raise InvalidInput(field, "give a time with its zone, e.g. 2026-12-01T09:30:00+01:00")
    if value > clock.now():
        raise InvalidInput(field, "cannot be in the future")
    return value


MAX_QUANTITY = Decimal("99999999999.999")


def quantity(value: Any, field: str) -> Decimal:
    """Return a quantity as a Decimal of at most three places, zero or more, or refuse it."""
    if isinstance(value, float):
        raise InvalidInput(field, "give the quantity as a decimal text or integer, not a float")
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(field, f"{value!r} is not a number") from None
    if not number.is_finite() or number < 0 or number > MAX_QUANTITY:
        raise InvalidInput(field, f"must be between 0 and {MAX_QUANTITY}")
    if number != number.quantize(Decimal("0.001")):
        raise InvalidInput(field, "at most three decimal places")
    return number.quantize(Decimal("0.001"))


# A reference to a person or an organisation kept elsewhere (a case, ticket, hospital or pseudonym
# code): no spaces, so a name or an address does not pass for one.
# A chain-of-identity code ends in an ISO/IEC 7064 MOD 37-2 check character, which may be '*'
# (LEI-P-000002-*): a reference may hold one, as no name or address does.
REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/*-]*$")


def no_personal_data(value: str, field: str, *, pseudonym: bool = False) -> str:
    """Refuse anything but a reference code: a name, an address or an e-mail never enters the ledger in clear.

    With pseudonym (a patient), the code must hold a digit (PAT-0042, a chain-of-identity key): a
    single word such as a surname does not pass.
    """
    if not value:
        return value
    if "@" in value:
        raise InvalidInput(field, "give a reference (e.g. a case or ticket number), not an e-mail address")
    if not REFERENCE.match(value):
        raise InvalidInput(
            field,
            "give a reference code (letters, digits and - _ . : / *, no spaces, e.g. HOSP-NL-014), "
            "not a name or an address: personal data never enters the ledger",
        )
    if pseudonym and not any(c.isdigit() for c in value):
        raise InvalidInput(field, "a patient is named by a pseudonym code with digits (e.g. PAT-0042), never by name")
    return value


def check_fields(changes: Mapping[str, Any], allowed: Mapping[str, Callable[[Any], Any]]) -> dict[str, Any]:
    """Return each change through its field's check; refuse a field that may not be edited here."""
    values = {}
    for name, value in changes.items():
        check = allowed.get(name)
        if check is None:
            raise InvalidInput(name, f"cannot be edited here; editable: {', '.join(sorted(allowed))}")
        values[name] = check(value)
    return values


def apply(*, actor: User, record: R, values: Mapping[str, Any], reason: str) -> R:
    """Write the already-checked field values to the record as one audited change."""
    if not reason.strip():
        raise ReasonRequired(f"{record.record_key}: say why ('reason'): every change after creation needs one")
    for name, value in values.items():
        setattr(record, name, value)
    try:
        with writer.change(actor=actor, reason=reason) as ch:
            ch.save(record)
    except BaseException:
        # The caller's instance goes back to what is stored: no half-applied edit lingers in memory.
        record.refresh_from_db()
        raise
    return record
