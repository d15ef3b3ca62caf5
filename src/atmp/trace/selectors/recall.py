"""The recall impact: every lot a forward trace reaches, where its units are, and whom to reach.

Issue 13 item 7. From a lot, a donor or a patient (the trace's roots), one statement walks the
genealogy forward with the trace's own recursive query (genealogy.reach) and reads, for each lot
reached, its material, status, level, quantity, unit and location, the live uses that consumed it
(into which lots, how much), its live administrations (to which patients, by COI, how much) and
the shipments that carried it (chain of custody): ONE query, whatever the size of the impact, never
a query per lot or per hop.

Where each lot's units are is `whereabouts`, computed from those facts alone: in stock (what
remains, and where), consumed into other lots, administered, shipped (each shipment that carried
it, to its destination, which is also a consignee to reach).

Only COI codes and site codes leave this module: never a person's name (DESIGN.md principle 8).
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection

from atmp.trace import units
from atmp.trace.models import Lot, Person
from atmp.trace.selectors import genealogy

IN_STOCK = "in stock"
CONSUMED = "consumed"
ADMINISTERED = "administered"
SHIPPED = "shipped"
# A lot in one of these states holds no stock whatever its books say: what was left of a consumed
# lot was used up or discarded (workflows/lots.py, "Mark consumed").
NO_STOCK = frozenset({"consumed"})


@dataclass(frozen=True)
class UsedInto:
    """A quantity of the lot that went into another lot (live uses, summed per output and unit)."""

    lot: str
    quantity: Decimal
    unit: str


@dataclass(frozen=True)
class GivenTo:
    """A patient the lot was given to, by COI, the site (treatment centre) they are registered at, and how much."""

    coi: str
    site: str
    site_id: int
    quantity: Decimal | None = None  # None: the administration recorded no quantity
    unit: str = ""


@dataclass(frozen=True)
class ShippedTo:
    """A shipment that carried the lot (chain of custody), to its destination."""

    shipment: str
    consignee: str  # the destination named on the shipment
    site_id: int | None = None  # the shipping site (whose record the shipment is)


@dataclass(frozen=True)
class LotFacts:
    """What the impact query read about one lot: the inputs of `whereabouts`."""

    id: int
    number: str
    material: str
    type: str
    status: str
    site: str
    site_id: int
    level: int
    quantity: Decimal
    unit: str
    location: str
    uses: tuple[UsedInto, ...] = ()
    administrations: tuple[GivenTo, ...] = ()
    shipments: tuple[ShippedTo, ...] = ()


@dataclass(frozen=True)
class Whereabouts:
    """Where a lot's units are: in stock (what remains, where), consumed, administered, shipped."""

    remaining: Decimal
    unit: str
    location: str
    site: str
    consumed_into: tuple[UsedInto, ...]
    administered_to: tuple[GivenTo, ...]
    shipped: tuple[ShippedTo, ...]

    @property
    def in_stock(self) -> bool:
        """Return True when some of the lot is still on the shelf at its site."""
        return self.remaining > 0

    @property
    def places(self) -> list[str]:
        """Return where its units are, in a fixed order: in stock, consumed, administered, shipped."""
        found = [
            (IN_STOCK, self.in_stock),
            (CONSUMED, bool(self.consumed_into)),
            (ADMINISTERED, bool(self.administered_to)),
            (SHIPPED, bool(self.shipped)),
        ]
        return [name for name, there in found if there]


def whereabouts(facts: LotFacts) -> Whereabouts:
    """Return where the lot's units are, from its status, remaining quantity, uses, administrations and shipments."""
    used = sum((units.convert(u.quantity, u.unit, facts.unit) for u in facts.uses), Decimal(0))
    used += sum(
        (units.convert(a.quantity, a.unit, facts.unit) for a in facts.administrations if a.quantity is not None),
        Decimal(0),
    )
    remaining = max(facts.quantity - used, Decimal(0))
    if facts.status in NO_STOCK:
        remaining = Decimal(0)
    return Whereabouts(
        remaining=remaining,
        unit=facts.unit,
        location=facts.location,
        site=facts.site,
        consumed_into=facts.uses,
        administered_to=facts.administrations,
        shipped=facts.shipments,
    )


@dataclass(frozen=True)
class ImpactedLot:
    """A lot the recall reaches: its facts and where its units are."""

    facts: LotFacts
    where: Whereabouts

    @property
    def number(self) -> str:
        """Return the lot's number."""
        return self.facts.number


@dataclass(frozen=True)
class Consignee:
    """A site to reach: a treatment centre whose patients were given an affected lot, or a site holding one."""

    site: str
    site_id: int
    kind: str  # "hospital" (its patients were given a lot) or "consignee" (it holds or received a lot)
    lots: tuple[str, ...]
    reference: str = ""  # how the recall names it: the site's code, or the shipment's number


@dataclass(frozen=True)
class Impact:
    """What recalling the root reaches: every lot once, the patients (COI) and the consignees."""

    root: str
    root_key: str
    root_site_id: int
    lots: list[ImpactedLot]
    patients: list[GivenTo] = field(default_factory=list)
    consignees: list[Consignee] = field(default_factory=list)

    def visible_to(self, site_ids: Collection[int] | None) -> Impact:
        """Return the impact with only the lots, patients and consignees of those sites (None: every site)."""
        if site_ids is None:
            return self
        return Impact(
            root=self.root,
            root_key=self.root_key,
            root_site_id=self.root_site_id,
            lots=[x for x in self.lots if x.facts.site_id in site_ids],
            patients=[p for p in self.patients if p.site_id in site_ids],
            consignees=[c for c in self.consignees if c.site_id in site_ids],
        )


def _thousandths(value: Any) -> Decimal:
    return Decimal(int(value)).scaleb(-3)


def _rows(root: Lot | Person, max_levels: int) -> Sequence[tuple[Any, ...]]:
    """Run the one statement: the lots reached, their live uses and their live administrations."""
    walk, params = genealogy.reach(root, "forward", max_levels=max_levels)
    # Each branch starts from the lots reached and looks their rows up by index, one lookup each
    # (genealogy.each: neither database can guess how many lots a walk reaches).
    each = genealogy.each
    lot = each("l", "trace_lot", "l.id, l.number, l.status, l.site_id, l.material_id, l.quantity, l.unit, l.location",
               "l.id = b.id")  # fmt: skip
    use = each("u", "trace_use", "u.input_id, u.output_id, u.quantity, u.unit", "u.input_id = b.id AND u.voided = %s")
    given = each(
        "a", "trace_administration", "a.lot_id, a.patient_id, a.quantity, a.unit", "a.lot_id = b.id AND a.voided = %s"
    )
    carried = each("i", "trace_shipmentlot", "i.lot_id, i.shipment_id", "i.lot_id = b.id AND i.voided = %s")
    # Quantities as whole thousandths (the columns' precision): exact on SQLite, which would
    # otherwise hand decimals over as doubles (genealogy.used does the same).
    sql = f"""{walk}
        SELECT 'lot', b.id, l.number, m.code, m.type, l.status, s.code, l.site_id, b.level,
               CAST(ROUND(l.quantity * 1000) AS BIGINT), l.unit, l.location
        FROM best b {lot}
        JOIN trace_material m ON m.id = l.material_id JOIN accounts_site s ON s.id = l.site_id
        UNION ALL
        SELECT 'use', b.id, o.number, NULL, NULL, NULL, NULL, NULL, NULL,
               SUM(CAST(ROUND(u.quantity * 1000) AS BIGINT)), u.unit, NULL
        FROM best b {use}
        JOIN trace_lot o ON o.id = u.output_id
        GROUP BY b.id, o.number, u.unit
        UNION ALL
        SELECT 'given', b.id, p.coi, NULL, NULL, NULL, s.code, p.site_id, NULL,
               CAST(ROUND(a.quantity * 1000) AS BIGINT), a.unit, NULL
        FROM best b {given}
        JOIN trace_person p ON p.id = a.patient_id JOIN accounts_site s ON s.id = p.site_id
        UNION ALL
        SELECT 'shipped', b.id, h.number, NULL, NULL, NULL, h.destination, h.site_id, NULL, NULL, NULL, NULL
        FROM best b {carried}
        JOIN trace_shipment h ON h.id = i.shipment_id AND h.voided = %s
        ORDER BY 1, 2, 3"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, False, False, False, False])
        return cursor.fetchall()


def facts_of(root: Lot | Person, *, max_levels: int = genealogy.MAX_LEVELS) -> list[LotFacts]:
    """Return what one query reads about every lot a forward trace from the root reaches, nearest first."""
    lots: dict[int, dict[str, Any]] = {}
    uses: dict[int, list[UsedInto]] = {}
    given: dict[int, list[GivenTo]] = {}
    shipped: dict[int, list[ShippedTo]] = {}
    for row in _rows(root, max_levels):
        kind, lot_id = row[0], int(row[1])
        if kind == "lot":
            lots[lot_id] = {
                "id": lot_id,
                "number": row[2],
                "material": row[3],
                "type": row[4],
                "status": row[5],
                "site": row[6],
                "site_id": int(row[7]),
                "level": int(row[8]),
                "quantity": _thousandths(row[9]),
                "unit": row[10],
                "location": row[11] or "",
            }
        elif kind == "use":
            uses.setdefault(lot_id, []).append(UsedInto(row[2], _thousandths(row[9]), row[10]))
        elif kind == "shipped":
            shipped.setdefault(lot_id, []).append(ShippedTo(row[2], row[6], int(row[7])))
        else:
            amount = None if row[9] is None else _thousandths(row[9])
            given.setdefault(lot_id, []).append(GivenTo(row[2], row[6], int(row[7]), amount, row[10] or ""))
    found = [
        LotFacts(
            **values,
            uses=tuple(uses.get(i, ())),
            administrations=tuple(given.get(i, ())),
            shipments=tuple(shipped.get(i, ())),
        )
        for i, values in lots.items()
    ]
    return sorted(found, key=lambda f: (f.level, f.number))


def where_is(lot: Lot) -> Whereabouts:
    """Return where one lot's units are (the same query, walking no further than the lot itself)."""
    return whereabouts(facts_of(lot, max_levels=0)[0])


def _consignees(lots: list[ImpactedLot], root_site_id: int) -> list[Consignee]:
    """Return the sites to reach: the patients' treatment centres, and the other sites holding or receiving a lot."""
    # (site id, kind, name, reference): a site is named and referred to by its code; a shipment's
    # destination is a place named on the shipment, referred to by the shipment's number.
    found: dict[tuple[int, str, str, str], set[str]] = {}
    for x in lots:
        for patient in x.where.administered_to:
            found.setdefault((patient.site_id, "hospital", patient.site, patient.site), set()).add(x.number)
        if x.where.in_stock and x.facts.site_id != root_site_id:
            found.setdefault((x.facts.site_id, "consignee", x.facts.site, x.facts.site), set()).add(x.number)
        for shipment in x.where.shipped:
            key = (shipment.site_id or 0, "consignee", shipment.consignee, shipment.shipment)
            found.setdefault(key, set()).add(x.number)
    return [
        Consignee(site=site, site_id=site_id, kind=kind, lots=tuple(sorted(numbers)), reference=reference)
        for (site_id, kind, site, reference), numbers in sorted(found.items(), key=lambda kv: (kv[0][2], kv[0][1]))
    ]


def impact(root: Lot | Person) -> Impact:
    """Return every lot recalling the root reaches, where its units are, and the patients and consignees to reach."""
    lots = [ImpactedLot(facts, whereabouts(facts)) for facts in facts_of(root)]
    patients: dict[str, GivenTo] = {}
    for x in lots:
        for p in x.where.administered_to:
            patients.setdefault(p.coi, p)
    name = root.number if isinstance(root, Lot) else root.coi
    return Impact(
        root=name,
        root_key=root.record_key,
        root_site_id=root.site_id,
        lots=lots,
        patients=sorted(patients.values(), key=lambda p: p.coi),
        consignees=_consignees(lots, root.site_id),
    )


def timed(root: Lot | Person) -> tuple[Impact, float]:
    """Return the impact and how long it took, in milliseconds (what `elapsed_ms` reports)."""
    start = time.perf_counter()
    found = impact(root)
    return found, round((time.perf_counter() - start) * 1000, 3)
