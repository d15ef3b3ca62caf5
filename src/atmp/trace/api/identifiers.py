"""REST operations that check and read identifiers (docs/traceability.md): reads only, nothing is
stored and nothing enters the ledger. Each answers the document the matching `atmp trace id …
--json` prints.

Malformed input, and a wrong check character or check digit, answer 400: `field` names the query
parameter, `detail` the identifier's part and the rule, in the CLI's words. An SEC's field errors
are its answer (200, valid false, the errors listed), as `atmp trace id sec` exits 0 either way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from atmp.accounts.access import requires
from atmp.accounts.errors import InvalidInput
from atmp.api.schemas import answers, bounded
from atmp.ledger.errors import LedgerError
from atmp.trace.identifiers import IdentifierError, gs1, isbt128, sec

router = Router(tags=["trace: identifiers"])
T = TypeVar("T")


class IdentifierRefused(InvalidInput):
    """A refused identifier as the API answers it: 400, `field` the query parameter, the detail the
    identifier's part and the rule."""

    def __init__(self, parameter: str, message: str) -> None:
        LedgerError.__init__(self, message)  # the message names the part already: no second prefix
        self.field = parameter


def _read(parameter: str, read: Callable[[str], T], text: str) -> T:
    """Return what `read` makes of the text, or refuse naming the parameter."""
    try:
        return read(text)
    except IdentifierError as exc:
        raise IdentifierRefused(parameter, str(exc)) from None


class DinQuery(Schema):
    """A DIN: 13 characters (compute), 14 (check), or the scanned =αppppyynnnnnnff (check type 3 flags)."""

    din: Annotated[str, bounded(40), Field(min_length=1, examples=["G123498654321", "G123498654321H"])]


class DinOut(Schema):
    """The DIN, its ISO/IEC 7064 MOD 37-2 check character, and whether what was given holds."""

    din: str
    check_character: str
    valid: bool


@router.get("/trace/identifiers/isbt128", response=answers({200: DinOut}))
@requires("records.view")
def check_isbt128_din(request: HttpRequest, query: Query[DinQuery]) -> dict[str, Any]:
    """Compute an ISBT 128 DIN's check character, or check the one given (a wrong one is a 400)."""
    result = _read("din", isbt128.check_din, query.din)
    if not result.valid:
        raise IdentifierRefused("din", result.refusal())
    return result.document()


class ScanQuery(Schema):
    """What a scanner sent (ISBT 128 data structures, or a GS1 element string with ASCII 29 as %1D)."""

    data: Annotated[str, bounded(200), Field(min_length=1)]


class StructureOut(Schema):
    """One ISBT 128 data structure: number and name (ST-001 Table 2), data identifier, content, fields."""

    number: str
    name: str
    data_identifier: str
    content: str
    fields: dict[str, Any]


class StructuresOut(Schema):
    """The data structures of a scan, in order."""

    structures: list[StructureOut]


@router.get("/trace/identifiers/isbt128/parse", response=answers({200: StructuresOut}))
@requires("records.view")
def read_isbt128_data_structures(request: HttpRequest, query: Query[ScanQuery]) -> dict[str, Any]:
    """Read the ISBT 128 data structures of a scan (DIN, blood groups, product code, dates, SEC, CoI)."""
    found = _read("data", isbt128.read_data_structures, query.data)
    return {"structures": [d.document() for d in found]}


class SecQuery(Schema):
    """An SEC, with or without the letters SEC; the two sequences separated by a space or a line break."""

    code: Annotated[str, bounded(100), Field(min_length=1, examples=["SEC NL000123G123498654321 A123456700120261231"])]


class SecOut(Schema):
    """Whether the SEC holds, each error as "field: rule", and the fields read."""

    valid: bool
    errors: list[str]
    fields: dict[str, str | None]


@router.get("/trace/identifiers/sec", response=answers({200: SecOut}))
@requires("records.view")
def check_sec(request: HttpRequest, query: Query[SecQuery]) -> dict[str, Any]:
    """Check an EU Single European Code's structure and fields; every error is listed."""
    return sec.check_sec(query.code).document()


class KeyQuery(Schema):
    """A GS1 key's digits, with or without its check digit; `key` where 12 or 13 digits are ambiguous."""

    digits: Annotated[str, bounded(40), Field(min_length=1, examples=["629104150021", "6291041500213"])]
    key: Literal["gtin8", "gtin12", "gtin13", "gtin14", "sscc"] | None = None


class KeyOut(Schema):
    """The key's mod-10 check digit, and whether the one given holds (true when it was computed)."""

    check_digit: int
    valid: bool


@router.get("/trace/identifiers/gs1", response=answers({200: KeyOut}))
@requires("records.view")
def check_gs1_key(request: HttpRequest, query: Query[KeyQuery]) -> dict[str, Any]:
    """Compute a GS1 key's check digit, or check it when the key is complete (a wrong one is a 400)."""
    result = _read("digits", lambda digits: gs1.check_key(digits, key=query.key), query.digits)
    if not result.valid:
        raise IdentifierRefused("digits", result.refusal())
    return result.document()


class ElementOut(Schema):
    """One application identifier, its data title and data; `date` for a date AI (ISO 8601)."""

    ai: str
    title: str
    value: str
    date: str | None


class ElementStringOut(Schema):
    """A GS1 element string read: the symbology identifier sent first (if any) and the elements in order."""

    symbology_identifier: str | None
    elements: list[ElementOut]


@router.get("/trace/identifiers/gs1/parse", response=answers({200: ElementStringOut}))
@requires("records.view")
def read_gs1_element_string(request: HttpRequest, query: Query[ScanQuery]) -> dict[str, Any]:
    """Read a GS1 element string (scanned, with the group separator, or human-readable) into its AIs."""
    return _read("data", gs1.parse_element_string, query.data).document()
