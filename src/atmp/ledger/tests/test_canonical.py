"""RFC 8785: canonical.dumps and canonical.entry_bytes give the reference package's bytes, and refuse
what an entry must not hold, naming where it is."""

from __future__ import annotations

import math
import re

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from atmp.ledger.canonical import (
    MAX_SAFE_INTEGER,
    CanonicalError,
    _flat_text,
    dumps,
    dumps_text,
    entry_bytes,
    entry_bytes_of,
)

# Text with what canonicalisation gets wrong most easily: controls, quotes and backslashes,
# non-ASCII, astral-plane characters (surrogate pairs in UTF-16, which decides key order).
TRICKY = st.sampled_from(
    ["\x00", "\x1f", "\x7f", '"', "\\", "/", "é", "€", "\u2028", "\ufeff", "😀", "𝄞", "\U0010ffff"]
)
TEXT = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8")),
    st.lists(st.one_of(TRICKY, st.characters(codec="utf-8")), max_size=8).map("".join),
)
SAFE_INT = st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER)
SCALARS = st.one_of(
    st.none(), st.booleans(), SAFE_INT, st.sampled_from([0, -1, MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER]), TEXT
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(TEXT, inner, max_size=5)),
    max_leaves=25,
)


@settings(max_examples=300)
@given(JSON)
def test_dumps_gives_the_reference_bytes_for_any_float_free_json(value):
    assert dumps(value) == rfc8785.dumps(value)


@given(st.dictionaries(TEXT, SCALARS, min_size=2, max_size=8))
def test_it_orders_keys_by_utf16_code_units(value):
    # "😀" (U+1F600, surrogates D83D DE00) sorts before "\uffff" in UTF-16, after it in code points.
    assert dumps(value) == rfc8785.dumps(value)
    assert dumps({"\uffff": 1, "😀": 2}) == '{"😀":2,"\uffff":1}'.encode()


def test_it_escapes_as_ecmascript_does():
    assert (
        dumps('\x00\x08\t\n\x0c\r\x1f"\\/é😀\u2028')
        == b'"\\u0000\\b\\t\\n\\f\\r\\u001f\\"\\\\/\xc3\xa9\xf0\x9f\x98\x80\xe2\x80\xa8"'
    )


# Where a bad value sits, and the path CanonicalError must name.
PLACES = [
    pytest.param(lambda bad: bad, "$", id="top"),
    pytest.param(lambda bad: {"a": bad}, "$.a", id="member"),
    pytest.param(lambda bad: {"a": [1, {"b": bad}]}, "$.a[1].b", id="nested"),
    pytest.param(lambda bad: [None, [bad]], "$[1][0]", id="array"),
]


@pytest.mark.parametrize(("place", "path"), PLACES)
@given(st.floats(allow_nan=False, allow_infinity=True))
def test_it_refuses_a_float_naming_its_path(place, path, number):
    with pytest.raises(CanonicalError, match=rf"^{re.escape(path)}: floating-point"):
        dumps(place(number))


@pytest.mark.parametrize(("place", "path"), PLACES)
def test_it_refuses_nan_naming_its_path(place, path):
    with pytest.raises(CanonicalError, match=rf"^{re.escape(path)}: floating-point"):
        dumps(place(math.nan))


@pytest.mark.parametrize(("place", "path"), PLACES)
@given(st.one_of(st.integers(min_value=MAX_SAFE_INTEGER + 1), st.integers(max_value=-MAX_SAFE_INTEGER - 1)))
def test_it_refuses_an_integer_beyond_2_53_naming_its_path(place, path, number):
    with pytest.raises(CanonicalError, match=rf"^{re.escape(path)}: integer .* outside"):
        dumps(place(number))


@pytest.mark.parametrize(("place", "path"), PLACES)
@given(st.one_of(st.integers(), st.none(), st.booleans(), st.tuples(st.integers())))
def test_it_refuses_a_key_that_is_not_a_string_naming_its_path(place, path, key):
    with pytest.raises(CanonicalError, match=rf"^{re.escape(path)}: object key .* is not a string"):
        dumps(place({key: 1}))


@pytest.mark.parametrize(("place", "path"), PLACES)
@given(st.integers(min_value=0xD800, max_value=0xDFFF).map(chr))
def test_it_refuses_a_lone_surrogate_in_a_string_naming_its_path(place, path, surrogate):
    with pytest.raises(CanonicalError, match=rf"^{re.escape(path)}: string holds a lone surrogate"):
        dumps(place(f"a{surrogate}b"))


@pytest.mark.parametrize(("place", "path"), PLACES)
def test_it_refuses_a_lone_surrogate_in_a_key_naming_its_path(place, path):
    with pytest.raises(CanonicalError, match=rf"^{re.escape(path)}: string holds a lone surrogate"):
        dumps(place({"x\ud800": 1}))


# --- entry_bytes: the stored columns spliced into the body, without building a dict --------------

HEX64 = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
AT = st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
SMALL_JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)),
    max_leaves=6,
)
CHANGE = st.lists(SMALL_JSON, min_size=2, max_size=2)  # [old, new]


@st.composite
def entries(draw: st.DrawFn) -> dict:
    """Draw an entry body of any shape the writer can produce (and some it never does)."""
    return {
        "seq": draw(st.integers(min_value=1, max_value=MAX_SAFE_INTEGER)),
        "at": draw(AT),
        "actor": {
            "id": draw(st.one_of(st.none(), st.integers(min_value=1, max_value=MAX_SAFE_INTEGER))),
            "name": draw(TEXT),
            "roles": draw(st.lists(TEXT, max_size=4)),
        },
        "action": draw(st.one_of(st.sampled_from(["create", "update", "void", "sign", "checkpoint", "login"]), TEXT)),
        "record": {
            "type": draw(TEXT),
            "id": draw(st.one_of(st.none(), TEXT)),
            "version": draw(st.one_of(st.none(), st.integers(min_value=1, max_value=MAX_SAFE_INTEGER))),
        },
        "reason": draw(TEXT),
        "changes": draw(st.dictionaries(TEXT, CHANGE, max_size=5)),
        "snapshot_hash": draw(st.one_of(st.just(""), HEX64)),
        "prev_hash": draw(HEX64),
    }


def columns_of(body: dict) -> tuple:
    """Return the stored columns of an entry body, as the writer stores them."""
    return (
        body["seq"], body["at"], body["actor"]["id"], body["actor"]["name"], dumps_text(body["actor"]["roles"]),
        body["action"], body["record"]["type"], body["record"]["id"], body["record"]["version"], body["reason"],
        dumps_text(body["changes"]), body["snapshot_hash"], body["prev_hash"],
    )  # fmt: skip


@settings(max_examples=200)
@given(entries())
def test_entry_bytes_equals_the_reference_serialisation_of_the_body(body):
    assert entry_bytes(*columns_of(body)) == rfc8785.dumps(body)


@settings(max_examples=200)
@given(entries(), st.integers(min_value=1, max_value=10**18))
def test_the_bound_entry_bytes_of_a_creation_equal_entry_bytes(body, record_id):
    body["record"] |= {"id": str(record_id), "version": 1}
    seq, at, actor_id, name, roles, action, record_type, rid, _v, reason, changes, snap, prev = columns_of(body)
    bound = entry_bytes_of(actor_id, name, roles, action, record_type, reason)
    assert bound(seq, at, rid, changes, snap, prev) == entry_bytes(*columns_of(body)) == rfc8785.dumps(body)


def test_entry_bytes_handles_the_system_actor_and_a_record_without_id_or_version():
    body = {
        "seq": 1, "at": "2026-01-01T00:00:00.000000Z", "actor": {"id": None, "name": "atmp system", "roles": []},
        "action": "checkpoint", "record": {"type": "ledger.checkpoint", "id": None, "version": None},
        "reason": "", "changes": {}, "snapshot_hash": "", "prev_hash": "0" * 64,
    }  # fmt: skip
    assert entry_bytes(*columns_of(body)) == rfc8785.dumps(body)


# --- the flat fast path of dumps: what every audited write serialises ------------------------------

ASCII_KEY = st.text(alphabet=st.characters(max_codepoint=127), max_size=12)
FLAT_VALUE = st.one_of(SCALARS, st.lists(SCALARS, max_size=4))
FLAT = st.one_of(
    st.dictionaries(ASCII_KEY, FLAT_VALUE, max_size=12),
    st.dictionaries(ASCII_KEY, st.lists(SCALARS, min_size=2, max_size=2), max_size=8),  # changes: [old, new]
    st.lists(TEXT, max_size=6),  # an actor's roles
)


@settings(max_examples=500)
@given(FLAT)
def test_the_flat_fast_path_gives_the_reference_bytes(value):
    reference = rfc8785.dumps(value)
    assert dumps(value) == reference
    assert dumps_text(value) == reference.decode("utf-8")


@given(FLAT)
def test_the_flat_fast_path_takes_every_flat_shape_it_claims(value):
    # A lone surrogate is the one thing it leaves to the general path: the C encoder writes it.
    assert _flat_text(value) is not None


@settings(max_examples=300)
@given(st.dictionaries(TEXT, FLAT_VALUE, min_size=1, max_size=6))
def test_keys_beyond_ascii_take_the_general_path_and_still_sort_by_utf16(value):
    if not all(key.isascii() for key in value):
        assert _flat_text(value) is None
    assert dumps(value) == rfc8785.dumps(value)


def test_the_fast_path_gives_way_where_utf16_and_code_point_order_differ():
    value = {"\uffff": "private use", "😀": "astral", "a": None}
    assert _flat_text(value) is None
    assert dumps(value) == rfc8785.dumps(value) == '{"a":null,"😀":"astral","\uffff":"private use"}'.encode()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"a": 1.5}, r"^\$\.a: floating-point"),
        ({"a": [1, 2**53]}, r"^\$\.a\[1\]: integer .* outside"),
        ({"a": "x\ud800"}, r"^\$\.a: string holds a lone surrogate"),
        (["ok", "\udfff"], r"^\$\[1\]: string holds a lone surrogate"),
        ({1: "not a string key"}, r"^\$: object key 1 is not a string"),
    ],
)
def test_what_the_fast_path_cannot_take_is_refused_as_before(value, message):
    with pytest.raises(CanonicalError, match=message):
        dumps(value)
    with pytest.raises(CanonicalError, match=message):
        dumps_text(value)


def test_flat_values_at_the_integer_limits_are_exact():
    value = {"max": MAX_SAFE_INTEGER, "min": -MAX_SAFE_INTEGER, "t": True, "f": False, "n": None, "e": ""}
    assert _flat_text(value) is not None
    assert dumps(value) == rfc8785.dumps(value)
