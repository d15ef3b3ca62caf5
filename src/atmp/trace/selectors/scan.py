"""Reading a scan back: what a barcode reader acting as a keyboard typed (or a person typed), to the
lot and the person it names.

    from atmp.trace.selectors import scan
    found = scan.read(text, viewer=user)   # -> scan.Scanned(lot, person, kind, identifiers)
    found.lot, found.person                # a Lot or None, a Person or None

`read` takes, in this order of trust:

1. a lot number or a COI, exactly as stored (typed, or a plain symbol);
2. a GS1 element string (the GS1 DataMatrix of atmp's labels, or any with AI 10 and/or 240):
   with or without its symbology identifier (]d2, ]C1…), with the group separator (ASCII 29)
   or in the human-readable form (01)…(10)…; AI 10 names the lot, AI 240 the COI;
3. ISBT 128 data structures, one or concatenated, or the compound message of a 2-D symbol (]d1,
   ]C0, ]C4 in front are dropped): the DIN names the lot (the lot numbered with it, or, with a
   product code, the one lot of that product made from that donation).

Everything a scan carries must agree with what is stored: the COI with the lot's patient, the
GTIN with the lot's material, the expiry with the lot's, the product code with its material's.
A refusal is a ScanRefused (400 on the API, exit 2 on the CLI) naming the identifier and the rule;
nothing is written. The custody and administration pages call `read` on what was scanned and
compare `lot` and `person` with what they expect.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import QuerySet

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import User
from atmp.accounts.services import can_see
from atmp.trace import coi as coi_scheme
from atmp.trace.identifiers import IdentifierError, gs1, isbt128
from atmp.trace.models import Lot, Person
from atmp.trace.selectors import genealogy
from atmp.trace.selectors.labels import is_din, patient_of

GS = gs1.GS
MAX_LENGTH = 400
# Symbology identifiers (ISO/IEC 15424) of a plain Data Matrix: an ISBT 128 2-D symbol carries no FNC1.
_PLAIN_MATRIX = ("]d1",)


class ScanRefused(InvalidInput):
    """A scan refused: `field` names the identifier (scan.gs1.10, scan.isbt128.001…), the message the rule."""


@dataclass(frozen=True)
class Scanned:
    """What a scan named: the lot and/or the person, how it was read, and the identifiers it carried."""

    kind: str  # "lot", "coi", "gs1" or "isbt128"
    lot: Lot | None = None
    person: Person | None = None
    identifiers: dict[str, Any] = field(default_factory=dict)

    def document(self) -> dict[str, Any]:
        """Return what `atmp trace scan --json` prints and the API answers."""
        return {
            "kind": self.kind,
            "lot": self.lot.number if self.lot is not None else None,
            "coi": self.person.coi if self.person is not None else None,
            "identifiers": self.identifiers,
        }


def read(text: str, *, viewer: User | None = None, today: dt.date | None = None) -> Scanned:
    """Return the lot and/or person a scan names, or refuse it naming the identifier and the rule."""
    body = _clean(text)
    plain = _exact(body, viewer)
    if plain is not None:
        return plain
    if body.startswith(isbt128.SYMBOLOGY_IDENTIFIERS + _PLAIN_MATRIX) or body[:1] in "=&":
        return _isbt128(body, viewer)
    digits_first = body[:2].isascii() and body[:2].isdigit()
    if body.startswith(gs1.SYMBOLOGY_IDENTIFIERS) or body.startswith(("(", GS)) or GS in body or digits_first:
        return _gs1(body, viewer, today)
    if coi_scheme.COI.match(body) and not coi_scheme.is_valid(body):
        raise ScanRefused("scan.coi", f"{body}: its check character is wrong (ISO/IEC 7064 MOD 37-2): a misread COI")
    raise ScanRefused(
        "scan", f"{body!r} is no lot number or COI known here, nor a GS1 element string or ISBT 128 data structure"
    )


def _clean(text: str) -> str:
    # A keyboard-mode scanner ends with Enter (CR/LF) and may lead with spaces; GS is data, kept.
    body = str(text).strip(" \t\r\n")
    if not body:
        raise ScanRefused("scan", "empty: scan the label's symbol, or type its lot number or COI")
    if len(body) > MAX_LENGTH:
        raise ScanRefused("scan", f"{len(body)} characters: a label's symbol carries at most {MAX_LENGTH}")
    bad = next((c for c in body if (c < " " and c != GS) or c == "\x7f"), None)
    if bad is not None:
        raise ScanRefused("scan", f"control character {ord(bad):#04x}: only the group separator (0x1d) is data")
    return body


def _exact(body: str, viewer: User | None) -> Scanned | None:
    """Return the lot or person the text names exactly, or None."""
    lot = _lot(body, viewer)
    if lot is not None:
        return Scanned("lot", lot=lot, person=patient_of(lot), identifiers={"lot": lot.number})
    person = _person(body, viewer)
    if person is not None:
        return Scanned("coi", person=person, identifiers={"coi": person.coi})
    return None


def _lots() -> QuerySet[Lot]:
    # Lot's manager is declared on WorkflowRecord; the cast gives the type checker Lot's fields.
    return cast("QuerySet[Lot]", Lot.objects.all()).select_related("material", "site", "donor")


def _lot(number: str, viewer: User | None) -> Lot | None:
    found = _lots().filter(number=number, voided=False).first()
    if found is None or (viewer is not None and not can_see(viewer, found)):
        return None
    return found


def _person(code: str, viewer: User | None) -> Person | None:
    found = Person.objects.filter(coi=code, voided=False).first()
    if found is None or (viewer is not None and not can_see(viewer, found)):
        return None
    return found


# --- GS1 -------------------------------------------------------------------------------------


def _gs1(body: str, viewer: User | None, today: dt.date | None) -> Scanned:
    try:
        read_string = gs1.parse_element_string(body, today=today)
    except IdentifierError as exc:
        raise ScanRefused(f"scan.{exc.field}", exc.rule) from None
    values = {e.ai: e.value for e in read_string.elements}
    if "10" not in values and "240" in values:
        _split_lost_separator(values)
    identifiers: dict[str, Any] = {"gs1": read_string.document()}
    lot = person = None
    if "10" in values:
        lot = _lot(values["10"], viewer)
        if lot is None:
            raise ScanRefused("scan.gs1.10", f"there is no lot {values['10']!r} (the BATCH/LOT of the scan)")
    if "240" in values:
        person = _person(values["240"], viewer)
        if person is None:
            raise ScanRefused("scan.gs1.240", f"there is no person of COI {values['240']!r} (AI 240 of the scan)")
    if lot is None and person is None:
        raise ScanRefused("scan.gs1", "the element string names no lot (AI 10) and no COI (AI 240)")
    if lot is not None:
        _agrees_gs1(lot, person, values, read_string)
        person = person or patient_of(lot)
    return Scanned("gs1", lot=lot, person=person, identifiers=identifiers)


def _split_lost_separator(values: dict[str, str]) -> None:
    """Recover AI 10 from AI 240 when a keyboard dropped the group separator between them.

    atmp's labels put (240) COI before (10) LOT; without the separator the COI runs on into
    "10" + the lot number. The split is made only where a valid COI (its check character holds)
    ends and "10" follows: a COI cannot be misread as one, and the lot must then exist.
    """
    carried = values["240"]
    for end in range(len(carried) - 3, 1, -1):
        head, tail = carried[:end], carried[end:]
        if tail.startswith("10") and len(tail) > 2 and coi_scheme.is_valid(head):
            values["240"], values["10"] = head, tail[2:]
            return


def _agrees_gs1(lot: Lot, person: Person | None, values: dict[str, str], read_string: gs1.ElementString) -> None:
    """Refuse a GS1 scan whose GTIN, expiry or COI is not the lot's: a wrong or stale label."""
    gtin = values.get("01")
    if gtin is not None and gtin != lot.material.gtin:
        stored = lot.material.gtin or "none"
        raise ScanRefused(
            "scan.gs1.01", f"GTIN {gtin} is not the GTIN of lot {lot.number}'s material {lot.material.code} ({stored})"
        )
    expiry = next((e.date for e in read_string.elements if e.ai == "17"), None)
    if expiry is not None:
        stored_expiry = lot.expiry_date.isoformat() if lot.expiry_date else "none"
        if expiry != stored_expiry:
            raise ScanRefused("scan.gs1.17", f"expiry {expiry} is not lot {lot.number}'s ({stored_expiry})")
    if person is not None:
        patient = patient_of(lot)
        if patient is None or patient.pk != person.pk:
            whose = f"patient {patient.coi}'s" if patient is not None else "made for no one patient"
            raise ScanRefused(
                "scan.gs1.240", f"COI {person.coi} does not match lot {lot.number}, which is {whose}: a mix-up"
            )


# --- ISBT 128 --------------------------------------------------------------------------------


def _isbt128(body: str, viewer: User | None) -> Scanned:
    text = body.removeprefix(_PLAIN_MATRIX[0])
    try:
        structures = isbt128.read_data_structures(text)
    except IdentifierError as exc:
        raise ScanRefused(f"scan.{exc.field}", exc.rule) from None
    by_number = {s.number: s for s in structures}
    identifiers: dict[str, Any] = {"isbt128": [s.document() for s in structures]}
    din_structure = by_number.get("001")
    if din_structure is None:
        raise ScanRefused("scan.isbt128", "the scan carries no DIN (Data Structure 001): it names no lot")
    din = din_structure.fields["din"]
    product = by_number.get("003")
    lot = _lot_of_din(din, product.content if product is not None else None, viewer)
    expiry = by_number.get("004")
    if expiry is not None:
        stored = lot.expiry_date.isoformat() if lot.expiry_date else "none"
        if expiry.fields["date"] != stored:
            raise ScanRefused(
                "scan.isbt128.004", f"expiry {expiry.fields['date']} is not lot {lot.number}'s ({stored})"
            )
    return Scanned("isbt128", lot=lot, person=patient_of(lot), identifiers=identifiers)


def _lot_of_din(din: str, product_code: str | None, viewer: User | None) -> Lot:
    """Return the lot a DIN (and product code) names: the lot numbered with the DIN, or the one lot
    of the product code made from it (ISBT 128 keeps the donation's DIN on its products)."""
    donation = _lot(din, viewer)
    if donation is None:
        raise ScanRefused("scan.isbt128.001", f"there is no lot of DIN {din}")
    if product_code is None or donation.material.isbt128_product_code == product_code:
        return donation
    numbers = [x.number for x in genealogy.forward(donation).lots if x.level > 0 and not is_din(x.number)]
    candidates = [
        lot
        for lot in _lots().filter(number__in=numbers, voided=False)
        if lot.material.isbt128_product_code == product_code and (viewer is None or can_see(viewer, lot))
    ]
    if len(candidates) != 1:
        what = "no lot" if not candidates else f"{len(candidates)} lots"
        raise ScanRefused(
            "scan.isbt128.003", f"{what} of product code {product_code} made from DIN {din}: the scan names no one lot"
        )
    return candidates[0]
