"""The bulk import's mix-up check: an administration line gives its lot only to the patient it is meant for.

The rule and its words are genealogy.administer's (`mix_up`, `mix_up_rule`; docs/adr/0017): a lot
made for one patient (their donation, or one patient reached backward) is theirs; a lot made for
none is meant for the patient its last shipment was for, if any. Here the question is asked of the
whole file at once, on the genealogy the file and the store make together: the file's uses are
walked in memory, the stored genealogy behind them read in one recursive query per chunk, and each
lot's donors computed once (a hub reagent reached by every batch costs one visit, not one per line).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from django.db import connection

from atmp.trace.models import PersonKind
from atmp.trace.services.genealogy import mix_up_rule
from atmp.trace.services.import_format import chunks

if TYPE_CHECKING:
    from atmp.trace.services.import_check import Checker

MANY = ("*", "**")  # more than one donor reached (two marks no COI is): made for no one patient


def check_mix_ups(checker: Checker) -> None:
    """Refuse each administration line that gives a lot to a patient other than the one it is meant for."""
    if not checker.given:
        return
    parents: dict[str, list[str]] = defaultdict(list)  # output → inputs, the file's uses then the stored ones
    for _line, source, made in checker.edges:
        parents[made].append(source)
    donors = dict(checker.donors)  # lot number → its donor's COI
    kinds = _load_stored_genealogy(checker, parents, donors, [number for _l, number, _p in checker.given])
    kinds |= {coi: kind for coi, (_pk, kind) in checker.stored_persons.items()}
    kinds |= {coi: kind for coi, (_line, kind) in checker.persons.items()}
    reached = _donors_reached(parents, donors, {number for _l, number, _p in checker.given})
    shipped = _shipped_for(checker, reached, donors, kinds)
    for line, number, patient in checker.given:
        meant, why = _made_for(number, donors, reached, kinds), "made for"
        if meant is None and number in shipped:
            meant, why = shipped[number], "shipped for"
        if meant is not None and meant != patient:
            checker.refuse(line, "patient", mix_up_rule(number, meant, why, patient))


def _made_for(
    number: str, donors: dict[str, str], reached: dict[str, tuple[str, ...]], kinds: dict[str, str]
) -> str | None:
    """Return the COI of the patient a lot is made for, or None (selectors.labels.patient_of's rule)."""
    own = donors.get(number)
    if own is not None:
        return own if kinds.get(own) == PersonKind.PATIENT else None
    found = reached.get(number, ())
    if len(found) == 1 and kinds.get(found[0]) == PersonKind.PATIENT:
        return found[0]
    return None


def _donors_reached(
    parents: dict[str, list[str]], donors: dict[str, str], roots: Iterable[str]
) -> dict[str, tuple[str, ...]]:
    """Return, for each lot reached backward from the roots, the donors reached (one, none, or MANY), each lot once."""
    memo: dict[str, tuple[str, ...]] = {}
    entered: set[str] = set()
    for root in roots:
        stack = [root]
        while stack:
            number = stack[-1]
            if number not in entered:  # first visit: its inputs first (one on a cycle is skipped: refused there)
                entered.add(number)
                stack.extend(p for p in parents.get(number, ()) if p not in entered)
                continue
            stack.pop()
            if number in memo:
                continue
            own = donors.get(number)
            found: tuple[str, ...] = (own,) if own is not None else ()
            for source in parents.get(number, ()):
                theirs = memo.get(source, ())
                if not theirs or theirs == found:
                    continue
                if found or len(theirs) > 1:
                    found = MANY
                    break
                found = theirs
            memo[number] = found
    return memo


def _load_stored_genealogy(
    checker: Checker, parents: dict[str, list[str]], donors: dict[str, str], roots: list[str]
) -> dict[str, str]:
    """Add the stored uses and donations behind the lots the administrations reach (a few recursive queries);
    return the kinds of the stored donors found (COI → kind)."""
    kinds: dict[str, str] = {}
    if not checker.stored_lots:
        return kinds  # the file names no stored lot: nothing stored lies behind its lots
    loaded: set[str] = set()
    seen: set[str] = set()
    frontier = set(roots)
    while frontier:
        stack, frontier, load = list(frontier), set(), []
        while stack:
            number = stack.pop()
            if number in seen:
                continue
            seen.add(number)
            if number in checker.stored_lots and number not in loaded:
                load.append(checker.stored_lots[number][0])
            stack.extend(parents.get(number, ()))
        for number, donor, kind, source in _stored_backward(load):
            loaded.add(number)
            if donor is not None:
                donors[number] = donor
                kinds[donor] = str(kind)
            if source is not None:
                parents[number].append(source)
                if source not in seen:
                    frontier.add(source)
        # A stored lot reached may have the file's uses into it too: walk on from what was loaded.
        frontier |= {n for n in loaded if n not in seen}
    return kinds


def _stored_backward(lot_ids: list[int]) -> Iterator[tuple[str, str | None, str | None, str | None]]:
    """Yield (lot, its donor's COI, the donor's kind, one input) for every stored lot behind the lots."""
    for chunk in chunks(lot_ids):
        marks = ", ".join(["%s"] * len(chunk))
        sql = f"""
            WITH RECURSIVE up(id) AS (
                SELECT id FROM trace_lot WHERE id IN ({marks})
                UNION
                SELECT u.input_id FROM up JOIN trace_use u ON u.output_id = up.id WHERE u.voided = %s
            )
            SELECT l.number, p.coi, p.kind, i.number FROM up
            JOIN trace_lot l ON l.id = up.id
            LEFT JOIN trace_person p ON p.id = l.donor_id
            LEFT JOIN trace_use u ON u.output_id = up.id AND u.voided = %s
            LEFT JOIN trace_lot i ON i.id = u.input_id"""
        with connection.cursor() as cursor:
            cursor.execute(sql, [*chunk, False, False])
            yield from cursor.fetchall()


def _shipped_for(
    checker: Checker, reached: dict[str, tuple[str, ...]], donors: dict[str, str], kinds: dict[str, str]
) -> dict[str, str]:
    """Return the patient each stored lot made for no one was last shipped for (intended.last_shipment's rule)."""
    ids = {
        checker.stored_lots[number][0]: number
        for _line, number, _patient in checker.given
        if number in checker.stored_lots and _made_for(number, donors, reached, kinds) is None
    }
    last: dict[str, tuple[str | None, str | None]] = {}
    for chunk in chunks(sorted(ids)):
        marks = ", ".join(["%s"] * len(chunk))
        sql = f"""
            SELECT sl.lot_id, p.coi, p.kind FROM trace_shipmentlot sl
            JOIN trace_shipment s ON s.id = sl.shipment_id
            LEFT JOIN trace_person p ON p.id = s.person_id
            WHERE sl.lot_id IN ({marks}) AND sl.voided = %s AND s.voided = %s
            ORDER BY sl.id"""
        with connection.cursor() as cursor:
            cursor.execute(sql, [*chunk, False, False])
            for lot_id, coi, kind in cursor.fetchall():
                last[ids[lot_id]] = (coi, kind)  # the latest shipment wins
    return {number: coi for number, (coi, kind) in last.items() if coi is not None and kind == PersonKind.PATIENT}
