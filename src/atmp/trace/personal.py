"""A donor's or patient's personal data: its fields, their checks, its canonical form and search keys.

Pure (no Django, no keys): what is sealed (atmp.trace.sealed) and hashed is decided here, once.
The fields are declared in FIELDS; a field added later (the SoHO Regulation's donor terms, a
second identifier) is one more `PersonalField` with its check: the sealed form is a JSON object,
so no table changes, and records sealed before simply lack it. A check never repeats the value in
its message: messages reach the API's answer, the CLI's stderr and, through them, logs.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

VERSION = 1  # the form of the sealed object; a new form is a new number, the old one still opens
MAX_NAME = 200
MAX_HOSPITAL_NUMBER = 40
EARLIEST_BIRTH = dt.date(1900, 1, 1)
HOSPITAL_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./-]*$")
# What a hospital number keeps when it is compared: its letters and digits, upper case.
_SEPARATORS = re.compile(r"[^0-9A-Z]")
_NOT_WORD = re.compile(r"[^\w]+")


class PersonalDataError(ValueError):
    """A personal data field failed its check; `field` names it (the value is never repeated)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class PersonalField:
    """One field of the personal data: its name, label, whether it is required, and its check."""

    name: str
    label: str
    required: bool
    check: Callable[[Any, dt.date], str]


def _text(value: Any, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PersonalDataError(field, "must be text")
    text = unicodedata.normalize("NFC", value).strip()
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp"):
            raise PersonalDataError(field, f"contains the invisible or control character U+{ord(char):04X}")
    return text


def check_name(value: Any, today: dt.date) -> str:
    """Return the name as written (NFC, trimmed, inner spaces single), or refuse it."""
    text = " ".join(_text(value, "name").split())
    if not text:
        raise PersonalDataError("name", "must be filled in")
    if len(text) > MAX_NAME:
        raise PersonalDataError("name", f"at most {MAX_NAME} characters")
    if not any(c.isalpha() for c in text):
        raise PersonalDataError("name", "must contain letters")
    return text


def check_birth_date(value: Any, today: dt.date) -> str:
    """Return the birth date as ISO 8601 text (YYYY-MM-DD), or refuse it."""
    if isinstance(value, dt.datetime):
        raise PersonalDataError("birth_date", "must be a date, not a date and time")
    if isinstance(value, dt.date):
        day = value
    else:
        text = _text(value, "birth_date")
        if not text:
            raise PersonalDataError("birth_date", "must be filled in")
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise PersonalDataError("birth_date", "is not a date like 1970-01-31 (year-month-day)") from None
    if day > today:
        raise PersonalDataError("birth_date", "cannot be in the future")
    if day < EARLIEST_BIRTH:
        raise PersonalDataError("birth_date", f"cannot be before {EARLIEST_BIRTH.isoformat()}")
    return day.isoformat()


def check_hospital_number(value: Any, today: dt.date) -> str:
    """Return the hospital number as written (trimmed), or refuse it."""
    text = _text(value, "hospital_number")
    if not text:
        raise PersonalDataError("hospital_number", "must be filled in")
    if len(text) > MAX_HOSPITAL_NUMBER:
        raise PersonalDataError("hospital_number", f"at most {MAX_HOSPITAL_NUMBER} characters")
    if not HOSPITAL_NUMBER.match(text) or not any(c.isdigit() for c in text):
        raise PersonalDataError("hospital_number", "letters, digits, spaces and . / - only, with at least one digit")
    return text


FIELDS: tuple[PersonalField, ...] = (
    PersonalField("name", "Name", True, check_name),
    PersonalField("birth_date", "Date of birth", True, check_birth_date),
    PersonalField("hospital_number", "Hospital number", True, check_hospital_number),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)


def check(values: Mapping[str, Any], *, today: dt.date) -> dict[str, str]:
    """Return the personal data checked and in its stored form, or refuse the first field at fault."""
    unknown = sorted(set(values) - set(FIELD_NAMES))
    if unknown:
        raise PersonalDataError(unknown[0], f"is not a personal data field; the fields: {', '.join(FIELD_NAMES)}")
    data: dict[str, str] = {}
    for f in FIELDS:
        value = values.get(f.name)
        if value in (None, "") and not f.required:
            continue
        data[f.name] = f.check(value, today)
    return data


def normalised_hospital_number(number: str) -> str:
    """Return the hospital number as compared: letters and digits only, upper case ('ab-12 3' → 'AB123')."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", number).upper())


def normalised_name(name: str) -> str:
    """Return the name as compared: no accents, case folded, words sorted ('Ødegård, Ana' → 'ana ødegard')."""
    # NFKD splits "é" into "e" and a combining accent, which is dropped; "ø" has no decomposition.
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    words = [w for w in _NOT_WORD.sub(" ", plain.casefold()).replace("_", " ").split() if w]
    return " ".join(sorted(words))


def hospital_number_key(number: str) -> bytes:
    """Return the bytes the search index hashes for a hospital number."""
    return b"hospital_number\x00" + normalised_hospital_number(number).encode()


def name_and_birth_date_key(name: str, birth_date: str) -> bytes:
    """Return the bytes the search index hashes for a name with a birth date."""
    return b"name_birth_date\x00" + normalised_name(name).encode() + b"\x00" + birth_date.encode()


def mentions(text: str, data: Mapping[str, str]) -> str | None:
    """Return the personal data field that the text repeats (name, birth date, hospital number), or None.

    A guard for what goes into the ledger beside a person's COI (a reason, a purpose): typing the
    patient's name there would put it in clear into a 30-year append-only record.
    """
    if not text:
        return None
    number = normalised_hospital_number(data.get("hospital_number", ""))
    if len(number) >= 4 and number in normalised_hospital_number(text):
        return "hospital_number"
    words = set(normalised_name(text).split())
    name_words = [w for w in normalised_name(data.get("name", "")).split() if len(w) >= 3]
    if any(w in words for w in name_words):
        return "name"
    birth = data.get("birth_date", "")
    if birth:
        year, month, day = birth.split("-")
        forms = {
            birth,
            f"{day}-{month}-{year}",
            f"{day}.{month}.{year}",
            f"{day}/{month}/{year}",
            f"{year}{month}{day}",
        }
        forms |= {f"{month}/{day}/{year}", f"{int(month)}/{int(day)}/{year}"}
        forms |= {f"{int(day)}{sep}{int(month)}{sep}{year}" for sep in "./-"}
        if any(form in text for form in forms):
            return "birth_date"
    return None
