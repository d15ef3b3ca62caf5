"""The Single European Code for tissues and cells (SEC): Directive 2006/86/EC Annex VII, as amended
by Commission Directive (EU) 2015/565. Printed after the letters "SEC":

    donation identification sequence (21)   country (2, ISO 3166-1 alpha-2)
                                            + tissue establishment number (6)
                                            + unique donation number (13)
    product identification sequence (19)    coding system (1: E = EUTC, A = ISBT 128, B = Eurocode)
                                            + product number (7) + split number (3)
                                            + expiry date (8, YYYYMMDD; 00000000 when none)

the two separated by one space or printed on two lines. ISBT 128 Data Structure 038 carries the
40 characters without a separator. check_sec reports every field error, never raises.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

DONATION_LENGTH = 21
PRODUCT_LENGTH = 19
CODING_SYSTEMS = {"E": "EUTC", "A": "ISBT 128", "B": "Eurocode"}
NO_EXPIRY = "00000000"
# The states whose tissue establishments hold EU codes: the EU Member States and the EEA states that
# apply the Tissues and Cells Directives (Iceland, Liechtenstein, Norway); Greece is GR in ISO 3166-1.
COUNTRIES = frozenset(
    {
        # EU Member States
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
        "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
        # EEA
        "IS", "LI", "NO",
    }
)  # fmt: skip
_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ALNUM = _UPPER | frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_DIGITS = frozenset("0123456789")
_SEPARATORS = (" ", "\n", "\r\n")
_PREFIX = re.compile(r"^SEC:?(?=\s|$)")
_TWO_PARTS = re.compile(r"^(\S+)(\s+)(\S+)$")


@dataclass
class SecCheck:
    """What check_sec found: valid when no field broke a rule; each error is "field: rule"."""

    valid: bool
    errors: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)

    def document(self) -> dict[str, Any]:
        """Return what `atmp trace id sec --json` prints and the API answers."""
        return {"valid": self.valid, "errors": list(self.errors), "fields": dict(self.fields)}


def check_sec(text: str) -> SecCheck:
    """Check an SEC's structure and fields; return every error, each naming the field and the rule."""
    errors: list[str] = []
    fields: dict[str, Any] = {}
    body = text.strip()
    if (prefix := _PREFIX.match(body)) is not None:
        body = body[prefix.end() :].strip()
    parts = _split(body, errors)
    if parts is not None:
        _check_donation(parts[0], fields, errors)
        _check_product(parts[1], fields, errors)
    return SecCheck(valid=not errors, errors=errors, fields=fields)


def _split(body: str, errors: list[str]) -> tuple[str, str] | None:
    """Return the donation and product identification sequences, or None (with the error)."""
    two = _TWO_PARTS.match(body)
    if two is not None:
        if two.group(2) not in _SEPARATORS:
            errors.append(f"separator: {two.group(2)!r} between the sequences: must be one space or a line break")
        return two.group(1), two.group(3)
    whole = DONATION_LENGTH + PRODUCT_LENGTH
    if body and not any(c.isspace() for c in body) and len(body) == whole:
        return body[:DONATION_LENGTH], body[DONATION_LENGTH:]
    found = len(body.split())
    if found > 2:
        errors.append(f"sec: must be two sequences separated by one space or a line break; found {found} parts")
    else:
        errors.append(
            "sec: must be the donation identification sequence (21 characters) and the product "
            f"identification sequence (19), separated by one space or a line break; got {len(body)} characters"
        )
    return None


def _check_donation(sequence: str, fields: dict[str, Any], errors: list[str]) -> None:
    fields["donation_identification_sequence"] = sequence
    if len(sequence) != DONATION_LENGTH:
        errors.append(
            "donation_identification_sequence: must be 21 characters (country 2, tissue establishment "
            f"number 6, unique donation number 13); got {len(sequence)}"
        )
        return
    country, establishment, donation = sequence[:2], sequence[2:8], sequence[8:]
    fields.update(
        eu_tissue_establishment_code=sequence[:8],
        country=country,
        tissue_establishment_number=establishment,
        unique_donation_number=donation,
    )
    if not _all_in(country, _UPPER):
        errors.append(f"country: {country!r}: must be two capital letters (ISO 3166-1 alpha-2)")
    elif country not in COUNTRIES:
        errors.append(f"country: {country!r} is not the ISO 3166-1 code of an EU or EEA state")
    if not _all_in(establishment, _ALNUM):
        errors.append(f"tissue_establishment_number: {establishment!r}: must be 6 letters or digits")
    if not _all_in(donation, _ALNUM):
        errors.append(f"unique_donation_number: {donation!r}: must be 13 letters or digits")


def _check_product(sequence: str, fields: dict[str, Any], errors: list[str]) -> None:
    fields["product_identification_sequence"] = sequence
    if len(sequence) != PRODUCT_LENGTH:
        errors.append(
            "product_identification_sequence: must be 19 characters (coding system 1, product number 7, "
            f"split number 3, expiry date 8); got {len(sequence)}"
        )
        return
    system, product, split, expiry = sequence[0], sequence[1:8], sequence[8:11], sequence[11:]
    fields.update(
        product_code=sequence[:8],
        coding_system=system,
        coding_system_name=CODING_SYSTEMS.get(system),
        product_number=product,
        split_number=split,
        expiry_date=None,
    )
    if system not in CODING_SYSTEMS:
        errors.append(f"coding_system: {system!r}: must be E (EUTC), A (ISBT 128) or B (Eurocode)")
    if not _all_in(product, _ALNUM):
        errors.append(f"product_number: {product!r}: must be 7 letters or digits")
    if not _all_in(split, _ALNUM):
        errors.append(f"split_number: {split!r}: must be 3 letters or digits")
    if not _all_in(expiry, _DIGITS):
        errors.append(f"expiry_date: {expiry!r}: must be 8 digits, YYYYMMDD (00000000 when there is none)")
    elif expiry != NO_EXPIRY:
        try:
            fields["expiry_date"] = dt.date(int(expiry[:4]), int(expiry[4:6]), int(expiry[6:])).isoformat()
        except ValueError:
            errors.append(f"expiry_date: {expiry!r} is not a date (YYYYMMDD, or 00000000 when there is none)")


def _all_in(text: str, allowed: frozenset[str]) -> bool:
    return all(c in allowed for c in text)
