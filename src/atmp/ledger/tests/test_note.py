"""Signed notes and checkpoints (atmp.ledger.note) against the C2SP specs and Go's sumdb/note.

Known-answer vectors, copied verbatim:
- golang.org/x/mod sumdb/note/note.go (package doc "Example") and sumdb/note/note_test.go
  (TestNewVerifier, TestSign, TestOpen), https://github.com/golang/mod, commit fe2ec04f7c3c:
  the PeterNeumann and EnochRoot keys and signed notes.
- golang.org/x/mod sumdb/tlog/note_test.go (TestFormatTree, TestParseTree): a tree note text.
- C2SP signed-note.md, "Verifier keys / Example" (https://github.com/C2SP/C2SP, commit
  5ba5ee830903): the example.com/foo verifier key and the note it verifies.
"""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from atmp.ledger.note import (
    MAX_SIGNATURES,
    Checkpoint,
    NoteError,
    checkpoint_text,
    key_id,
    open_checkpoint,
    open_note,
    parse_vkey,
    sign_note,
    vkey,
)

# --- golang.org/x/mod/sumdb/note vectors --------------------------------------------------

PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"

# C2SP signed-note.md, "Verifier keys / Example".
FOO_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
FOO_NOTE = (
    "This is an example message.\n\n"
    "— example.com/foo "
    "Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)

ORIGIN = "atmp.example/ledger"


def peter_key() -> Ed25519PrivateKey:
    # A Go signer key is PRIVATE+KEY+<name>+<key ID>+base64(0x01 || 32-byte Ed25519 seed).
    raw = base64.b64decode(PETER_SKEY.split("+", 4)[4])
    assert raw[0] == 0x01
    return Ed25519PrivateKey.from_private_bytes(raw[1:])


def test_go_sign_vector() -> None:
    assert sign_note(TEXT, name="PeterNeumann", private_key=peter_key()) == TEXT + "\n" + PETER_SIG


def test_go_vkey_vector() -> None:
    public = peter_key().public_key().public_bytes_raw()
    assert key_id("PeterNeumann", public) == bytes.fromhex("c74f20a3")
    assert vkey("PeterNeumann", public) == PETER_VKEY
    verifier = parse_vkey(PETER_VKEY)
    assert (verifier.name, verifier.key_id, verifier.public_key) == (
        "PeterNeumann",
        bytes.fromhex("c74f20a3"),
        public,
    )
    assert verifier.vkey == PETER_VKEY
    assert parse_vkey(ENOCH_VKEY).key_id == bytes.fromhex("af0cfe78")


def test_go_open_vectors() -> None:
    msg = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    # Each key finds its own signature and ignores the other's (TestOpen).
    assert open_note(msg, parse_vkey(PETER_VKEY)) == TEXT
    assert open_note(msg, parse_vkey(ENOCH_VKEY)) == TEXT
    assert open_note(msg.encode("utf-8"), parse_vkey(PETER_VKEY)) == TEXT


def test_go_duplicated_and_corrupt_unknown_signatures_are_ignored() -> None:
    # TestOpen "Duplicated verified and unverified signatures": Enoch's lines, one corrupt,
    # are ignored when only Peter's key is known.
    corrupt_enoch = ENOCH_SIG[:58] + "ABCD" + ENOCH_SIG[58:]
    msg = TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG + corrupt_enoch
    assert open_note(msg, parse_vkey(PETER_VKEY)) == TEXT


def test_go_invalid_signature() -> None:
    # TestOpen "Invalid signature": 4 base64 characters inserted at byte 60 of the line.
    line = PETER_SIG.encode("utf-8")
    bad = (line[:60] + b"ABCD" + line[60:]).decode("utf-8")
    with pytest.raises(NoteError, match="bad signature by PeterNeumann"):
        open_note(TEXT + "\n" + bad, parse_vkey(PETER_VKEY))


@pytest.mark.parametrize(
    "msg",
    [
        # TestOpen "Invalid encoded message syntax".
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        b"\xff" + (TEXT + "\n" + PETER_SIG).encode("utf-8"),
        TEXT + "\n" + "— Bad Name " + PETER_SIG.split(" ", 2)[2][:-1],
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
    ],
)
def test_go_malformed_notes(msg: str | bytes) -> None:
    with pytest.raises(NoteError, match="malformed note"):
        open_note(msg, parse_vkey(PETER_VKEY))


def test_go_too_many_signatures() -> None:
    # TestOpen "too many signatures": 101 lines are refused, known key or not.
    for key in (PETER_VKEY, ENOCH_VKEY):
        with pytest.raises(NoteError, match="malformed note: more than 100"):
            open_note(TEXT + "\n" + PETER_SIG * (MAX_SIGNATURES + 1), parse_vkey(key))


def test_sixteen_signatures_are_accepted() -> None:
    # C2SP signed-note: verifiers MUST accept at least 16 signatures.
    notes = [signed(TEXT, name=f"w{i}.example", key=Ed25519PrivateKey.generate()) for i in range(15)]
    others = "".join(note.split("\n\n")[-1] for note in notes)
    assert open_note(TEXT + "\n" + others + PETER_SIG, parse_vkey(PETER_VKEY)) == TEXT


def test_go_verifier_key_manglings() -> None:
    # TestNewVerifier: every proper substring and every one-character change is refused.
    parse_vkey(PETER_VKEY)
    for i in range(len(PETER_VKEY) + 1):
        for j in range(i + 1, len(PETER_VKEY) + 1):
            if (i, j) != (0, len(PETER_VKEY)):
                with pytest.raises(NoteError):
                    parse_vkey(PETER_VKEY[i:j])
    for i, c in enumerate(PETER_VKEY):
        with pytest.raises(NoteError):
            parse_vkey(PETER_VKEY[:i] + chr(ord(c) + 1) + PETER_VKEY[i + 1 :])
    # Wrong key length and unknown algorithm, each with a key ID computed to match. (Go refuses
    # the first for its length; its base64 is also not canonical, which we refuse first.)
    with pytest.raises(NoteError, match="not canonical base64"):
        parse_vkey("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==")
    with pytest.raises(NoteError, match="not Ed25519"):
        parse_vkey("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")


def test_c2sp_vkey_example() -> None:
    verifier = parse_vkey(FOO_VKEY)
    assert verifier.key_id == bytes.fromhex("530d903a")
    assert open_note(FOO_NOTE, verifier) == "This is an example message.\n"


def test_go_tree_note_text() -> None:
    # sumdb/tlog TestFormatTree: origin "go.sum database tree", RecordHash("hello world"),
    # which is the RFC 6962 leaf hash SHA-256(0x00 || "hello world").
    root = hashlib.sha256(b"\x00hello world").digest()
    assert checkpoint_text("go.sum database tree", 123456789012, root) == (
        "go.sum database tree\n123456789012\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n"
    )


# --- atmp checkpoints ----------------------------------------------------------------------

KEY = Ed25519PrivateKey.generate()
VERIFIER = parse_vkey(vkey(ORIGIN, KEY.public_key().public_bytes_raw()))
ROOT = hashlib.sha256(b"root").digest()
R64 = base64.b64encode(ROOT).decode()
KEY64 = VERIFIER.vkey.split("+", 2)[2]


def signed(text: str, *, name: str = ORIGIN, key: Ed25519PrivateKey = KEY) -> str:
    return sign_note(text, name=name, private_key=key)


def test_key_id_is_the_c2sp_formula() -> None:
    public = KEY.public_key().public_bytes_raw()
    expected = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + public).digest()[:4]
    assert key_id(ORIGIN, public) == expected
    key64 = base64.b64encode(b"\x01" + public).decode()
    assert vkey(ORIGIN, public) == f"{ORIGIN}+{expected.hex()}+{key64}"


def test_checkpoint_round_trip() -> None:
    text = checkpoint_text(ORIGIN, 42, ROOT)
    assert text == f"{ORIGIN}\n42\n{R64}\n"
    note = signed(text)
    assert note.startswith(text + "\n— " + ORIGIN + " ")
    assert open_checkpoint(note, VERIFIER) == Checkpoint(origin=ORIGIN, size=42, root=ROOT, text=text, note=note)
    assert open_checkpoint(note.encode("utf-8"), VERIFIER).note == note


def test_empty_tree_checkpoint() -> None:
    empty = hashlib.sha256(b"").digest()
    assert open_checkpoint(signed(checkpoint_text(ORIGIN, 0, empty)), VERIFIER).size == 0


def test_extension_lines_are_kept() -> None:
    text = checkpoint_text(ORIGIN, 7, ROOT, extensions=("ext one", "ext two"))
    checkpoint = open_checkpoint(signed(text), VERIFIER)
    assert (checkpoint.size, checkpoint.extensions) == (7, ("ext one", "ext two"))


@given(
    size=st.integers(0, 2**63 - 1),
    root=st.binary(min_size=32, max_size=32),
)
def test_checkpoint_round_trip_property(size: int, root: bytes) -> None:
    checkpoint = open_checkpoint(signed(checkpoint_text(ORIGIN, size, root)), VERIFIER)
    assert (checkpoint.origin, checkpoint.size, checkpoint.root) == (ORIGIN, size, root)


def test_unknown_signer_lines_are_ignored() -> None:
    note = signed(checkpoint_text(ORIGIN, 3, ROOT))
    text, ours = note.split("\n\n")
    stranger = Ed25519PrivateKey.generate()
    foreign = signed(text + "\n", name="witness.example", key=stranger).split("\n\n")[1]
    # Same name as ours but another key (so another key ID): also unknown, also ignored.
    homonym = signed(text + "\n", key=stranger).split("\n\n")[1]
    garbage_sig = "— witness.example " + base64.b64encode(b"\x00" * 68).decode() + "\n"
    for extra in (foreign, homonym, garbage_sig):
        assert open_checkpoint(f"{text}\n\n{extra}{ours}", VERIFIER).size == 3
        assert open_checkpoint(f"{text}\n\n{ours}{extra}", VERIFIER).size == 3


def test_same_key_id_under_another_name_is_ignored() -> None:
    # signed-note: a signature sharing the key ID but not the name is from an unknown key.
    note = signed(checkpoint_text(ORIGIN, 3, ROOT))
    renamed = note.replace(f"— {ORIGIN} ", "— other.example/log ")
    with pytest.raises(NoteError, match=f"not signed by {ORIGIN}"):
        open_checkpoint(renamed, VERIFIER)


def test_foreign_key_is_not_our_signature() -> None:
    forged = signed(checkpoint_text(ORIGIN, 3, ROOT), key=Ed25519PrivateKey.generate())
    with pytest.raises(NoteError, match=f"not signed by {ORIGIN}\\+{VERIFIER.key_id.hex()}"):
        open_checkpoint(forged, VERIFIER)


def test_tampered_text_fails_the_signature() -> None:
    note = signed(checkpoint_text(ORIGIN, 3, ROOT))
    with pytest.raises(NoteError, match=f"bad signature by {ORIGIN}"):
        open_checkpoint(note.replace(f"{ORIGIN}\n3\n", f"{ORIGIN}\n4\n"), VERIFIER)


def test_one_bad_signature_by_our_key_rejects_the_note() -> None:
    # signed-note: a known key's failing signature SHOULD reject the whole note, even beside
    # a good one.
    note = signed(checkpoint_text(ORIGIN, 3, ROOT))
    text, ours = note.split("\n\n")
    other = signed(checkpoint_text(ORIGIN, 4, ROOT)).split("\n\n")[1]
    with pytest.raises(NoteError, match="bad signature"):
        open_checkpoint(f"{text}\n\n{ours}{other}", VERIFIER)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"other.example/log\n3\n{R64}\n", "origin 'other.example/log'"),
        (f"{ORIGIN}\n3\n", "fewer than three lines"),
        (f"{ORIGIN}\n", "fewer than three lines"),
        (f"{ORIGIN}\n007\n{R64}\n", "size '007'"),
        (f"{ORIGIN}\n-1\n{R64}\n", "size '-1'"),
        (f"{ORIGIN}\n+1\n{R64}\n", "size"),
        (f"{ORIGIN}\n1_0\n{R64}\n", "size"),
        (f"{ORIGIN}\n1e3\n{R64}\n", "size"),
        (f"{ORIGIN}\n\u0661\u0662\n{R64}\n", "size"),  # Arabic-Indic digits
        (f"{ORIGIN}\n 3\n{R64}\n", "size"),
        (f"{ORIGIN}\n{2**63}\n{R64}\n", "size"),
        # sumdb/tlog TestParseTree bad trees, with our origin: hex size, root of wrong length.
        (f"{ORIGIN}\n0xabcdef\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=\n", "size"),
        (f"{ORIGIN}\n5\nTszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBTOOBIG=\n", "root hash"),
        (f"{ORIGIN}\n5\n{base64.b64encode(ROOT[:31]).decode()}\n", "31 bytes, not 32"),
        (f"{ORIGIN}\n5\n{base64.b64encode(ROOT).decode().rstrip('=')}\n", "not base64"),
        (f"{ORIGIN}\n5\n{base64.b64encode(ROOT).decode()[:-2]}B=\n", "not canonical base64"),
        (f"{ORIGIN}\n5\n{ROOT.hex()}\n", "root hash"),
    ],
)
def test_bad_checkpoint_bodies(text: str, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        open_checkpoint(signed(text), VERIFIER)


def test_empty_extension_line_is_refused() -> None:
    # The empty line must sit inside the signed text, so the note's text ends after it.
    text = f"{ORIGIN}\n5\n{R64}\n\nextension\n"
    with pytest.raises(NoteError, match="empty extension line"):
        open_checkpoint(signed(text), VERIFIER)


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda n: n.replace("— ", "- "), "does not start with '— '"),
        (lambda n: n.replace("— ", "—  "), "key name is empty"),
        (lambda n: n[:-1], "must end with a newline"),
        (lambda n: n + "\n", "malformed note"),
        (lambda n: n.replace("\n\n", "\n"), "no empty line|malformed"),
        (lambda n: n.replace("\n", "\r\n"), "control character U\\+000D"),
        (lambda n: "\ufeff" + n, "bad signature"),  # a BOM is text, and so changes it
        (lambda n: n[: n.rindex(" ") + 1] + "AAAA\n", "too short"),
        (lambda n: n[: n.rindex(" ") + 1] + "!!!!\n", "not base64"),
        (lambda n: n[: n.rindex(" ") + 1] + "AAAAAAA\n", "not base64"),
        (lambda n: n + "— a+b AAAAAAAA\n", "space or a plus"),
        (lambda n: n + "— \u00a0x AAAAAAAA\n", "space or a plus"),
        (lambda n: n.replace("\n", "\n\x00", 1), "control character"),
        (lambda n: n[:3] + "\ud800" + n[3:], "not valid UTF-8"),
    ],
)
def test_malformed_notes(mangle: object, message: str) -> None:
    note = signed(checkpoint_text(ORIGIN, 5, ROOT))
    assert callable(mangle)
    with pytest.raises(NoteError, match=message):
        open_checkpoint(mangle(note), VERIFIER)


def test_non_utf8_bytes() -> None:
    note = signed(checkpoint_text(ORIGIN, 5, ROOT)).encode("utf-8")
    with pytest.raises(NoteError, match="not valid UTF-8"):
        open_checkpoint(note.replace(b"\n5\n", b"\n5\xc0\n"), VERIFIER)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no plus signs", "not <name>"),
        ("a+b", "not <name>"),
        ("too+many+plus+signs", "8 lowercase hex"),
        (PETER_VKEY.replace("c74f20a3", "C74F20A3"), "lowercase"),
        (f"{ORIGIN}+{VERIFIER.key_id.hex()[:7]}+{KEY64}", "8 lowercase"),
        (f"{ORIGIN}+00000000+{KEY64}", "does not match the key"),
        (f"{ORIGIN}+{VERIFIER.key_id.hex()}+", "type none"),
        (f"{ORIGIN}+{VERIFIER.key_id.hex()}+{KEY64[:-4]}", "holds 29 bytes"),
        (f"{ORIGIN}+{VERIFIER.key_id.hex()}+not base64!", "not base64"),
        (f"my log+{VERIFIER.key_id.hex()}+{KEY64}", "space or a plus"),
        (f"+{VERIFIER.key_id.hex()}+{KEY64}", "empty"),
        (VERIFIER.vkey + "\n", "not base64"),
    ],
)
def test_bad_verifier_keys(text: str, message: str) -> None:
    with pytest.raises(NoteError, match=message):
        parse_vkey(text)


def test_signing_refuses_what_no_verifier_could_open() -> None:
    with pytest.raises(NoteError, match="end with a newline"):
        signed("no newline")
    with pytest.raises(NoteError, match="control character"):
        signed("tab\there\n")
    with pytest.raises(NoteError, match="space or a plus"):
        signed("text\n", name="has space")
    with pytest.raises(NoteError, match="space or a plus"):
        signed("text\n", name="a+b")
    with pytest.raises(NoteError, match="empty"):
        signed("text\n", name="")


@pytest.mark.parametrize(
    ("origin", "size", "root", "extensions", "message"),
    [
        ("", 1, ROOT, (), "origin"),
        ("two\nlines", 1, ROOT, (), "origin"),
        ("tab\torigin", 1, ROOT, (), "control character"),
        (ORIGIN, -1, ROOT, (), "size"),
        (ORIGIN, 2**63, ROOT, (), "size"),
        (ORIGIN, True, ROOT, (), "size"),
        (ORIGIN, 1, ROOT[:31], (), "31 bytes"),
        (ORIGIN, 1, ROOT, ("",), "extension"),
        (ORIGIN, 1, ROOT, ("a\nb",), "extension"),
    ],
)
def test_checkpoint_text_refuses(
    origin: str, size: int, root: bytes, extensions: tuple[str, ...], message: str
) -> None:
    with pytest.raises(NoteError, match=message):
        checkpoint_text(origin, size, root, extensions=extensions)


def test_key_id_refuses_bad_inputs() -> None:
    with pytest.raises(NoteError, match="32 bytes"):
        key_id(ORIGIN, b"\x00" * 31)
    with pytest.raises(NoteError, match="space or a plus"):
        vkey("a b", b"\x00" * 32)
