"""Retention: how long each traceability record is kept live, and when it may be voided.

Regulation (EC) No 1394/2007 Art. 15(4): the traceability data is kept "for a minimum of 30 years
after the expiry date of the product". The product is what a lot ends in, so a record's retention
end is 30 years after the latest expiry date among the lots a forward trace from it reaches (one
recursive query, genealogy.reach): a reagent lot is kept as long as the last product made with it.
A lot among them with no expiry date keeps the record without end (None) until one is set.

atmp deletes nothing, ever: a void keeps the row and the ledger keeps every version. What a void
does is take the record out of the live trace, so the rule guards the trace (docs/adr/0018):

- a lot or a person with live uses, administrations or donations is never voided: void those first;
- a record nothing relies on yet is a correction and may be voided with its reason at any time
  (a lot received by mistake, a use recorded into a lot still in quarantine);
- a record others relied on (a use once its output lot left quarantine, an administration) is kept
  live until its retention end; before it, a void is refused naming the record and the day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection

from atmp.ledger import clock
from atmp.trace.selectors import genealogy

RETENTION_YEARS = 30  # Regulation (EC) No 1394/2007 Art. 15(4): 30 years after the product's expiry
ARTICLE = "Regulation (EC) No 1394/2007 Art. 15(4)"


def years_after(day: dt.date, years: int = RETENTION_YEARS) -> dt.date:
    """Return the same day so many years later (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _expiries(root: Any, *, also_given_to: Any = None) -> tuple[int, int, dt.date | None]:
    """Return how many lots a forward trace from the root reaches, how many have an expiry, and the latest.

    also_given_to: a patient, whose administered lots count too (what they received).
    """
    walk, params = genealogy.reach(root, "forward")
    extra = ""
    if also_given_to is not None:
        extra = "UNION SELECT lot_id FROM trace_administration WHERE patient_id = %s AND voided = %s"
        params = [*params, also_given_to.pk, False]
    lots = genealogy.each("l", "trace_lot", "l.id, l.expiry_date", "l.id = r.id")  # one index lookup a lot reached
    sql = f"""{walk}
        SELECT COUNT(*), COUNT(l.expiry_date), MAX(l.expiry_date)
        FROM (SELECT id FROM best {extra}) r {lots}"""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        count, dated, last = cursor.fetchone()
    if isinstance(last, str):  # SQLite hands a date over as text
        last = dt.date.fromisoformat(last)
    return int(count), int(dated), last


def retention_end(record: Any) -> dt.date | None:
    """Return the day the record's retention ends (30 years after the last expiry it leads to), or None.

    A lot: itself and every lot made from it. A use: its output lot and what was made from that.
    An administration: the lot given. A person: their donations and what was made from them, and
    the lots administered to them; a person reached by no lot has nothing to keep: today. A sealed
    identity: its person's. None while a lot among them has no expiry date.
    """
    from atmp.trace.models import Administration, Identity, Lot, Person, Use

    if isinstance(record, Identity):
        record = record.person
    if isinstance(record, Lot):
        count, dated, last = _expiries(record)
    elif isinstance(record, Use):
        count, dated, last = _expiries(record.output)
    elif isinstance(record, Administration):
        count, dated, last = _expiries(record.lot)
    elif isinstance(record, Person):
        count, dated, last = _expiries(record, also_given_to=record)
        if count == 0:
            return clock.now().date()
    else:
        raise TypeError(f"{type(record).__name__} is not a traceability record")
    if dated < count or last is None:
        return None
    return years_after(last)


def _dependents(record: Any) -> list[str]:
    """Return what live records rely on a lot or a person (uses, administrations, donations), named."""
    from atmp.trace.models import Administration, Lot, Use

    found: list[str] = []
    if isinstance(record, Lot):
        uses = Use.objects.filter(voided=False).filter(input=record).count()
        made = Use.objects.filter(voided=False).filter(output=record).count()
        given = Administration.objects.filter(voided=False, lot=record).count()
        found += [f"{uses} use(s) of it"] if uses else []
        found += [f"{made} use(s) into it"] if made else []
        found += [f"{given} administration(s)"] if given else []
    else:
        donated = Lot.objects.filter(voided=False, donor=record).count()
        given = Administration.objects.filter(voided=False, patient=record).count()
        found += [f"{donated} donated lot(s)"] if donated else []
        found += [f"{given} administration(s)"] if given else []
    return found


def void_refusal(record: Any, *, today: dt.date | None = None) -> str | None:
    """Return why the record may not be voided now, or None (docs/adr/0018)."""
    from atmp.trace.models import Administration, Lot, Person, Use

    if isinstance(record, Lot | Person):
        relied = _dependents(record)
        name = f"lot {record.number}" if isinstance(record, Lot) else f"person {record.coi}"
        if relied:
            return (
                f"{name} is relied on by {', '.join(relied)}: a record with live uses, administrations "
                "or donations is never voided (void those first, each with its reason)"
            )
        return None
    if isinstance(record, Use):
        output = Lot._base_manager.get(pk=record.output_id)
        if output.status == "quarantine":
            return None  # the output's genealogy is still being recorded: a correction
        what = f"use {record.record_key} ({record.input.number} into {output.number})"
        why = f"{output.number} is {output.state_label().lower()}"
    elif isinstance(record, Administration):
        what = f"administration {record.record_key} ({record.lot.number} to {record.patient.coi})"
        why = "it links the product to the patient who received it"
    else:
        return None
    ends = retention_end(record)
    today = today or clock.now().date()
    if ends is not None and ends <= today:
        return None
    until = "without an end date: a lot it leads to has no expiry date" if ends is None else f"until {ends.isoformat()}"
    return f"{what} is kept {until} ({ARTICLE}, 30 years after the product's expiry; {why}): it cannot be voided before"
