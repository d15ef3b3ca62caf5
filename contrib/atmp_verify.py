#!/usr/bin/env python3
"""Verify an export of atmp's audit ledger without trusting atmp.

    python contrib/atmp_verify.py EXPORT.jsonl --checkpoints DIR --vkey VKEY [--json]
    python contrib/atmp_verify.py pdf RECORD.pdf --vkey VKEY [--json]

It needs Python 3.11 or later and the `cryptography` package (`pip install cryptography`; it
is the only import outside Python's standard library) and imports nothing from atmp: read it,
and docs/ledger-format.md, which it implements. VKEY is the ledger's verifier key, as the
string `<name>+<key ID>+<key>` or a file holding it; DIR holds signed `<size>.checkpoint` files.

When it exits 0 it has shown that:
  * every line of the export is one entry, written in RFC 8785 canonical form, whose `hash`
    is the SHA-256 of its body; seq counts 1, 2, 3... with no gap; each prev_hash is the hash
    of the line before; `at` is well-formed and strictly increasing;
  * every checkpoint is signed by VKEY's key (C2SP signed-note, Ed25519), names that key as
    its origin, and its root is the RFC 6962 Merkle root of the export's first <size>
    entries. So the first N entries (N, "covered", is the largest checkpoint size) are exactly
    the ones the ledger's key signed: none edited, inserted, removed or reordered.

What it does not show:
  * entries after the last checkpoint are only chain-checked: whoever holds the export
    could rewrite them and recompute the chain. Ask for a checkpoint at the export's end;
  * that VKEY is the ledger's real key: obtain it from the site out of band, not with the export;
  * that no one was shown a different ledger: compare your checkpoints with other auditors';
  * that the entries' contents are true, or that `reason` was given where the rules require it.

The `pdf` sub-command checks a record printed by atmp (PDF/A-3b, docs/printing.md) from the files
embedded in it: each entry's hash recomputes from its RFC 8785 body, is the leaf of its RFC 9162
inclusion proof, and the proof reaches the root of the signed checkpoint it carries, whose
signature holds under VKEY; the record's snapshot hashes to the snapshot_hash of its latest entry.
A record printed with its member records (format atmp-record-proofs/2, e.g. a batch with its steps
and entries) is checked the same way for every record its manifest lists: each entry is about one
of them, and each record's snapshot file hashes to the snapshot_hash of that record's latest entry.
It needs the `pypdf` package as well (`pip install pypdf`), for this sub-command only.

Exit status: 0 when everything holds; 1 when a check fails (every failure is printed, naming
the seq or the checkpoint file), and when nothing was verified (an export of no entry, or one no
checkpoint covers); 2 on bad usage, a missing or unreadable file, a checkpoint directory with no
*.checkpoint file, or a missing `cryptography` package (one line on stderr).
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

if sys.version_info < (3, 11):  # noqa: UP036  (it runs on auditors' machines, not only under our pinned Python)
    sys.stderr.write(f"atmp_verify: needs Python 3.11 or later, this is {sys.version.split()[0]}\n")
    sys.exit(2)
try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
except ImportError as missing:
    sys.stderr.write(f"atmp_verify: needs the cryptography package (pip install cryptography): {missing}\n")
    sys.exit(2)

HEX64 = re.compile(r"[0-9a-f]{64}")
AT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
MAX_SAFE_INTEGER = 2**53 - 1
MAX_SIGNATURES = 100  # C2SP signed-note: a verifier must accept at least 16


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def is_hex64(v: Any) -> bool:
    return isinstance(v, str) and HEX64.fullmatch(v) is not None


def is_timestamp(v: Any) -> bool:
    try:  # strptime also refuses impossible dates such as February 30
        return bool(AT.fullmatch(v)) and bool(datetime.datetime.strptime(v, "%Y-%m-%dT%H:%M:%S.%fZ"))
    except (TypeError, ValueError):
        return False


# What each key of an exported entry must hold (docs/ledger-format.md). A type means "of that
# type" (int excludes booleans), a tuple "any of", a dict "exactly these keys", [t] "list of t".
ENTRY = {
    "seq": lambda v: type(v) is int and v >= 1,
    "at": is_timestamp,
    "actor": {"id": (int, None), "name": str, "roles": [str]},
    "action": str,
    "record": {"type": str, "id": (str, None), "version": (int, None)},
    "reason": str,
    "changes": lambda v: isinstance(v, dict) and all(isinstance(x, list) and len(x) == 2 for x in v.values()),
    "snapshot_hash": lambda v: v == "" or is_hex64(v),
    "prev_hash": is_hex64,
    "hash": is_hex64,
}


def fits(value: Any, shape: Any) -> bool:
    """Report whether value has the shape described as in ENTRY."""
    if shape is None:
        return value is None
    if isinstance(shape, tuple):
        return any(fits(value, s) for s in shape)
    if isinstance(shape, dict):
        return isinstance(value, dict) and set(value) == set(shape) and all(fits(value[k], s) for k, s in shape.items())
    if isinstance(shape, list):
        return isinstance(value, list) and all(fits(v, shape[0]) for v in value)
    if isinstance(shape, type):
        return type(value) is int if shape is int else isinstance(value, shape)
    return bool(shape(value))


# RFC 8785 (JCS) for the only JSON an entry may hold: null, booleans, integers, strings,
# arrays and objects. Floats are refused: entries store decimals as strings. Strings are escaped
# as ECMAScript's JSON.stringify does: the two-character escapes below, \u00xx for other controls.
ESCAPES = {c: "\\" + e for c, e in zip('\b\t\n\f\r"\\', 'btnfr"\\', strict=True)}


def canonical_string(s: str) -> str:
    """Return s as an ECMAScript JSON string literal (RFC 8785 §3.2.2.2)."""
    if any(0xD800 <= ord(c) <= 0xDFFF for c in s):
        raise ValueError("string holds a lone surrogate")
    return '"' + "".join(ESCAPES.get(c) or (f"\\u{ord(c):04x}" if c < " " else c) for c in s) + '"'


def canonical(value: Any) -> str:
    """Return the RFC 8785 serialisation of a float-free JSON value."""
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise ValueError(f"integer {value} is beyond ±(2^53-1)")
        return str(value)
    if isinstance(value, str):
        return canonical_string(value)
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    if isinstance(value, dict):
        # RFC 8785 §3.2.3: sort by UTF-16 code units; big-endian UTF-16 bytes sort the same way.
        keys = sorted(value, key=lambda k: k.encode("utf-16-be", "surrogatepass"))
        return "{" + ",".join(canonical_string(k) + ":" + canonical(value[k]) for k in keys) + "}"
    raise ValueError(f"{type(value).__name__} is not allowed in an entry")


def merkle_roots(leaves: list[bytes], sizes: set[int]) -> dict[int, bytes]:
    """Return the RFC 6962 Merkle root of the first n leaf inputs for each n in sizes."""
    # One pass. The stack holds the roots of the complete subtrees the leaves so far form,
    # leftmost (largest) first, as in a binary counter; RFC 6962's MTH of n leaves is those
    # roots combined right to left, since its split point is always the largest power of 2 < n.
    roots = {0: sha256(b"")} if 0 in sizes else {}
    stack: list[tuple[int, bytes]] = []  # (height, hash)
    for count, leaf in enumerate(leaves, 1):
        height, node = 0, sha256(b"\x00" + leaf)
        while stack and stack[-1][0] == height:
            node, height = sha256(b"\x01" + stack.pop()[1] + node), height + 1
        stack.append((height, node))
        if count in sizes:
            root = node
            for _, left in reversed(stack[:-1]):
                root = sha256(b"\x01" + left + root)
            roots[count] = root
    return roots


def is_key_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)  # signed-note


def parse_vkey(text: str) -> tuple[str, bytes, Ed25519PublicKey]:
    """Parse `<name>+<key ID hex>+base64(0x01 || key)` into name, key ID and key."""
    parts = text.split("+", 2)  # base64 may hold "+", the key name may not
    name, hex_id, key64 = parts if len(parts) == 3 else ("", "", "")
    raw = base64.b64decode(key64, validate=True)
    if not is_key_name(name) or not re.fullmatch(r"[0-9a-f]{8}", hex_id) or raw[:1] != b"\x01":
        raise ValueError("not an Ed25519 verifier key <name>+<key ID>+<key>")
    if len(raw) != 33 or sha256(name.encode() + b"\n" + raw)[:4].hex() != hex_id:
        raise ValueError("the key ID does not match the key")
    return name, bytes.fromhex(hex_id), Ed25519PublicKey.from_public_bytes(raw[1:])


def open_checkpoint(data: bytes, vkey: tuple[str, bytes, Ed25519PublicKey]) -> tuple[int, bytes]:
    """Check a checkpoint's signature (C2SP signed-note) and return its size and root."""
    name, key_id, key = vkey
    note = data.decode("utf-8")
    split = note.rfind("\n\n")  # the text ends at the last empty line
    text, sigs = note[: split + 1], note[split + 2 :]
    if any(c < " " and c != "\n" for c in note) or split < 0 or not sigs.endswith("\n"):
        raise ValueError("malformed note")
    if sigs.count("\n") > MAX_SIGNATURES:
        raise ValueError("too many signatures")
    signed = False
    for line in sigs[:-1].split("\n"):
        signer, _, sig64 = line.removeprefix("— ").partition(" ")
        sig = base64.b64decode(sig64, validate=True)
        if not line.startswith("— ") or not is_key_name(signer) or len(sig) < 5:
            raise ValueError("malformed signature line")
        if (signer, sig[:4]) != (name, key_id):
            continue  # signed-note: signatures by other keys are ignored
        try:
            key.verify(sig[4:], text.encode())
        except InvalidSignature:
            raise ValueError(f"bad signature by {name}") from None
        signed = True
    if not signed:
        raise ValueError(f"not signed by {name}")
    lines = text[:-1].split("\n")  # C2SP tlog-checkpoint: origin, size, root, extension lines
    if len(lines) < 3 or not all(lines):
        raise ValueError("malformed checkpoint text")
    if lines[0] != name:
        raise ValueError(f"origin {lines[0]!r} is not {name!r}")
    if not re.fullmatch(r"0|[1-9][0-9]*", lines[1]):
        raise ValueError(f"bad tree size {lines[1]!r}")
    root = base64.b64decode(lines[2], validate=True)
    if len(root) != 32:
        raise ValueError("root hash is not 32 bytes")
    return int(lines[1]), root


def load_entry(raw: bytes) -> Any:
    """Parse one line as strict JSON: UTF-8, no duplicate keys, no floats, NaN or Infinity."""

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        if len({k for k, _ in pairs}) != len(pairs):
            raise ValueError("duplicate key")
        return dict(pairs)

    def no_float(token: str) -> Any:
        raise ValueError(f"number {token} is not an integer")

    text = raw.decode("utf-8")  # json.loads would also take UTF-16 and UTF-32 bytes
    return json.loads(text, object_pairs_hook=unique, parse_float=no_float, parse_constant=no_float)


def verify(export: bytes, checkpoints: dict[str, bytes], vkey: Any) -> dict[str, Any]:
    """Check an export and its checkpoints; return the report that --json prints."""
    failures: list[dict[str, Any]] = []

    def fail(kind: str, seq: int | None, detail: str) -> None:
        failures.append({"kind": kind, "seq": seq, "detail": detail})

    lines = export.split(b"\n")
    if lines[-1] == b"":  # a final newline ends the last line; it is not an empty entry
        lines.pop()
    leaves: list[bytes | None] = []  # Merkle leaf inputs: each entry's hash, recomputed
    prev_seq = 0
    prev_hash: str | None = "0" * 64  # hash and at are None when the line before was unreadable
    prev_at: str | None = ""
    for number, raw in enumerate(lines, 1):
        leaves.append(None)
        where = f"line {number}"
        try:
            e = load_entry(raw)
        except ValueError as error:  # also UnicodeDecodeError, JSONDecodeError
            fail("line", prev_seq + 1, f"{where}: not a JSON entry: {error}")
            prev_seq, prev_hash, prev_at = prev_seq + 1, None, None
            continue
        keys = set(e) if isinstance(e, dict) else set()
        bad = sorted(keys ^ set(ENTRY)) + [k for k in ENTRY if k in keys and not fits(e[k], ENTRY[k])]
        seq = e["seq"] if "seq" in keys and "seq" not in bad else prev_seq + 1
        if bad:
            fail("format", seq, f"{where}: missing, unexpected or malformed: {', '.join(bad)}")
            prev_seq, prev_hash, prev_at = seq, None, None
            continue
        try:
            leaves[-1] = sha256(canonical({k: v for k, v in e.items() if k != "hash"}).encode())
            if canonical(e).encode() != raw:
                fail("format", seq, f"{where}: not in RFC 8785 canonical form")
        except ValueError as error:
            fail("format", seq, f"{where}: {error}")
        if leaves[-1] and leaves[-1].hex() != e["hash"]:
            fail("hash", seq, f"{where}: the body hashes to {leaves[-1].hex()}, not to its hash")
        if seq != prev_seq + 1:
            fail("seq", seq, f"{where}: seq {seq} follows seq {prev_seq}")
        if prev_hash is not None and e["prev_hash"] != prev_hash:
            fail("chain", seq, f"{where}: prev_hash is not the hash of the line before")
        if prev_at is not None and e["at"] <= prev_at:
            fail("time", seq, f"{where}: at {e['at']} is not after {prev_at}")
        prev_seq, prev_hash, prev_at = seq, e["hash"], e["at"]

    opened: dict[str, tuple[int, bytes]] = {}
    for name, data in checkpoints.items():
        try:
            opened[name] = open_checkpoint(data, vkey)
        except ValueError as error:  # also not UTF-8, bad base64
            fail("checkpoint", None, f"{name}: {error}")
            continue
        if name != f"{opened[name][0]}.checkpoint":
            fail("checkpoint", None, f"{name}: holds the checkpoint of size {opened[name][0]}")
    usable = leaves.index(None) if None in leaves else len(leaves)  # roots need valid entries
    roots = merkle_roots([x for x in leaves[:usable] if x], {s for s, _ in opened.values()})
    covered = 0
    for name, (size, root) in opened.items():
        if size > len(leaves):
            fail("checkpoint", len(leaves) + 1, f"{name}: size {size}, export ends at {len(leaves)}")
        elif size > usable:
            fail("root", None, f"{name}: covers line {usable + 1}, which is not a valid entry")
        elif roots[size] != root:
            fail("root", None, f"{name}: the first {size} entries are not the ones it signed")
        else:
            covered = max(covered, size)
    if not failures and not covered:
        # An export that no checkpoint reaches into proves nothing, however well its chain holds.
        what = "the export holds no entry" if not lines else "no checkpoint covers any entry (only chain-checked)"
        fail("unverified", None, f"nothing was verified: {what}")
    counts = {"entries": len(lines), "checkpoints": len(checkpoints), "covered": covered}
    return {"ok": not failures, **counts, "failures": failures}


# --- a printed record: `pdf FILE.pdf --vkey VKEY` ----------------------------------------------

PDF_FILES = ("manifest.json", "snapshot.json", "entries.jsonl", "proofs.json", "checkpoint.txt")
FORMAT_ONE = "atmp-record-proofs/1"  # one record
FORMAT_MEMBERS = "atmp-record-proofs/2"  # a record and its member records, each with its snapshot file


class BadInput(Exception):
    """The input is not something this verifier can check (exit 2), as opposed to a failed check."""


def inclusion_root(leaf: bytes, index: int, size: int, path: list[bytes]) -> bytes | None:
    """Return the root an RFC 9162 §2.1.3.2 inclusion proof leads to, or None when it is malformed."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = sha256(b"\x01" + p + r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = sha256(b"\x01" + r + p)
        fn, sn = fn >> 1, sn >> 1
    return r if sn == 0 else None


def pdf_attachments(path: Path) -> dict[str, bytes]:
    """Return the files embedded in the PDF, by name (pypdf is imported here, for this sub-command only)."""
    try:
        import pypdf
        from pypdf.errors import PdfReadError
    except ImportError as missing:
        raise BadInput(f"the pdf sub-command needs the pypdf package (pip install pypdf): {missing}") from None
    try:
        reader = pypdf.PdfReader(path)
        found = reader.attachments
        files = {name: contents[0] for name, contents in found.items() if contents}
    except (PdfReadError, ValueError, KeyError, TypeError) as error:
        raise BadInput(f"{path}: not a readable PDF: {error}") from None
    missing_files = [n for n in PDF_FILES if n not in files]
    if missing_files:
        raise BadInput(f"{path}: not a record printed by atmp: no embedded {', '.join(missing_files)}")
    return files


def verify_pdf(files: dict[str, bytes], vkey: Any) -> dict[str, Any]:
    """Check the proofs embedded in a printed record; return the report that --json prints."""
    failures: list[dict[str, Any]] = []

    def fail(kind: str, seq: int | None, detail: str) -> None:
        failures.append({"kind": kind, "seq": seq, "detail": detail})

    record: dict[str, Any] = {}
    # Each record the PDF proves, (type, id), and the embedded file holding its snapshot.
    snapshots: dict[tuple[str, str], str] = {}
    try:
        manifest = load_entry(files["manifest.json"])
        record = manifest["record"]
        record_type, record_id = record["type"], record["id"]
        snapshots[(record_type, record_id)] = "snapshot.json"
        if manifest.get("format") == FORMAT_MEMBERS:
            for member in manifest["records"]:
                snapshots[(member["type"], member["id"])] = member["snapshot"]
        elif manifest.get("format") != FORMAT_ONE:
            raise ValueError(f"unknown format {manifest.get('format')!r}")
    except (ValueError, KeyError, TypeError) as error:
        fail("manifest", None, f"manifest.json: {error}")
        record_type = record_id = None
    try:
        size, root = open_checkpoint(files["checkpoint.txt"], vkey)
    except ValueError as error:
        fail("checkpoint", None, f"checkpoint.txt: {error}")
        size, root = -1, b""
    proofs: dict[int, Any] = {}
    try:
        for p in load_entry(files["proofs.json"]):
            proofs[p["seq"]] = p
    except (ValueError, KeyError, TypeError) as error:
        fail("proofs", None, f"proofs.json: {error}")

    lines = files["entries.jsonl"].split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    latest: dict[tuple[Any, Any], dict[str, Any]] = {}  # each record's latest entry with a snapshot_hash
    for number, raw in enumerate(lines, 1):
        where = f"entries.jsonl line {number}"
        try:
            e = load_entry(raw)
        except ValueError as error:
            fail("line", None, f"{where}: not a JSON entry: {error}")
            continue
        keys = set(e) if isinstance(e, dict) else set()
        bad = sorted(keys ^ set(ENTRY)) + [k for k in ENTRY if k in keys and not fits(e[k], ENTRY[k])]
        if bad:
            fail("format", None, f"{where}: missing, unexpected or malformed: {', '.join(bad)}")
            continue
        seq = e["seq"]
        try:
            body = sha256(canonical({k: v for k, v in e.items() if k != "hash"}).encode())
            if canonical(e).encode() != raw:
                fail("format", seq, f"{where}: not in RFC 8785 canonical form")
        except ValueError as error:
            fail("format", seq, f"{where}: {error}")
            continue
        if body.hex() != e["hash"]:
            fail("hash", seq, f"{where}: the body hashes to {body.hex()}, not to its hash")
            continue
        about = (e["record"]["type"], e["record"]["id"])
        if record_type is not None and about not in snapshots:
            fail("record", seq, f"{where}: the entry is about {about[0]}:{about[1]}, not a record the PDF proves")
        if e["snapshot_hash"]:
            latest[about] = e
        proof = proofs.get(seq)
        if proof is None:
            fail("proof", seq, f"{where}: proofs.json holds no inclusion proof of entry {seq}")
            continue
        try:
            leaf = base64.b64decode(proof["leaf_hash"], validate=True)
            path = [base64.b64decode(h, validate=True) for h in proof["proof"]]
            index, proof_size = proof["index"], proof["size"]
        except (ValueError, KeyError, TypeError) as error:
            fail("proof", seq, f"proofs.json, entry {seq}: {error}")
            continue
        if leaf != sha256(b"\x00" + bytes.fromhex(e["hash"])):
            fail("leaf", seq, f"entry {seq}: its hash is not the leaf of its inclusion proof")
        elif index != seq - 1 or proof_size != size:
            fail("proof", seq, f"entry {seq}: the proof is for leaf {index} of {proof_size}, not {seq - 1} of {size}")
        elif size >= 0 and inclusion_root(leaf, index, size, path) != root:
            fail("inclusion", seq, f"entry {seq}: the proof does not reach the checkpoint's root at size {size}")
    if not lines:
        fail("unverified", None, "entries.jsonl holds no entry: nothing was verified")
    for (kind, key), name in snapshots.items():
        entry = latest.get((kind, key))
        if entry is None:
            if len(snapshots) > 1:
                fail("record", None, f"{kind}:{key}: entries.jsonl holds no entry with its snapshot_hash")
            continue
        snapshot = files.get(name)
        if snapshot is None:
            fail("snapshot", entry["seq"], f"{kind}:{key}: the PDF embeds no {name}")
            continue
        digest = hashlib.sha256(snapshot).hexdigest()
        if digest != entry["snapshot_hash"]:
            fail(
                "snapshot", entry["seq"], f"{name} hashes to {digest}, not to the snapshot_hash of entry {entry['seq']}"
            )
    label = f"{record_type}:{record_id}" if record_type is not None else "?"
    return {
        "ok": not failures,
        "record": label,
        "version": record.get("version") if isinstance(record, dict) else None,
        "records": len(snapshots),
        "entries": len(lines),
        "checkpoint": size if size >= 0 else None,
        "failures": failures,
    }


def pdf_main(argv: list[str]) -> int:
    """Run the `pdf` sub-command."""
    parser = argparse.ArgumentParser(prog="atmp_verify.py pdf", description="Verify a record printed by atmp.")
    parser.add_argument("pdf", type=Path, help="the PDF/A-3 file atmp printed")
    parser.add_argument("--vkey", required=True, help="verifier key, or a file holding it")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    try:
        vkey = read_vkey(args.vkey)
    except (OSError, ValueError) as error:
        return usage_error(f"--vkey: {error}")
    try:
        if not args.pdf.is_file():
            raise BadInput(f"{args.pdf}: {'not a file' if args.pdf.exists() else 'no such file'}")
        files = pdf_attachments(args.pdf)
    except BadInput as error:
        return usage_error(str(error))
    report = verify_pdf(files, vkey)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for f in report["failures"]:
            seq = "" if f["seq"] is None else f" seq {f['seq']}"
            print(f"FAIL {f['kind']}{seq}: {f['detail']}")
        n = report["entries"]
        summary = f"{report['record']} v{report['version']}"
        members = report["records"] - 1
        if members > 0:
            summary += f" and {members} member record{'s' if members > 1 else ''} ({report['records']} records)"
        summary += f": {n} entr{'y' if n == 1 else 'ies'}"
        if report["ok"]:
            summary += f" proven in the tree of {report['checkpoint']} entries, checkpoint signed by the key given"
        print(("OK: " if report["ok"] else "FAILED: ") + summary)
    return 0 if report["ok"] else 1


def read_vkey(text: str) -> tuple[str, bytes, Ed25519PublicKey]:
    """Return the parsed verifier key given as a string or as a file holding it."""
    path = Path(text)
    if "+" not in text and not path.is_file():  # a key always holds "+"; this names a file
        raise FileNotFoundError(f"{path}: no such file")
    return parse_vkey(path.read_text("utf-8").strip() if path.is_file() else text)


def usage_error(message: str) -> int:
    """Print one line naming what is wrong to stderr; return exit status 2."""
    print(f"atmp_verify: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["pdf"]:
        return pdf_main(argv[1:])
    parser = argparse.ArgumentParser(description="Verify an atmp ledger export.")
    parser.add_argument("export", type=Path, help="the JSONL export")
    parser.add_argument("--checkpoints", type=Path, required=True, help="directory of checkpoints")
    parser.add_argument("--vkey", required=True, help="verifier key, or a file holding it")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    try:
        vkey = read_vkey(args.vkey)
    except (OSError, ValueError) as error:
        return usage_error(f"--vkey: {error}")
    try:
        if not args.export.is_file():
            raise FileNotFoundError(f"{args.export}: {'not a file' if args.export.exists() else 'no such file'}")
        export = args.export.read_bytes()
        if not args.checkpoints.is_dir():
            raise NotADirectoryError(f"{args.checkpoints}: no such directory")
        files = sorted(args.checkpoints.glob("*.checkpoint"), key=lambda p: (len(p.name), p.name))
        checkpoints = {p.name: p.read_bytes() for p in files}
    except OSError as error:
        return usage_error(str(error))
    if not checkpoints:
        return usage_error(f"{args.checkpoints} holds no *.checkpoint file: nothing was verified")
    report = verify(export, checkpoints, vkey)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for f in report["failures"]:
            seq = "" if f["seq"] is None else f" seq {f['seq']}"
            print(f"FAIL {f['kind']}{seq}: {f['detail']}")
        n, covered = report["entries"], report["covered"]
        summary = f"{n} entries, {report['checkpoints']} checkpoints; " + (
            f"entries 1..{covered} match a signed checkpoint" if covered else "no entry matches one"
        )
        tail = f", {n - covered} after it only chain-checked" if 0 < covered < n else ""
        print(("OK: " if report["ok"] else "FAILED: ") + summary + tail)
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
