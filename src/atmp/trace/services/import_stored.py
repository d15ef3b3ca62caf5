"""What the bulk import's checks read of what is stored: the records a file names or could collide with.

A few queries for the whole file, in chunks: the materials, lots and persons by key, what the
stored uses and administrations already took of each stored lot, and the stored genealogy reachable
from the lots the file uses (for the cycle check).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection

from atmp.trace.models import Lot
from atmp.trace.services.import_format import chunks
from atmp.trace.units import convert as convert_units

if TYPE_CHECKING:
    from atmp.trace.services.import_check import Checker


def load_stored(checker: Checker, parsed: list[tuple[int, str, dict[str, Any]]]) -> None:
    """Read, in a few queries, the stored records the file names or could collide with."""
    codes, numbers, cois = set(), set(), set()
    for _n, kind, v in parsed:
        if kind == "material":
            codes.add(str(v["code"]))
        elif kind == "lot":
            numbers.add(str(v["id"]))
            codes.add(str(v["material"]))
            if v.get("donor"):
                cois.add(str(v["donor"]))
        elif kind == "use":
            numbers.update((str(v["input"]), str(v["output"])))
        elif kind in ("donor", "patient"):
            cois.add(str(v["coi"]))
        else:
            numbers.add(str(v["lot"]))
            cois.add(str(v["patient"]))
    # Keys are looked up in plain SQL: the ORM's __in prepares each of thousands of values through
    # the field (a fifth of the checks' time on a fresh database, where nothing is found).
    for pk, code, unit, type_ in _found("SELECT id, code, unit, type FROM trace_material WHERE code IN ({})", codes):
        checker.stored_materials[code] = (pk, unit, type_)
    # Lot numbers and COIs share one namespace (receive_lot): both are looked up for each.
    keys = numbers | cois
    lot_ids = [pk for (pk,) in _found("SELECT id FROM trace_lot WHERE number IN ({})", keys)]
    for chunk in chunks(lot_ids):  # the quantities through the ORM, which reads decimals exactly
        for pk, number, quantity, unit, site_id in Lot._base_manager.filter(pk__in=chunk).values_list(
            "pk", "number", "quantity", "unit", "site_id"
        ):
            checker.stored_lots[number] = (pk, quantity, unit)
            if checker.site_ids is not None and site_id not in checker.site_ids:
                checker.hidden.add(number)
    for pk, code, kind, site_id in _found("SELECT id, coi, kind, site_id FROM trace_person WHERE coi IN ({})", keys):
        checker.stored_persons[code] = (pk, kind)
        if checker.site_ids is not None and site_id not in checker.site_ids:
            checker.hidden.add(code)
    _load_used(checker)


def _found(sql: str, keys: Iterable[str]) -> Iterator[tuple[Any, ...]]:
    """Yield the rows the query (its IN list a {} to fill) finds for the keys, a chunk at a time."""
    for chunk in chunks(sorted(keys)):
        with connection.cursor() as cursor:
            cursor.execute(sql.format(", ".join(["%s"] * len(chunk))), chunk)
            yield from cursor.fetchall()


def _load_used(checker: Checker) -> None:
    """Add what the stored uses and administrations already took of each stored lot (genealogy.used, many lots)."""
    by_pk = {pk: (number, unit) for number, (pk, _q, unit) in checker.stored_lots.items()}
    # Summed per unit as whole thousandths, as genealogy.used sums them; an administration
    # recorded without a quantity (before trace 0005) takes nothing.
    sql = """
        SELECT lot_id, unit, SUM(CAST(ROUND(quantity * 1000) AS BIGINT)) FROM (
            SELECT input_id AS lot_id, unit, quantity FROM trace_use WHERE voided = %s AND input_id IN ({marks})
            UNION ALL
            SELECT lot_id, unit, quantity FROM trace_administration
            WHERE voided = %s AND quantity IS NOT NULL AND lot_id IN ({marks})
        ) taken GROUP BY lot_id, unit"""
    for chunk in chunks(by_pk):
        with connection.cursor() as cursor:
            cursor.execute(sql.format(marks=", ".join(["%s"] * len(chunk))), [False, *chunk, False, *chunk])
            for pk, unit, total in cursor.fetchall():
                number, lot_unit = by_pk[pk]
                checker.taken[number] += convert_units(Decimal(int(total)).scaleb(-3), unit, lot_unit)


def stored_edges(lot_ids: list[int]) -> Iterator[tuple[str, str]]:
    """Yield (input number, output number) of every live stored use reachable forward from the lots."""
    for chunk in chunks(lot_ids):
        marks = ", ".join(["%s"] * len(chunk))
        sql = f"""
            WITH RECURSIVE down(id) AS (
                SELECT id FROM trace_lot WHERE id IN ({marks})
                UNION
                SELECT u.output_id FROM down JOIN trace_use u ON u.input_id = down.id WHERE u.voided = %s
            )
            SELECT a.number, b.number FROM down
            JOIN trace_use u ON u.input_id = down.id AND u.voided = %s
            JOIN trace_lot a ON a.id = u.input_id JOIN trace_lot b ON b.id = u.output_id"""
        with connection.cursor() as cursor:
            cursor.execute(sql, [*chunk, False, False])
            yield from cursor.fetchall()
