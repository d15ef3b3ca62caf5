"""contrib/atmp_verify.py, the auditor's standalone verifier, against exports built here.

The ledger is synthetic: bodies as docs/ledger-format.md defines them, hashed with the reference
`rfc8785` package, checkpoints signed with atmp.ledger.note and a fresh Ed25519 key. Each test
damages one thing and checks that the verifier names it.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

try:
    from atmp.ledger import note
except ImportError:  # a checkout that was not pip-installed: use its src/
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    from atmp.ledger import note

SCRIPT = Path(__file__).resolve().parents[1] / "atmp_verify.py"
_spec = importlib.util.spec_from_file_location("atmp_verify", SCRIPT)
assert _spec is not None and _spec.loader is not None
av = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(av)

ORIGIN = "atmp.example/ledger"
KEY = Ed25519PrivateKey.generate()
VKEY = note.vkey(ORIGIN, KEY.public_key().public_bytes_raw())
ZERO = "0" * 64

ACTORS = [
    {"id": None, "name": "atmp", "roles": []},
    {"id": 7, "name": "Zoë Ødegård-Ñúñez", "roles": ["qa", "qualified_person"]},
    {"id": 12, "name": "李雷 🧪", "roles": ["operator"]},
]


def sha_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_bodies(n: int) -> list[dict[str, Any]]:
    start = datetime.datetime(2026, 11, 25, 4, 5, 26, 123456)
    bodies = []
    for seq in range(1, n + 1):
        at = (start + datetime.timedelta(seconds=37 * seq, microseconds=1001 * seq)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        record_id = str(seq % 3 + 1)
        if seq == 6:
            action, reason, changes = "login", "", {}
            record = {"type": "accounts.user", "id": "7", "version": None}
        elif seq % 4 == 1:
            action, reason = "create", ""
            changes = {"name": [None, f"Site {seq} — Zürich"], "active": [None, True]}
            record = {"type": "accounts.site", "id": record_id, "version": 1}
        else:
            action, reason = "update", f'Annex 11 §9 correction #{seq} ✓ "quoted"\t\\'
            changes = {
                "capacity_l": ["12.50", f"12.{seq:02d}"],
                "tags": [["a"], ["a", "ß", "🧬"]],
                "meta": [{}, {"k": seq, "\u2028": None, "\x1f": False}],
            }
            record = {"type": "accounts.site", "id": record_id, "version": seq}
        snapshot = "" if action == "login" else sha_hex(rfc8785.dumps(changes))
        bodies.append(
            {
                "seq": seq,
                "at": at,
                "actor": ACTORS[seq % 3],
                "action": action,
                "record": record,
                "reason": reason,
                "changes": changes,
                "snapshot_hash": snapshot,
                "prev_hash": "",
            }
        )
    return bodies


def rechain(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return entries with prev_hash and hash computed as atmp computes them."""
    entries, prev = [], ZERO
    for body in bodies:
        body = {k: v for k, v in body.items() if k != "hash"} | {"prev_hash": prev}
        prev = sha_hex(rfc8785.dumps(body))
        entries.append(body | {"hash": prev})
    return entries


def mth(leaves: list[bytes]) -> bytes:
    """Return RFC 6962 §2.1 MTH, written as the RFC states it (a reference for the test)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def checkpoint(
    entries: list[dict[str, Any]],
    size: int,
    *,
    key: Ed25519PrivateKey = KEY,
    root: bytes | None = None,
) -> str:
    if root is None:
        root = mth([bytes.fromhex(e["hash"]) for e in entries[:size]])
    return note.sign_note(note.checkpoint_text(ORIGIN, size, root), name=ORIGIN, private_key=key)


def lines_of(entries: list[dict[str, Any]]) -> list[bytes]:
    return [rfc8785.dumps(e) for e in entries]


ENTRIES = rechain(make_bodies(12))
CHECKPOINTS = {f"{n}.checkpoint": checkpoint(ENTRIES, n) for n in (5, 10)}


def run(
    tmp_path: Path,
    lines: list[bytes] | None = None,
    checkpoints: dict[str, str | bytes] | None = None,
    *,
    final_newline: bool = True,
) -> tuple[int, dict[str, Any]]:
    """Write an export and run the verifier's main() on it with --json."""
    lines = lines_of(ENTRIES) if lines is None else lines
    export = tmp_path / "ledger.jsonl"
    export.write_bytes(b"\n".join(lines) + (b"\n" if final_newline else b""))
    directory = tmp_path / "checkpoints"
    directory.mkdir()
    for name, content in (CHECKPOINTS if checkpoints is None else checkpoints).items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (directory / name).write_bytes(data)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = av.main([str(export), "--checkpoints", str(directory), "--vkey", VKEY, "--json"])
    return code, json.loads(out.getvalue())


def found(report: dict[str, Any]) -> set[tuple[str, int | None]]:
    return {(f["kind"], f["seq"]) for f in report["failures"]}


# --- the intact export ----------------------------------------------------------------------


def test_intact_export_passes(tmp_path: Path) -> None:
    code, report = run(tmp_path)
    assert code == 0
    assert report == {"ok": True, "entries": 12, "checkpoints": 2, "covered": 10, "failures": []}


def test_intact_export_without_final_newline_passes(tmp_path: Path) -> None:
    assert run(tmp_path, final_newline=False)[0] == 0


def test_checkpoint_of_the_whole_export_and_of_the_empty_tree(tmp_path: Path) -> None:
    checkpoints = {f"{n}.checkpoint": checkpoint(ENTRIES, n) for n in (0, 1, 7, 12)}
    code, report = run(tmp_path, checkpoints=checkpoints)
    assert (code, report["covered"], report["failures"]) == (0, 12, [])


def test_cosigned_checkpoint_passes(tmp_path: Path) -> None:
    # Signatures by other keys (a witness, a new log key) are ignored, as signed-note requires.
    witness = note.sign_note(
        note.checkpoint_text(ORIGIN, 10, mth([bytes.fromhex(e["hash"]) for e in ENTRIES[:10]])),
        name="witness.example",
        private_key=Ed25519PrivateKey.generate(),
    )
    cosigned = CHECKPOINTS["10.checkpoint"] + witness.split("\n\n")[1]
    assert run(tmp_path, checkpoints={"10.checkpoint": cosigned})[0] == 0


def test_command_line(tmp_path: Path) -> None:
    export, directory, vkey_file = tmp_path / "e.jsonl", tmp_path / "cp", tmp_path / "vkey"
    export.write_bytes(b"\n".join(lines_of(ENTRIES)) + b"\n")
    directory.mkdir()
    for name, content in CHECKPOINTS.items():
        (directory / name).write_text(content, "utf-8")
    vkey_file.write_text(VKEY + "\n", "utf-8")
    args = [sys.executable, str(SCRIPT), str(export), "--checkpoints", str(directory)]
    ok = subprocess.run([*args, "--vkey", str(vkey_file)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout == (
        "OK: 12 entries, 2 checkpoints; entries 1..10 match a signed checkpoint, 2 after it only chain-checked\n"
    )
    export.write_bytes(export.read_bytes().replace(b'"seq":7,', b'"seq":70,'))
    bad = subprocess.run([*args, "--vkey", VKEY], capture_output=True, text=True)
    assert bad.returncode == 1
    assert "FAIL hash seq 70: line 7" in bad.stdout
    assert "FAIL seq seq 70: line 7: seq 70 follows seq 6" in bad.stdout
    assert bad.stdout.endswith("\n") and "FAILED: 12 entries" in bad.stdout


# --- damaged exports ------------------------------------------------------------------------


def test_edited_field(tmp_path: Path) -> None:
    entries = [dict(e) for e in ENTRIES]
    entries[6]["reason"] = "nothing to see here"
    code, report = run(tmp_path, lines_of(entries))
    assert code == 1
    assert found(report) == {("hash", 7), ("root", None)}
    assert "10.checkpoint" in report["failures"][-1]["detail"]
    assert report["covered"] == 5


def test_deleted_middle_line(tmp_path: Path) -> None:
    lines = lines_of(ENTRIES)
    del lines[5]
    code, report = run(tmp_path, lines)
    assert code == 1
    assert {("seq", 7), ("chain", 7)} <= found(report)
    assert "seq 7 follows seq 5" in report["failures"][0]["detail"]


def test_swapped_lines(tmp_path: Path) -> None:
    lines = lines_of(ENTRIES)
    lines[2], lines[3] = lines[3], lines[2]
    code, report = run(tmp_path, lines)
    assert code == 1
    assert {("seq", 4), ("seq", 3), ("chain", 4), ("chain", 3), ("time", 3)} <= found(report)
    assert ("root", None) in found(report)  # both checkpoints cover lines 3 and 4


def test_duplicated_line(tmp_path: Path) -> None:
    lines = lines_of(ENTRIES)
    lines.insert(8, lines[7])
    code, report = run(tmp_path, lines)
    assert code == 1
    assert {("seq", 8), ("chain", 8), ("time", 8)} <= found(report)
    assert any(f["detail"].endswith("seq 8 follows seq 8") for f in report["failures"])


def test_changed_timestamp(tmp_path: Path) -> None:
    entries = [dict(e) for e in ENTRIES]
    entries[8]["at"] = entries[7]["at"]  # seq 9 at the same instant as seq 8
    code, report = run(tmp_path, lines_of(entries))
    assert code == 1
    assert {("hash", 9), ("time", 9)} <= found(report)


def test_changed_timestamp_with_recomputed_chain(tmp_path: Path) -> None:
    bodies = make_bodies(12)
    bodies[8]["at"] = "2026-11-25T04:00:00.000000Z"  # before seq 8, rehashed from there on
    code, report = run(tmp_path, lines_of(rechain(bodies)))
    assert code == 1
    assert ("time", 9) in found(report)
    assert ("root", None) in found(report)


@pytest.mark.parametrize(
    "at", ["2026-02-30T04:05:26.123456Z", "2026-11-25T04:05:26.123Z", "2026-11-25 04:05:26.123456Z"]
)
def test_malformed_timestamp(tmp_path: Path, at: str) -> None:
    entries = [dict(e) for e in ENTRIES]
    entries[8]["at"] = at
    code, report = run(tmp_path, lines_of(entries))
    assert code == 1
    assert ("format", 9) in found(report)


def test_recomputed_chain_is_caught_by_the_checkpoint_root(tmp_path: Path) -> None:
    bodies = make_bodies(12)
    bodies[2]["changes"] = {"capacity_l": ["12.50", "99.99"]}
    code, report = run(tmp_path, lines_of(rechain(bodies)))
    assert code == 1
    # Every hash and link is valid: only the signed roots show the rewrite.
    assert found(report) == {("root", None)}
    assert [f["detail"].split(":")[0] for f in report["failures"]] == [
        "5.checkpoint",
        "10.checkpoint",
    ]
    assert report["covered"] == 0


def test_rewritten_tail_after_the_last_checkpoint_is_not_caught(tmp_path: Path) -> None:
    # The documented limit: entries after the last checkpoint are only chain-checked.
    bodies = make_bodies(12)
    bodies[11]["reason"] = "rewritten"
    code, report = run(tmp_path, lines_of(rechain(bodies)))
    assert (code, report["covered"]) == (0, 10)


def test_truncated_tail_shorter_than_a_checkpoint(tmp_path: Path) -> None:
    code, report = run(tmp_path, lines_of(ENTRIES)[:8])
    assert code == 1
    assert found(report) == {("checkpoint", 9)}
    assert report["failures"][0]["detail"].startswith("10.checkpoint: size 10")
    assert report["covered"] == 5


def test_non_utf8_garbage_line(tmp_path: Path) -> None:
    lines = lines_of(ENTRIES)
    lines[3] = b"\xff\xfe\x00garbage"
    code, report = run(tmp_path, lines)
    assert code == 1
    assert ("line", 4) in found(report)
    # Seq 5 still follows the seq the garbage stood for; checkpoints over line 4 cannot hold.
    assert not any(f["seq"] == 5 for f in report["failures"])
    assert sum(f["kind"] == "root" for f in report["failures"]) == 2


@pytest.mark.parametrize(
    ("mangle", "kind"),
    [
        (lambda line: line.replace(b'"seq":4', b'"seq":4.0'), "line"),  # a float
        (lambda line: line.replace(b'"seq":4', b'"seq":4,"seq":4'), "line"),  # duplicate key
        (lambda line: line.replace(b'"seq":4', b'"seq":NaN'), "line"),
        (lambda line: line.replace(b"{", b"{ ", 1), "format"),  # not canonical
        (lambda line: line + b"\r", "format"),
        (lambda line: line.replace(b'"reason":', b'"extra":1,"reason":'), "format"),
        (lambda line: line.replace(b'"record":{"id":"2"', b'"record":{"id":2'), "format"),
        (lambda line: line.replace(b'"snapshot_hash":"', b'"snapshot_hash":"A'), "format"),
        (lambda line: line.replace(b'"changes":{', b'"changes":{"x":[1],'), "format"),
        (lambda line: line.replace(b'"actor":{"id":7', b'"actor":{"id":true'), "format"),
        (lambda line: b"[" + line + b"]", "format"),
    ],
)
def test_malformed_entry(tmp_path: Path, mangle: Any, kind: str) -> None:
    lines = lines_of(ENTRIES)
    mangled = mangle(lines[3])
    assert mangled != lines[3]
    lines[3] = mangled
    code, report = run(tmp_path, lines)
    assert code == 1
    assert (kind, 4) in found(report)


def test_utf16_line_is_not_accepted(tmp_path: Path) -> None:
    # json.loads would take UTF-16 bytes; the export format is UTF-8.
    lines = lines_of(ENTRIES)
    lines[3] = lines[3].decode("utf-8").encode("utf-16")
    code, report = run(tmp_path, lines)
    assert (code, found(report) >= {("line", 4)}) == (1, True)


# --- damaged checkpoints --------------------------------------------------------------------


def test_forged_checkpoint_signed_by_another_key(tmp_path: Path) -> None:
    forged = checkpoint(ENTRIES, 10, key=Ed25519PrivateKey.generate())
    code, report = run(tmp_path, checkpoints={**CHECKPOINTS, "10.checkpoint": forged})
    assert code == 1
    assert found(report) == {("checkpoint", None)}
    assert report["failures"][0]["detail"] == f"10.checkpoint: not signed by {ORIGIN}"


def test_checkpoint_with_a_wrong_root(tmp_path: Path) -> None:
    wrong = checkpoint(ENTRIES, 10, root=mth([bytes.fromhex(e["hash"]) for e in ENTRIES[1:11]]))
    code, report = run(tmp_path, checkpoints={**CHECKPOINTS, "10.checkpoint": wrong})
    assert code == 1
    assert found(report) == {("root", None)}
    assert report["failures"][0]["detail"].startswith("10.checkpoint: the first 10 entries")


@pytest.mark.parametrize(
    "content",
    [
        "hello\n",
        b"\xff\xfe",
        CHECKPOINTS["10.checkpoint"].replace("\n10\n", "\n11\n"),  # tampered: bad signature
        CHECKPOINTS["10.checkpoint"].replace("— ", "-- "),
        CHECKPOINTS["10.checkpoint"][:-1],
        note.sign_note(f"{ORIGIN}\n010\n{'A' * 43}=\n", name=ORIGIN, private_key=KEY),
        note.sign_note(f"{ORIGIN}\n10\n{'A' * 42}==\n", name=ORIGIN, private_key=KEY),
        note.sign_note(f"{ORIGIN}\n10\n", name=ORIGIN, private_key=KEY),
        note.sign_note(f"{ORIGIN}\n10\n{'A' * 43}=\n\nx\n", name=ORIGIN, private_key=KEY),
    ],
)
def test_malformed_checkpoint_file(tmp_path: Path, content: str | bytes) -> None:
    code, report = run(tmp_path, checkpoints={**CHECKPOINTS, "10.checkpoint": content})
    assert code == 1
    assert found(report) == {("checkpoint", None)}
    assert report["failures"][0]["detail"].startswith("10.checkpoint: ")


def test_checkpoint_of_another_origin(tmp_path: Path) -> None:
    other = note.sign_note(note.checkpoint_text("other.example/log", 5, bytes(32)), name=ORIGIN, private_key=KEY)
    code, report = run(tmp_path, checkpoints={"5.checkpoint": other})
    assert code == 1
    assert "origin 'other.example/log'" in report["failures"][0]["detail"]


def test_checkpoint_under_the_wrong_file_name(tmp_path: Path) -> None:
    code, report = run(tmp_path, checkpoints={"5.checkpoint": CHECKPOINTS["10.checkpoint"]})
    assert code == 1
    assert report["failures"][0]["detail"] == "5.checkpoint: holds the checkpoint of size 10"


# --- usage ----------------------------------------------------------------------------------


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    export, directory = tmp_path / "e.jsonl", tmp_path / "cp"
    export.write_bytes(b"\n".join(lines_of(ENTRIES)))
    directory.mkdir()
    script = [sys.executable, str(SCRIPT)]
    for args in (
        [],
        [str(export)],
        [str(export), "--checkpoints", str(directory)],
        [str(export), "--checkpoints", str(directory), "--vkey", "not-a-vkey"],
        [str(export), "--checkpoints", str(directory), "--vkey", VKEY.replace("+", "+0", 1)],
        [str(tmp_path / "missing"), "--checkpoints", str(directory), "--vkey", VKEY],
        [str(export), "--checkpoints", str(tmp_path / "missing"), "--vkey", VKEY],
        [str(export), "--checkpoints", str(export), "--vkey", VKEY],
        [str(directory), "--checkpoints", str(directory), "--vkey", VKEY],
    ):
        result = subprocess.run([*script, *args], capture_output=True, text=True)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert result.stdout == ""


def test_missing_files_are_one_line_messages_with_exit_2(tmp_path: Path) -> None:
    export, directory = tmp_path / "e.jsonl", tmp_path / "cp"
    export.write_bytes(b"\n".join(lines_of(ENTRIES)) + b"\n")
    directory.mkdir()
    for name, content in CHECKPOINTS.items():
        (directory / name).write_text(content, "utf-8")
    script = [sys.executable, str(SCRIPT)]
    for args, named in (
        ([str(tmp_path / "missing.jsonl"), "--checkpoints", str(directory), "--vkey", VKEY], "missing.jsonl"),
        ([str(export), "--checkpoints", str(tmp_path / "nowhere"), "--vkey", VKEY], "nowhere"),
        ([str(export), "--checkpoints", str(directory), "--vkey", str(tmp_path / "atmp.vkey")], "atmp.vkey"),
    ):
        result = subprocess.run([*script, *args], capture_output=True, text=True)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stdout == "" and result.stderr.count("\n") == 1, result.stderr
        assert result.stderr.startswith("atmp_verify: ") and named in result.stderr


def test_a_missing_cryptography_package_is_a_one_line_message_with_exit_2(tmp_path: Path) -> None:
    export, directory = tmp_path / "e.jsonl", tmp_path / "cp"
    export.write_bytes(b"\n".join(lines_of(ENTRIES)) + b"\n")
    directory.mkdir()
    # An interpreter where `import cryptography` fails, as on a machine without the package.
    code = (
        "import runpy, sys; sys.modules['cryptography'] = None; "
        f"sys.argv = ['atmp_verify.py', {str(export)!r}, '--checkpoints', {str(directory)!r}, '--vkey', {VKEY!r}]; "
        f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 2, result.stderr
    assert result.stdout == "" and result.stderr.count("\n") == 1, result.stderr
    assert "cryptography" in result.stderr and "pip install cryptography" in result.stderr


def test_an_empty_export_with_no_checkpoints_is_not_ok(tmp_path: Path) -> None:
    export, directory = tmp_path / "e.jsonl", tmp_path / "cp"
    export.write_bytes(b"")
    directory.mkdir()
    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(export), "--checkpoints", str(directory), "--vkey", VKEY],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert "no *.checkpoint file" in result.stderr and "nothing was verified" in result.stderr


def test_an_empty_export_with_the_empty_trees_checkpoint_verified_nothing(tmp_path: Path) -> None:
    code, report = run(tmp_path, [], {"0.checkpoint": checkpoint(ENTRIES, 0)}, final_newline=False)
    assert code == 1 and not report["ok"]
    assert [(f["kind"], f["detail"]) for f in report["failures"]] == [
        ("unverified", "nothing was verified: the export holds no entry")
    ]


def test_entries_no_checkpoint_covers_are_not_ok(tmp_path: Path) -> None:
    code, report = run(tmp_path, checkpoints={"0.checkpoint": checkpoint(ENTRIES, 0)})
    assert code == 1 and report["covered"] == 0
    assert found(report) == {("unverified", None)}
    assert "no checkpoint covers any entry" in report["failures"][0]["detail"]


def test_an_empty_export_is_caught_by_a_checkpoint_it_should_reach(tmp_path: Path) -> None:
    code, report = run(tmp_path, [], final_newline=False)
    assert code == 1 and found(report) == {("checkpoint", 1)}


# --- the verifier's own RFC 8785, RFC 6962 and signed-note code -----------------------------

# RFC 6962 reference tree: transparency-dev/merkle testonly/constants.go (LeafInputs,
# RootHashes), the vectors of the Certificate Transparency reference implementation.
RFC6962_LEAVES = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657"]
RFC6962_LEAVES.append("606162636465666768696a6b6c6d6e6f")
RFC6962_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def test_merkle_roots_match_rfc6962_vectors() -> None:
    roots = av.merkle_roots([bytes.fromhex(x) for x in RFC6962_LEAVES], set(range(9)))
    assert {n: r.hex() for n, r in roots.items()} == dict(enumerate(RFC6962_ROOTS))


def test_merkle_roots_match_the_rfc_recursion() -> None:
    leaves = [hashlib.sha256(bytes([i])).digest() for i in range(70)]
    roots = av.merkle_roots(leaves, set(range(71)))
    assert all(roots[n] == mth(leaves[:n]) for n in range(71))


def test_verifier_keys_known_answers() -> None:
    # golang.org/x/mod sumdb/note/note_test.go and C2SP signed-note.md (see test_note.py).
    name, key_id, _ = av.parse_vkey("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
    assert (name, key_id.hex()) == ("PeterNeumann", "c74f20a3")
    name, key_id, _ = av.parse_vkey("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
    assert (name, key_id.hex()) == ("example.com/foo", "530d903a")
    assert av.parse_vkey(VKEY)[:2] == (ORIGIN, note.parse_vkey(VKEY).key_id)


def test_checkpoint_parsing_agrees_with_atmp() -> None:
    for name, text in CHECKPOINTS.items():
        ours = note.open_checkpoint(text, note.parse_vkey(VKEY))
        assert av.open_checkpoint(text.encode(), av.parse_vkey(VKEY)) == (ours.size, ours.root)
        assert name == f"{ours.size}.checkpoint"


# Strings that exercise RFC 8785: controls, quotes, non-ASCII, astral plane (surrogate pairs in
# UTF-16, which is what the key order compares), U+2028, DEL and the last BMP characters.
text = st.text(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(['"', "\\", "\x00", "\x1f", "\x7f", "\u2028", "\ufffd", "\uffff"]),
        st.sampled_from(["é", "€", "😀", "🧬", "\U0010ffff", "\ue000", "\b", "\f", "\t"]),
    ),
    max_size=12,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=5),
    max_leaves=25,
)


@settings(max_examples=400)
@given(json_values)
def test_canonical_equals_rfc8785(value: Any) -> None:
    assert av.canonical(value) == rfc8785.dumps(value).decode("utf-8")


@settings(max_examples=200)
@given(
    seq=st.integers(1, 2**53 - 1),
    name=text,
    roles=st.lists(text, max_size=3),
    reason=text,
    changes=st.dictionaries(text, st.tuples(json_values, json_values).map(list), max_size=4),
)
def test_canonical_equals_rfc8785_on_entry_bodies(
    seq: int, name: str, roles: list[str], reason: str, changes: dict[str, Any]
) -> None:
    body = make_bodies(1)[0] | {
        "seq": seq,
        "actor": {"id": None, "name": name, "roles": roles},
        "reason": reason,
        "changes": changes,
    }
    assert av.canonical(body) == rfc8785.dumps(body).decode("utf-8")
    # And the whole line round-trips through the verifier's strict parser.
    assert av.load_entry(rfc8785.dumps(body)) == body


@pytest.mark.parametrize("value", [1.5, 0.0, 2**53, -(2**53), "\ud800", {"\udc00": 1}, b"x", (1,)])
def test_canonical_refuses_what_an_entry_cannot_hold(value: Any) -> None:
    with pytest.raises(ValueError):
        av.canonical(value)
