"""GS1 keys and element strings (GS1 General Specifications): the mod-10 check digit of GTIN-8/12/13/14
and SSCC (§7.9), and element strings as a scanner sends them (§3 Application Identifiers, §7.8 the
group separator, §7.12 the century of a date).

An element string is an Application Identifier (AI) followed by its data; a variable-length field
that is not the last is closed by FNC1, which a scanner transmits as the group separator (ASCII 29).
A scanner may send the symbology identifier first (]d2 GS1 DataMatrix, ]C1 GS1-128, ]e0 GS1
DataBar, ]Q3 GS1 QR Code); people type the human-readable form, (01)09501101530003(17)261231.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from atmp.trace.identifiers.errors import IdentifierError

GS = "\x1d"  # FNC1 as transmitted: the group separator
KEY_LENGTHS = {"gtin8": 8, "gtin12": 12, "gtin13": 13, "gtin14": 14, "sscc": 18}
KEY_NAMES = {"gtin8": "GTIN-8", "gtin12": "GTIN-12", "gtin13": "GTIN-13", "gtin14": "GTIN-14", "sscc": "SSCC"}
# Which key a number of digits is, and whether its check digit is there. Twelve digits are ambiguous
# (a GTIN-12, or a GTIN-13 without its check digit) and so are thirteen (a GTIN-13, or a GTIN-14
# without it): atmp reads 12 as a GTIN-13 to complete (GS1's published example 629104150021 → 3)
# and 13 as a complete GTIN-13; key="gtin12" or "gtin14" says otherwise.
BY_LENGTH = {7: "gtin8", 8: "gtin8", 11: "gtin12", 12: "gtin13", 13: "gtin13", 14: "gtin14", 17: "sscc", 18: "sscc"}
SYMBOLOGY_IDENTIFIERS = ("]d2", "]C1", "]e0", "]Q3")
_DIGITS = frozenset("0123456789")
# GS1 AI encodable character set 82 (General Specifications Figure 7.11-1): what an X field may hold.
CSET82 = frozenset("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")


def check_digit(digits: str) -> int:
    """Return the GS1 mod-10 check digit of the data digits: weights 3, 1, 3, … from the rightmost."""
    if not digits or not all(c in _DIGITS for c in digits):
        raise IdentifierError("gs1", f"{digits!r}: a GS1 key is made of the digits 0–9")
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


@dataclass(frozen=True)
class KeyCheck:
    """A GS1 key with its check digit: computed (the key was given without it) or checked."""

    key: str  # gtin8, gtin12, gtin13, gtin14, sscc
    digits: str  # as given
    check_digit: int
    computed: bool
    valid: bool

    @property
    def complete_key(self) -> str:
        """Return the key with its (correct) check digit."""
        data = self.digits if self.computed else self.digits[:-1]
        return data + str(self.check_digit)

    def document(self) -> dict[str, Any]:
        """Return what `atmp trace id gs1 --json` prints and the API answers."""
        return {"check_digit": self.check_digit, "valid": self.valid}

    def refusal(self) -> str:
        """Return why the key's check digit is refused; empty when valid."""
        if self.valid:
            return ""
        return (
            f"gs1: the check digit of {KEY_NAMES[self.key]} {self.digits} is {self.check_digit}, not "
            f"{self.digits[-1]} (GS1 mod-10: weights 3, 1, 3, … from the rightmost data digit)"
        )


def check_key(digits: str, *, key: str | None = None) -> KeyCheck:
    """Check the last digit of a complete GS1 key, or compute it when the key is one digit short.

    The number of digits says which key it is (BY_LENGTH); `key` names it where 12 or 13 digits are
    ambiguous. Anything but ASCII digits, or a length no key has, raises IdentifierError.
    """
    if key is not None and key not in KEY_LENGTHS:
        raise IdentifierError("key", f"{key!r}: must be one of {', '.join(KEY_LENGTHS)}")
    if not digits or not all(c in _DIGITS for c in digits):
        raise IdentifierError("gs1", f"{digits!r}: a GS1 key is made of the digits 0–9, nothing else")
    if key is None:
        if len(digits) not in BY_LENGTH:
            raise IdentifierError(
                "gs1",
                f"{len(digits)} digits: a GS1 key has 8, 12, 13, 14 or 18 digits (GTIN-8/12/13/14, SSCC), "
                "or one fewer without its check digit",
            )
        key = BY_LENGTH[len(digits)]
    full = KEY_LENGTHS[key]
    if len(digits) not in (full - 1, full):
        raise IdentifierError(
            "gs1",
            f"{len(digits)} digits: a {KEY_NAMES[key]} has {full - 1} or {full} digits "
            "(without or with its check digit)",
        )
    if len(digits) == full - 1:
        return KeyCheck(key, digits, check_digit(digits), computed=True, valid=True)
    expected = check_digit(digits[:-1])
    return KeyCheck(key, digits, expected, computed=False, valid=int(digits[-1]) == expected)


# --- element strings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AI:
    """An Application Identifier atmp reads: its data title, format and what the data means."""

    code: str
    title: str
    length: int  # the fixed length, or the maximum of a variable one
    fixed: bool
    numeric: bool
    kind: str = "text"  # text, key (with a check digit), date (YYMMDD), datetime (YYMMDDHHMM)


AIS = {
    a.code: a
    for a in (
        AI("00", "SSCC", 18, True, True, "key"),
        AI("01", "GTIN", 14, True, True, "key"),
        AI("02", "CONTENT", 14, True, True, "key"),
        AI("10", "BATCH/LOT", 20, False, False),
        AI("11", "PROD DATE", 6, True, True, "date"),
        AI("12", "DUE DATE", 6, True, True, "date"),
        AI("13", "PACK DATE", 6, True, True, "date"),
        AI("15", "BEST BEFORE or BEST BY", 6, True, True, "date"),
        AI("16", "SELL BY", 6, True, True, "date"),
        AI("17", "USE BY OR EXPIRY", 6, True, True, "date"),
        AI("20", "VARIANT", 2, True, True),
        AI("21", "SERIAL", 20, False, False),
        AI("22", "CPV", 20, False, False),
        AI("240", "ADDITIONAL ID", 30, False, False),
        AI("241", "CUST. PART No.", 30, False, False),
        AI("250", "SECONDARY SERIAL", 30, False, False),
        AI("30", "VAR. COUNT", 8, False, True),
        AI("37", "COUNT", 8, False, True),
        AI("400", "ORDER NUMBER", 30, False, False),
        AI("7003", "EXPIRY TIME", 10, True, True, "datetime"),
        AI("710", "NHRN PZN", 20, False, False),
        AI("711", "NHRN CIP", 20, False, False),
        AI("712", "NHRN CN", 20, False, False),
        AI("713", "NHRN DRN", 20, False, False),
        AI("714", "NHRN AIM", 20, False, False),
    )
}
# Expiry-like dates whose day 00 means the month's last day; for the others day 00 means "the month".
MONTH_END_DATES = frozenset({"15", "16", "17"})
_HRI = re.compile(r"\((\d{2,4})\)([^()]*)")


@dataclass(frozen=True)
class Element:
    """One AI and its data; `date` is the ISO 8601 date (or month, or date and time) a date AI means."""

    ai: str
    title: str
    value: str
    date: str | None = None

    def document(self) -> dict[str, Any]:
        """Return the element as the CLI and the API print it."""
        return {"ai": self.ai, "title": self.title, "value": self.value, "date": self.date}


@dataclass(frozen=True)
class ElementString:
    """An element string read: the symbology identifier it came with (if any) and its elements in order."""

    symbology_identifier: str | None
    elements: tuple[Element, ...]

    def value(self, ai: str) -> str | None:
        """Return the data of an AI, or None when the string does not carry it."""
        return next((e.value for e in self.elements if e.ai == ai), None)

    def document(self) -> dict[str, Any]:
        """Return what `atmp trace id gs1-parse --json` prints and the API answers."""
        return {"symbology_identifier": self.symbology_identifier, "elements": [e.document() for e in self.elements]}


def parse_element_string(text: str, *, today: dt.date | None = None) -> ElementString:
    """Read a GS1 element string: scanned (AIs and data, GS after a variable field not at the end,
    maybe a symbology identifier first) or human-readable ((01)…(17)…).

    `today` fixes the century of two-digit years (§7.12's sliding window); the UTC date by default.
    Refuses, naming the AI (gs1.NN) and the rule: an AI atmp does not read, a field too long or of
    the wrong characters, a wrong check digit inside AI 00, 01 or 02, a date that does not exist,
    an AI given twice.
    """
    today = today or dt.datetime.now(dt.UTC).date()
    body = text.strip("\r\n")
    symbology = next((s for s in SYMBOLOGY_IDENTIFIERS if body.startswith(s)), None)
    if symbology is not None:
        body = body[len(symbology) :]
    elif body.startswith("]"):
        raise IdentifierError(
            "gs1", f"symbology identifier {body[:3]!r} is not a GS1 one (]d2, ]C1, ]e0, ]Q3): not a GS1 element string"
        )
    if not body.strip():
        raise IdentifierError("gs1", "empty: an element string starts with an application identifier, e.g. 01")
    pairs = _human_readable(body) if body.lstrip().startswith("(") else _scanned(body)
    elements: list[Element] = []
    seen: set[str] = set()
    for ai, value in pairs:
        if ai in seen:
            raise IdentifierError(f"gs1.{ai}", f"AI {ai} appears twice: an element string carries each AI once")
        seen.add(ai)
        elements.append(_element(AIS[ai], value, today))
    return ElementString(symbology, tuple(elements))


def _scanned(body: str) -> list[tuple[str, str]]:
    """Split a transmitted element string into (AI, data) pairs."""
    if body.startswith(GS):  # a leading FNC1, sent as GS by some scanners
        body = body[1:]
    pairs: list[tuple[str, str]] = []
    i = 0
    while i < len(body):
        if body[i] == GS:
            raise IdentifierError("gs1", f"position {i + 1}: empty, between two group separators")
        ai = _ai_at(body, i)
        start = i + len(ai.code)
        if ai.fixed:
            value = body[start : start + ai.length]
            end = start + len(value)
            if end < len(body) and body[end] == GS:
                end += 1  # a separator after a fixed field is allowed, not needed (§7.8.5)
        else:
            stop = body.find(GS, start)
            value = body[start:] if stop < 0 else body[start:stop]
            end = len(body) if stop < 0 else stop + 1
        pairs.append((ai.code, value))
        i = end
    return pairs


def _human_readable(body: str) -> list[tuple[str, str]]:
    """Split the human-readable form, (01)09501101530003(17)261231, into (AI, data) pairs."""
    compact = body.strip()
    pairs: list[tuple[str, str]] = []
    position = 0
    for match in _HRI.finditer(compact):
        if match.start() != position:
            break
        code = match.group(1)
        if code not in AIS:
            raise IdentifierError("gs1", f"({code}) is not an application identifier atmp reads ({_known()})")
        pairs.append((code, match.group(2).strip()))
        position = match.end()
    if position != len(compact) or not pairs:
        raise IdentifierError(
            "gs1", f"the human-readable form is (AI)data(AI)data…; cannot read from position {position + 1}"
        )
    return pairs


def _ai_at(body: str, i: int) -> AI:
    for size in (2, 3, 4):
        code = body[i : i + size]
        if code in AIS:
            return AIS[code]
    raise IdentifierError(
        "gs1", f"position {i + 1}: {body[i : i + 4]!r} does not start an application identifier atmp reads ({_known()})"
    )


def _known() -> str:
    return ", ".join(AIS)


def _element(ai: AI, value: str, today: dt.date) -> Element:
    where = f"gs1.{ai.code}"
    if ai.fixed and len(value) != ai.length:
        what = "digits" if ai.numeric else "characters"
        raise IdentifierError(where, f"{ai.title} is {ai.length} {what}; got {len(value)} ({value!r})")
    if not ai.fixed and not value:
        raise IdentifierError(where, f"{ai.title} is empty")
    if not ai.fixed and len(value) > ai.length:
        raise IdentifierError(
            where,
            f"{ai.title} is at most {ai.length} characters; got {len(value)} "
            "(a variable-length field not at the end is closed by the group separator, ASCII 29)",
        )
    if ai.numeric and not all(c in _DIGITS for c in value):
        if ai.fixed:
            raise IdentifierError(where, f"{ai.title} is {ai.length} digits; got {value!r}")
        raise IdentifierError(where, f"{ai.title} is digits only; got {value!r}")
    if not ai.numeric:
        bad = next((c for c in value if c not in CSET82), None)
        if bad is not None:
            raise IdentifierError(
                where, f"character {bad!r} is not in GS1's character set 82 (A–Z, a–z, 0–9 and !\"%&'()*+,-./:;<=>?_)"
            )
    date = None
    if ai.kind == "key":
        expected = check_digit(value[:-1])
        if int(value[-1]) != expected:
            raise IdentifierError(
                where, f"the check digit of {ai.title} {value} is {expected}, not {value[-1]} (GS1 mod-10)"
            )
    elif ai.kind == "date":
        date = _date(value, ai, today)
    elif ai.kind == "datetime":
        day = _date(value[:6], ai, today)
        hour, minute = int(value[6:8]), int(value[8:])
        if hour > 23 or minute > 59:
            raise IdentifierError(where, f"{value[6:]!r}: the time is HHMM from 0000 to 2359")
        date = f"{day}T{value[6:8]}:{value[8:]}"
    return Element(ai.code, ai.title, value, date)


def _date(yymmdd: str, ai: AI, today: dt.date) -> str:
    """Return the ISO date of YYMMDD (day 00: the month's end for expiry dates, else the month)."""
    year = _year(int(yymmdd[:2]), today)
    month, day = int(yymmdd[2:4]), int(yymmdd[4:])
    if not 1 <= month <= 12:
        raise IdentifierError(f"gs1.{ai.code}", f"{yymmdd!r} is not a date: month {month:02d} (YYMMDD)")
    last = calendar.monthrange(year, month)[1]
    if day == 0 and ai.code in MONTH_END_DATES:
        day = last
    elif day == 0 and ai.kind == "date":
        return f"{year:04d}-{month:02d}"
    if not 1 <= day <= last:
        raise IdentifierError(f"gs1.{ai.code}", f"{yymmdd!r} is not a date: {year:04d}-{month:02d} has {last} days")
    return dt.date(year, month, day).isoformat()


def _year(yy: int, today: dt.date) -> int:
    """Return the four-digit year of YY (GS1 General Specifications §7.12)."""
    century, current = divmod(today.year, 100)
    difference = yy - current
    if 51 <= difference <= 99:
        century -= 1
    elif -99 <= difference <= -50:
        century += 1
    return century * 100 + yy
