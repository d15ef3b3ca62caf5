"""The API's shared vocabulary: the error body, bounded text and numbers, and the status codes every
operation declares.

Every string a client sends is a `Text` with a length no longer than the column it ends up in: a
longer value would pass SQLite and fail PostgreSQL's varchar with a 500, and a NUL byte cannot be
stored in PostgreSQL text at all. Every integer is bounded to what a 64-bit column holds.
"""

from typing import Annotated, Any

from ninja import Schema
from pydantic import ConfigDict, Field, StringConstraints

# A 64-bit signed column's largest value: sequence numbers, tree sizes and ids stay below it.
MAX_INT = 2**63 - 1
NO_NUL = r"^[^\x00]*$"
# A path segment: not empty and without "/", or the URL would not reach the operation at all.
SEGMENT = r"^[^\x00/]+$"


def bounded(max_length: int) -> StringConstraints:
    """Return the constraint of a string without NUL, at most max_length long: Annotated[str, bounded(n)]."""
    return StringConstraints(pattern=NO_NUL, max_length=max_length)


def segment(max_length: int) -> StringConstraints:
    """Return the constraint of a path parameter: Annotated[str, segment(n)]."""
    return StringConstraints(pattern=SEGMENT, max_length=max_length)


# The OpenAPI keyword of a field that holds a record key of one type (refers_to).
RECORD_TYPE = "x-record-type"


def refers_to(record_type: str) -> Any:
    """Return the mark of a field holding a key of this record type: Annotated[str, bounded(150), refers_to(t)].

    The OpenAPI document names the type (x-record-type), and a page's form offers that type's open
    records to pick from (atmp.web.operations); any key is still accepted, and checked, as before.
    """
    return Field(json_schema_extra={RECORD_TYPE: record_type})


# The audit trail's reason (Annex 11 §9): a sentence, not an essay.
Reason = Annotated[str, bounded(2000)]
Seq = Annotated[int, Field(ge=1, le=MAX_INT)]
Size = Annotated[int, Field(ge=0, le=MAX_INT)]


class BodyIn(Schema):
    """The base of every JSON body an operation reads: a field it does not know is refused (400 naming
    it), so a misspelt `reasn` is never silently dropped (tests/…/test_input_rules.py walks them all)."""

    model_config = ConfigDict(extra="forbid")


class ErrorOut(Schema):
    """Why a request was refused; `field` names the input at fault when there is one."""

    detail: str
    field: str | None = None
    errors: list[dict[str, Any]] | None = None


# Every operation may answer with these: 400 bad input, 401 not signed in, 403 not allowed (the
# permission named), 404 not found, 409 conflicts with the current state, 415 a body that is not
# application/json, 422 refused by a GMP rule.
ERROR_STATUSES = (400, 401, 403, 404, 409, 415, 422)


def answers(ok: dict[int, Any]) -> dict[int, Any]:
    """Return an operation's response map: its success bodies plus the shared error body."""
    return {**ok, **{status: ErrorOut for status in ERROR_STATUSES}}


class ActorOut(Schema):
    """Who acted, as the ledger froze them: id (None for atmp itself), name and roles at that moment."""

    id: int | None
    name: str
    roles: list[str] = []


class RecordRef(Schema):
    """The record an entry is about: type, id and version (None for events that are not a version)."""

    type: str
    id: str | None
    version: int | None


class EntryOut(Schema):
    """One ledger entry, exactly the hashed body plus its hash (docs/ledger-format.md)."""

    seq: int
    at: str
    actor: ActorOut
    action: str
    record: RecordRef
    reason: str
    changes: dict[str, list[Any]]
    snapshot_hash: str
    prev_hash: str
    hash: str


class EntryPage(Schema):
    """A page of entries, newest first; pass next_before as `before` for the next page (None: no more)."""

    entries: list[EntryOut]
    next_before: int | None
