"""`atmp trace id …`: check and read identifiers. Pure computation: no database, no ATMP_HOME.

Exit codes: 0 when what was given holds (or a check character was computed); 2 for malformed input
(a message naming the part and the rule, no document) and for a wrong check character or digit
(the document, valid false, and the message). `sec` exits 0 whether or not the code is valid: its
errors are its answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from atmp.cli.base import json_option as JSON
from atmp.cli.output import emit, fail
from atmp.trace.cli import trace
from atmp.trace.identifiers import IdentifierError, gs1, isbt128, sec

T = TypeVar("T")


def _read(read: Callable[[str], T], text: str) -> T:
    """Return what `read` makes of the text, or exit 2 with the part and the rule it breaks."""
    try:
        return read(text)
    except IdentifierError as exc:
        fail(str(exc))


@trace.group("id")
def identifiers() -> None:
    """Check and read identifiers: ISBT 128, the EU SEC, GS1 keys and element strings.

    \b
    Examples:
      atmp trace id isbt128 G123498654321 --json     # computes the check character, H
      atmp trace id isbt128 G123498654321H           # checks it
      atmp trace id isbt128-parse '=G12349865432100=<S12951A0' --json
      atmp trace id sec 'SEC NL000123G123498654321 A123456700120261231' --json
      atmp trace id gs1 629104150021 --json          # computes the check digit, 3
      atmp trace id gs1 6291041500213                # checks it
      atmp trace id gs1-parse '(01)09501101530003(17)261231(10)AB-123(21)X7Q' --json
      atmp trace id gs1-parse $'01095011015300031726123110AB-123\\x1d21X7Q'

    \b
    Exit 0: valid, or computed. Exit 2: malformed (the part and the rule are named), or a
    wrong check character or digit (the document is printed, valid false). `sec` exits 0
    either way: its errors are its answer. None of these needs a database.
    """


def _din_text(result: isbt128.DinCheck) -> str:
    if result.flags is not None:
        how = f"type 3 flags {result.flags} {'hold' if result.valid else 'are wrong'}"
    elif result.checked:
        how = "checked: it holds" if result.valid else f"checked: {result.given} was given, which is wrong"
    else:
        how = "computed"
    return f"DIN              {result.din}\ncheck character  {result.check_character}  (ISO/IEC 7064 MOD 37-2; {how})"


@identifiers.command("isbt128")
@click.argument("din")
@JSON
def isbt128_command(din: str, as_json: bool) -> None:
    """Compute or check an ISBT 128 DIN's check character (ISO/IEC 7064 MOD 37-2).

    DIN is 13 characters (facility 5, year 2, sequence 6: the check character is
    computed), 14 (the last is checked), or the scanned data structure
    =αppppyynnnnnnff (type 3 flag characters, 60–96, are checked). Spaces are ignored.
    Prints {"din", "check_character", "valid"}.

    \b
    Example:
      atmp trace id isbt128 G123498654321 --json
      {"din": "G123498654321", "check_character": "H", "valid": true}
    """
    result = _read(isbt128.check_din, din)
    emit(result.document(), as_json=as_json, text=_din_text(result))
    if not result.valid:
        fail(result.refusal())


def _fields_text(fields: dict[str, Any], indent: str = "  ") -> list[str]:
    lines = []
    for key, value in fields.items():
        if isinstance(value, dict):
            lines.append(f"{indent}{key}:")
            lines.extend(_fields_text(value, indent + "  "))
        elif isinstance(value, list):
            lines.append(f"{indent}{key}: {'; '.join(str(v) for v in value) or '-'}")
        else:
            lines.append(f"{indent}{key}: {'-' if value is None else value}")
    return lines


def _structures_text(doc: dict[str, Any]) -> str:
    lines = []
    for s in doc["structures"]:
        lines.append(f"{s['number']} {s['name']} ({s['data_identifier']}): {s['content']}")
        lines.extend(_fields_text(s["fields"]))
    return "\n".join(lines)


@identifiers.command("isbt128-parse")
@click.argument("data")
@JSON
def isbt128_parse(data: str, as_json: bool) -> None:
    """Read the ISBT 128 data structures of a scan (ICCBBA ST-001 §2.4).

    Reads Data Structures 001 (DIN with flags), 002 (blood groups), 003 (product
    code), 004–009 (dates and times), 038 (SEC) and 040 (chain of identity
    identifier); a concatenated scan (]C4) holds several. Prints {"structures": [...]}.

    \b
    Example:
      atmp trace id isbt128-parse '=G12349865432100=<S12951A0&>0263651330' --json
    """
    found = _read(isbt128.read_data_structures, data)
    emit({"structures": [d.document() for d in found]}, as_json=as_json, text=_structures_text)


def _sec_text(doc: dict[str, Any]) -> str:
    lines = ["valid" if doc["valid"] else "not valid"]
    lines.extend(f"  error: {e}" for e in doc["errors"])
    lines.extend(_fields_text(doc["fields"]))
    return "\n".join(lines)


@identifiers.command("sec")
@click.argument("code")
@JSON
def sec_command(code: str, as_json: bool) -> None:
    """Check an EU Single European Code (Directive 2006/86/EC Annex VII, (EU) 2015/565).

    CODE is the donation identification sequence (21: country, tissue establishment
    number, unique donation number) and the product identification sequence (19:
    coding system, product number, split number, expiry date YYYYMMDD), separated by
    one space or a line break, with or without the letters SEC before them.
    Prints {"valid", "errors": ["field: rule", …], "fields": {…}} and exits 0 whether
    or not the code is valid.

    \b
    Example:
      atmp trace id sec 'SEC NL000123G123498654321 A123456700120261231' --json
    """
    emit(sec.check_sec(code).document(), as_json=as_json, text=_sec_text)


def _key_text(result: gs1.KeyCheck) -> str:
    name = gs1.KEY_NAMES[result.key]
    if result.computed:
        return f"{name} {result.complete_key}: check digit {result.check_digit} (computed)"
    if result.valid:
        return f"{name} {result.digits}: check digit {result.check_digit} holds"
    return f"{name} {result.digits}: check digit {result.digits[-1]} is wrong; mod-10 gives {result.check_digit}"


@identifiers.command("gs1")
@click.argument("digits")
@click.option(
    "--key",
    type=click.Choice(sorted(gs1.KEY_LENGTHS)),
    default=None,
    help="The key, where the number of digits is ambiguous: 12 digits are read as a GTIN-13 to "
    "complete unless --key gtin12; 13 as a complete GTIN-13 unless --key gtin14.",
)
@JSON
def gs1_command(digits: str, key: str | None, as_json: bool) -> None:
    """Compute or check a GS1 key's mod-10 check digit (GTIN-8/12/13/14, SSCC).

    The last digit is checked when the key is complete (8, 12 with --key gtin12, 13,
    14 or 18 digits) and computed when it is one short (7, 11, 12, 13 with --key
    gtin14, 17). Prints {"check_digit", "valid"}.

    \b
    Example:
      atmp trace id gs1 629104150021 --json
      {"check_digit": 3, "valid": true}
    """
    result = _read(lambda text: gs1.check_key(text, key=key), digits)
    emit(result.document(), as_json=as_json, text=_key_text(result))
    if not result.valid:
        fail(result.refusal())


def _elements_text(doc: dict[str, Any]) -> str:
    lines = [f"symbology identifier {doc['symbology_identifier']}"] if doc["symbology_identifier"] else []
    for e in doc["elements"]:
        lines.append(f"({e['ai']}) {e['title']}: {e['value']}" + (f"  [{e['date']}]" if e["date"] else ""))
    return "\n".join(lines)


@identifiers.command("gs1-parse")
@click.argument("data")
@JSON
def gs1_parse(data: str, as_json: bool) -> None:
    """Read a GS1 element string into its application identifiers (AIs).

    DATA is what a scanner sends (AIs and data, the group separator ASCII 29 after a
    variable-length field that is not the last, maybe ]d2, ]C1, ]e0 or ]Q3 first) or
    the human-readable form (01)…(17)…. Reads AIs 00, 01, 02, 10, 11–17, 20, 21, 22,
    240, 241, 250, 30, 37, 400, 7003, 710–714; checks the check digit inside 00, 01 and
    02; a date's day 00 is the month's last day (15, 16, 17). Prints
    {"symbology_identifier", "elements": [{"ai", "title", "value", "date"}, …]}.

    \b
    Example:
      atmp trace id gs1-parse '(01)09501101530003(17)261231(10)AB-123(21)X7Q' --json
    """
    emit(_read(gs1.parse_element_string, data).document(), as_json=as_json, text=_elements_text)
