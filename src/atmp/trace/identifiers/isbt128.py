"""ISBT 128 (ICCBBA ISBT 128 Standard Technical Specification, ST-001 v6.2.2): the donation
identification number (DIN) with its keyboard entry check character, and the data structures a
scanner sends (§2.4), read with the reference tables of §3.1. docs/traceability.md says what is
read, from which section, and what is not.

A facility using ISBT 128 holds its own ICCBBA registration: the first five characters of its DINs
(the facility identification number, FIN) are assigned by ICCBBA, not by atmp.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from atmp.trace.identifiers import iso7064, sec
from atmp.trace.identifiers.errors import IdentifierError
from atmp.trace.identifiers.isbt128_tables import (
    BLOOD_GROUPS,
    COLLECTION_TYPES,
    FLAG_MEANINGS,
    KELL,
    KELL_COLUMNS,
    KNOWN,
    PHENOTYPE_ROWS,
    PRODUCT_TYPES,
    SPECIAL_MESSAGES,
)

DIN_LENGTH = 13
_DIGITS = frozenset("0123456789")
_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_ALNUM = _UPPER | _DIGITS
# ST-001 §2.4.1: α is A–N, P–Z or 1–9; the next two characters A–N, P–Z or 0–9 (no letter O, which
# reads as zero); then two digits. Together the five are the FIN.
_FIRST = (_UPPER - {"O"}) | (_DIGITS - {"0"})
_FACILITY = (_UPPER - {"O"}) | _DIGITS
_FLAG = _DIGITS | frozenset("ABCDEFGHJKLMNPRSTUVWXY")  # ff: 0–9, A–H, J–N, P, R–Y
TYPE_3_FLAGS = range(60, 97)  # Table 3: 60 + the MOD 37-2 checksum


def validate_din(din: str, *, field: str = "din") -> None:
    """Refuse a 13-character DIN that breaks ST-001 §2.4.1's structure, naming the part and the rule."""
    if len(din) != DIN_LENGTH:
        raise IdentifierError(field, f"must be 13 characters (facility 5, year 2, sequence 6); got {len(din)}")
    if din[0] not in _FIRST:
        raise IdentifierError(
            f"{field}.facility",
            f"character 1 {din[0]!r}: the facility identification number starts with A–N, P–Z or 1–9",
        )
    for position in (1, 2):
        if din[position] not in _FACILITY:
            raise IdentifierError(
                f"{field}.facility", f"character {position + 1} {din[position]!r}: must be A–N, P–Z or 0–9"
            )
    for position in (3, 4):
        if din[position] not in _DIGITS:
            raise IdentifierError(
                f"{field}.facility", f"character {position + 1} {din[position]!r}: the FIN ends in two digits"
            )
    if not _all_in(din[5:7], _DIGITS):
        raise IdentifierError(f"{field}.year", f"characters 6–7 {din[5:7]!r}: must be two digits (the nominal year)")
    if not _all_in(din[7:13], _DIGITS):
        raise IdentifierError(f"{field}.sequence", f"characters 8–13 {din[7:13]!r}: must be six digits")


def check_character(din: str) -> str:
    """Return the keyboard entry check character of a DIN (ISO/IEC 7064 MOD 37-2, ST-001 Appendix A)."""
    validate_din(din)
    return iso7064.mod37_2_check_character(din)


@dataclass(frozen=True)
class DinCheck:
    """A DIN with its check character: computed (nothing given) or checked against what was given."""

    din: str
    check_character: str
    checked: bool  # a check character or type 3 flags were given and compared
    valid: bool
    given: str | None = None  # the check character, or the type 3 flags, that was given
    flags: str | None = None

    def document(self) -> dict[str, Any]:
        """Return what `atmp trace id isbt128 --json` prints and the API answers."""
        return {"din": self.din, "check_character": self.check_character, "valid": self.valid}

    def refusal(self) -> str:
        """Return why the given check character (or type 3 flags) is refused; empty when valid."""
        if self.valid:
            return ""
        if self.flags is not None:
            expected = 60 + iso7064.mod37_2_checksum(self.din)
            return (
                f"din.flags: type 3 flag characters {self.flags} do not match {self.din}: "
                f"60 + its ISO/IEC 7064 MOD 37-2 checksum is {expected}"
            )
        return (
            f"din.check_character: {self.given!r} is not the check character of {self.din}: "
            f"ISO/IEC 7064 MOD 37-2 gives {self.check_character!r}"
        )


def check_din(text: str) -> DinCheck:
    """Compute the check character of a 13-character DIN, or check the one given as a 14th character,
    or the type 3 flags of a scanned Data Structure 001 (=αppppyynnnnnnff).

    Spaces (of the eye-readable form, G1234 98 654321 H) are ignored; anything else malformed raises
    IdentifierError naming the part and the rule. A wrong check character is not raised: the result
    says valid=False and refusal() why, so that each entry point decides what a mismatch means.
    """
    compact = "".join(text.split())
    if compact.startswith("="):
        if len(compact) != 16:
            raise IdentifierError(
                "din", f"a scanned DIN is =αppppyynnnnnnff (16 characters with the data identifier); got {len(compact)}"
            )
        din, flags = compact[1:14], compact[14:]
        validate_din(din)
        _validate_flags(flags, field="din.flags")
        k = iso7064.mod37_2_check_character(din)
        if (flags.isascii() and flags.isdigit()) and int(flags) in TYPE_3_FLAGS:
            ok = int(flags) == 60 + iso7064.mod37_2_checksum(din)
            return DinCheck(din, k, checked=True, valid=ok, given=flags, flags=flags)
        return DinCheck(din, k, checked=False, valid=True, flags=None)
    if len(compact) not in (DIN_LENGTH, DIN_LENGTH + 1):
        raise IdentifierError(
            "din",
            "must be 13 characters (facility 5, year 2, sequence 6), or 14 with its check character; "
            f"got {len(compact)}",
        )
    din = compact[:DIN_LENGTH]
    validate_din(din)
    k = iso7064.mod37_2_check_character(din)
    if len(compact) == DIN_LENGTH:
        return DinCheck(din, k, checked=False, valid=True)
    given = compact[DIN_LENGTH]
    if given not in iso7064.ALPHABET:
        raise IdentifierError("din.check_character", f"{given!r} is not a check character: 0–9, A–Z or *")
    return DinCheck(din, k, checked=True, valid=given == k, given=given)


def _validate_flags(flags: str, *, field: str) -> None:
    if len(flags) != 2 or not _all_in(flags, _FLAG):
        raise IdentifierError(field, f"{flags!r}: flag characters are two of 0–9, A–H, J–N, P, R–Y")


def flag_meaning(flags: str) -> str:
    """Return what the flag characters mean (ST-001 Table 3)."""
    if flags in FLAG_MEANINGS:
        return FLAG_MEANINGS[flags]
    if (flags.isascii() and flags.isdigit()) and 20 <= int(flags) <= 59:
        return "Defined locally (20–59): only the facility that defined it interprets it"
    if (flags.isascii() and flags.isdigit()) and int(flags) in TYPE_3_FLAGS:
        return "ISO/IEC 7064 modulo 37-2 check character on the 13 characters of the DIN (60 + checksum)"
    return "Reserved for future assignment"


# --- data structures --------------------------------------------------------------------------


@dataclass(frozen=True)
class DataStructure:
    """One ISBT 128 data structure read from a scan: its number and name (ST-001 Table 2), its
    data identifier, its data content, and the fields read from the content."""

    number: str
    name: str
    data_identifier: str
    content: str
    fields: dict[str, Any] = field(default_factory=dict)

    def document(self) -> dict[str, Any]:
        """Return the structure as the CLI and the API print it."""
        return {
            "number": self.number,
            "name": self.name,
            "data_identifier": self.data_identifier,
            "content": self.content,
            "fields": self.fields,
        }


Reader = Callable[[str, str], dict[str, Any]]


@dataclass(frozen=True)
class _Spec:
    number: str
    name: str
    data_identifier: str
    length: int  # of the data content
    form: str  # ST-001's structure, e.g. =<αooootds
    read: Reader


# Symbology identifiers a Code 128 scanner may send first (ISO/IEC 15424): ]C0 plain, ]C4 ISBT 128
# concatenation.
SYMBOLOGY_IDENTIFIERS = ("]C0", "]C4")


def read_data_structures(text: str) -> list[DataStructure]:
    """Read the ISBT 128 data structures of a scan, in order (a concatenated scan holds several).

    Reads Data Structures 001–009, 023 (the compound message of a 2-D symbol, whose count of the
    structures that follow it is checked), 038 and 040; refuses anything else, and any content that
    breaks its structure, with an IdentifierError naming the structure (isbt128.NNN[.part]) and the rule.
    """
    rest = text.strip()
    for prefix in SYMBOLOGY_IDENTIFIERS:
        if rest.startswith(prefix):
            rest = rest[len(prefix) :]
            break
    if not rest:
        raise IdentifierError("isbt128", "empty: a scan starts with a data identifier such as =G (a DIN) or =< ")
    found: list[DataStructure] = []
    while rest:
        spec = _identify(rest)
        whole = len(spec.data_identifier) + spec.length
        if len(rest) < whole:
            raise IdentifierError(
                f"isbt128.{spec.number}",
                f"{spec.name} is {spec.form} ({whole} characters with its data identifier); got {len(rest)}",
            )
        content = rest[len(spec.data_identifier) : whole]
        # The DIN's data identifier is =α, and α is also the first character of its content (§2.4.1).
        identifier = rest[:2] if spec is _DIN_SPEC else spec.data_identifier
        found.append(DataStructure(spec.number, spec.name, identifier, content, spec.read(content, spec.number)))
        rest = rest[whole:]
    _check_compound_counts(found)
    return found


def _check_compound_counts(found: list[DataStructure]) -> None:
    """Refuse a compound message (023) whose count `aa` is not the number of structures after it."""
    for i, structure in enumerate(found):
        if structure.number != "023":
            continue
        following = len(found) - i - 1
        if structure.fields["structures"] != following:
            raise IdentifierError(
                "isbt128.023.structures",
                f"the compound message announces {structure.fields['structures']} data structures; "
                f"{following} follow it",
            )


def _identify(rest: str) -> _Spec:
    if rest[0] == "=" and len(rest) > 1 and rest[1] in _FIRST:
        return _DIN_SPEC
    for size in (3, 2):
        identifier = rest[:size]
        if identifier in SPECS:
            return SPECS[identifier]
        if identifier in KNOWN:
            number, name = KNOWN[identifier]
            raise IdentifierError(
                "isbt128",
                f"data identifier {identifier!r} ({name}, Data Structure {number}) is not one atmp reads: "
                "it reads 001–009, 023, 038 and 040",
            )
    raise IdentifierError(
        "isbt128",
        f"{rest[:3]!r} does not start an ISBT 128 data structure (ST-001 Table 2): "
        "a data identifier begins with = or &",
    )


def _read_din(content: str, number: str) -> dict[str, Any]:
    din, flags = content[:DIN_LENGTH], content[DIN_LENGTH:]
    validate_din(din, field=f"isbt128.{number}")
    _validate_flags(flags, field=f"isbt128.{number}.flags")
    checksum = iso7064.mod37_2_checksum(din)
    if (flags.isascii() and flags.isdigit()) and int(flags) in TYPE_3_FLAGS and int(flags) != 60 + checksum:
        raise IdentifierError(
            f"isbt128.{number}.flags",
            f"type 3 flag characters {flags} do not match {din}: 60 + its MOD 37-2 checksum is {60 + checksum}",
        )
    return {
        "din": din,
        "facility": din[:5],
        "year": din[5:7],
        "sequence": din[7:],
        "flags": flags,
        "flag_meaning": flag_meaning(flags),
        "check_character": iso7064.ALPHABET[checksum],
    }


def _read_blood_groups(content: str, number: str) -> dict[str, Any]:
    gg, r, e = content[:2], content[2], content[3]
    if not _all_in(gg, _ALNUM | _LOWER):
        raise IdentifierError(f"isbt128.{number}.abo_rhd", f"{gg!r}: gg is two of A–Z, a–z, 0–9")
    if r not in _ALNUM or e not in _ALNUM:
        raise IdentifierError(f"isbt128.{number}.phenotype", f"{r + e!r}: r and e are each one of A–Z, 0–9")
    fields: dict[str, Any] = {"abo_rhd": None, "intended_use": None, "special_message": None}
    if gg in BLOOD_GROUPS:
        fields["abo_rhd"], fields["intended_use"] = BLOOD_GROUPS[gg]
    elif gg in SPECIAL_MESSAGES:
        fields["special_message"] = SPECIAL_MESSAGES[gg]
    else:
        raise IdentifierError(
            f"isbt128.{number}.abo_rhd",
            f"{gg!r} is not a value of ST-001 Table 4 (ABO and RhD) or Table 5 (special messages)",
        )
    fields.update({"phenotype_code": r, "kell": None, "phenotype": None, "mia_mur": None, "special_testing": False})
    if r in "UV":
        fields["mia_mur"] = "negative" if r == "U" else "positive"
    elif r == "W":
        fields["special_testing"] = True  # a Special Testing bar code must be scanned and interpreted
    else:
        column = next(i for i, letters in enumerate(KELL_COLUMNS) if r in letters)
        row = PHENOTYPE_ROWS[KELL_COLUMNS[column].index(r)]
        fields["kell"] = KELL[column]
        fields["phenotype"] = dict(zip(("C", "c", "E", "e"), row, strict=True)) if row else None
    fields["reserved"] = e  # ST-001: always 0 today; kept as read for a later version's meaning
    return fields


def _read_product_code(content: str, number: str) -> dict[str, Any]:
    pdc, tds = content[:5], content[5:]
    where = f"isbt128.{number}"
    alpha = pdc[0]
    if alpha not in _UPPER or not _all_in(pdc[1:], _ALNUM):
        raise IdentifierError(
            f"{where}.product_description_code", f"{pdc!r}: αoooo is a capital letter and four of A–Z, 0–9"
        )
    if (
        alpha not in PRODUCT_TYPES
        or (alpha == "Y" and pdc[1] not in _UPPER)
        or (alpha == "X" and pdc[1] not in _DIGITS)
    ):
        raise IdentifierError(
            f"{where}.product_description_code", f"{pdc!r}: no product type of ST-001 §2.4.3 starts so"
        )
    fields: dict[str, Any] = {
        "product_description_code": pdc,
        "product_type": PRODUCT_TYPES[alpha],
        "collection_type": None,
        "collection_type_meaning": None,
        "division": tds,
    }
    if alpha in "EFHSP" or pdc[:2] == "X0" or alpha == "Y":
        t, d, s = tds[0], tds[1], tds[2]
        if t not in COLLECTION_TYPES:
            raise IdentifierError(f"{where}.collection_type", f"{t!r} is not a type of collection of ST-001 Table 7")
        if d not in _ALNUM or s not in (_LOWER | _DIGITS):
            raise IdentifierError(
                f"{where}.division",
                f"{d + s!r}: the division code is a capital letter or digit, then a small letter or digit",
            )
        fields.update(collection_type=t, collection_type_meaning=COLLECTION_TYPES[t], division=d + s)
    elif alpha in "MNRTVW":
        if not _all_in(tds, _DIGITS):
            raise IdentifierError(
                f"{where}.division", f"{tds!r}: the division code of this product type is three digits"
            )
    elif alpha == "X":  # X1–X9: tds reserved for future use, 000
        if tds != "000":
            raise IdentifierError(f"{where}.division", f"{tds!r}: for X1–X9 tds is reserved and must be 000")
    elif not _all_in(tds, _ALNUM | _LOWER):  # A–D: national or local definitions
        raise IdentifierError(f"{where}.division", f"{tds!r}: tds is three of A–Z, a–z, 0–9")
    return fields


def _ordinal_date(cyyjjj: str, where: str) -> dt.date:
    if not _all_in(cyyjjj, _DIGITS):
        raise IdentifierError(f"{where}.date", f"{cyyjjj!r}: cyyjjj is six digits (century, year, day of the year)")
    # ST-001 says only "the century"; labels in use write 0 for 2000–2099 (see docs/traceability.md).
    year = 2000 + 100 * int(cyyjjj[0]) + int(cyyjjj[1:3])
    day = int(cyyjjj[3:])
    days_in_year = 366 if _leap(year) else 365
    if not 1 <= day <= days_in_year:
        raise IdentifierError(f"{where}.date", f"{cyyjjj!r}: day {day} is not a day of {year} (1–{days_in_year})")
    return dt.date(year, 1, 1) + dt.timedelta(days=day - 1)


def _read_date(content: str, number: str) -> dict[str, Any]:
    return {"date": _ordinal_date(content, f"isbt128.{number}").isoformat()}


def _read_date_time(content: str, number: str) -> dict[str, Any]:
    where = f"isbt128.{number}"
    day = _ordinal_date(content[:6], where)
    hhmm = content[6:]
    if not _all_in(hhmm, _DIGITS) or int(hhmm[:2]) > 23 or int(hhmm[2:]) > 59:
        raise IdentifierError(f"{where}.time", f"{hhmm!r}: hhmm is a time from 0000 to 2359")
    return {"date": day.isoformat(), "time": f"{hhmm[:2]}:{hhmm[2:]}"}


def _read_sec(content: str, number: str) -> dict[str, Any]:
    if not _all_in(content, _ALNUM | _LOWER):
        raise IdentifierError(f"isbt128.{number}", "the SEC is 40 of A–Z, a–z, 0–9 (no space)")
    result = sec.check_sec(content)
    return result.document()


def _read_chain_of_identity(content: str, number: str) -> dict[str, Any]:
    where = f"isbt128.{number}"
    if content[:2] != "CH":
        raise IdentifierError(where, f"{content[:2]!r}: the content starts with the literal CH")
    body = content[2:]
    if body[0] not in _FIRST or not _all_in(body[1:3], _FACILITY) or not _all_in(body[3:5], _DIGITS):
        raise IdentifierError(f"{where}.facility", f"{body[:5]!r}: the facility identification number is αpppp")
    if not _all_in(body[5:7], _DIGITS):
        raise IdentifierError(f"{where}.year", f"{body[5:7]!r}: must be two digits")
    if not _all_in(body[7:], _ALNUM):
        raise IdentifierError(f"{where}.sequence", f"{body[7:]!r}: must be six of A–Z, 0–9")
    return {"facility": body[:5], "year": body[5:7], "sequence": body[7:]}


def _read_compound_message(content: str, number: str) -> dict[str, Any]:
    where = f"isbt128.{number}"
    if not _all_in(content, _DIGITS):
        raise IdentifierError(where, f"{content!r}: aabbb is five digits (the count, then the reference number)")
    count, reference = int(content[:2]), content[2:]
    if count < 1:
        raise IdentifierError(f"{where}.structures", "aa, the number of data structures that follow, is at least 01")
    # bbb names a message defined in ICCBBA's table of compound messages (RT017); 000: not a defined one.
    return {"structures": count, "reference": reference}


_DIN_SPEC = _Spec("001", "Donation Identification Number", "=", 15, "=αppppyynnnnnnff", _read_din)
SPECS: dict[str, _Spec] = {
    s.data_identifier: s
    for s in (
        _Spec("002", "Blood Groups [ABO and RhD]", "=%", 4, "=%ggre", _read_blood_groups),
        _Spec("003", "Product Code", "=<", 8, "=<αooootds", _read_product_code),
        _Spec("004", "Expiration Date", "=>", 6, "=>cyyjjj", _read_date),
        _Spec("005", "Expiration Date and Time", "&>", 10, "&>cyyjjjhhmm", _read_date_time),
        _Spec("006", "Collection Date", "=*", 6, "=*cyyjjj", _read_date),
        _Spec("007", "Collection Date and Time", "&*", 10, "&*cyyjjjhhmm", _read_date_time),
        _Spec("008", "Production Date", "=}", 6, "=}cyyjjj", _read_date),
        _Spec("009", "Production Date and Time", "&}", 10, "&}cyyjjjhhmm", _read_date_time),
        _Spec("023", "Compound Message", "=+", 5, "=+aabbb", _read_compound_message),
        _Spec("038", "Single European Code (SEC)", "&,4", 40, "&,4 + 40 characters", _read_sec),
        _Spec("040", "Chain of Identity Identifier", "&/", 15, "&/CHαppppyynnnnnn", _read_chain_of_identity),
    )
}


def _all_in(text: str, allowed: frozenset[str]) -> bool:
    return all(c in allowed for c in text)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


# --- building data structures (what a label's symbols carry) ---------------------------------------


def din_structure(din: str, flags: str = "00") -> str:
    """Return Data Structure 001 of the DIN with its flag characters, =αppppyynnnnnnff (ST-001 §2.4.1)."""
    validate_din(din)
    _validate_flags(flags, field="din.flags")
    return f"={din}{flags}"


def product_code_structure(code: str) -> str:
    """Return Data Structure 003 of a product code αooootds, =<αooootds (ST-001 §2.4.3), checked by reading it."""
    structure = f"=<{code}"
    if len(code) != 8:
        raise IdentifierError("isbt128.003", f"a product code is 8 characters, αooootds; got {len(code)}")
    read_data_structures(structure)
    return structure


def expiration_date_structure(day: dt.date) -> str:
    """Return Data Structure 004 of an expiry date, =>cyyjjj (ST-001 §2.4.4; c = 0 for 2000–2099)."""
    if not 2000 <= day.year <= 2999:
        raise IdentifierError("isbt128.004", f"{day.isoformat()}: cyyjjj carries the years 2000–2999")
    century, year = divmod(day.year - 2000, 100)
    return f"=>{century}{year:02d}{day.timetuple().tm_yday:03d}"


def compound_message(structures: list[str], *, reference: str = "000") -> str:
    """Return Data Structure 023 followed by the structures, as an ISBT 128 2-D symbol carries them.

    `reference` names a message of ICCBBA's table of defined compound messages; 000, the default,
    says the message is not one of them (its structures are read by their data identifiers alone).
    """
    if not 1 <= len(structures) <= 99:
        raise IdentifierError(
            "isbt128.023.structures", f"a compound message carries 1–99 structures; got {len(structures)}"
        )
    if len(reference) != 3 or not _all_in(reference, _DIGITS):
        raise IdentifierError("isbt128.023.reference", f"{reference!r}: bbb is three digits")
    message = f"=+{len(structures):02d}{reference}" + "".join(structures)
    read_data_structures(message)  # what is built must read back: the same checks as a scan
    return message


def eye_readable_din(din: str) -> str:
    """Return a DIN as printed for the eye, its parts apart: G1234 98 654321 (the check character is boxed apart)."""
    validate_din(din)
    return f"{din[:5]} {din[5:7]} {din[7:]}"
