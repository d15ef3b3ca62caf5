"""`atmp ledger …` and `atmp verify`: thin commands over verify, selectors, checkpoints and export."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from atmp.cli.base import handled, json_option, setup_django
from atmp.cli.output import EXIT_FAILED_CHECK, emit, fail, progress_bar

JSON_OPTION = json_option


@click.group()
def ledger() -> None:
    """Checkpoints, proofs, the verifier key and exports of the ledger."""


@click.command()
@click.option(
    "--checkpoints",
    "checkpoint_dir",
    type=click.Path(path_type=Path),
    help="Also check the ledger against the *.checkpoint files exported earlier into this directory.",
)
@click.option("--no-files", "no_files", is_flag=True, help="Do not re-hash the stored files (faster).")
@click.option(
    "--no-identities",
    "no_identities",
    is_flag=True,
    help="Do not check the sealed personal data of donors and patients (faster).",
)
@JSON_OPTION
@handled
def verify(checkpoint_dir: Path | None, no_files: bool, no_identities: bool, as_json: bool) -> None:
    """Verify the chain, the Merkle tree, checkpoints, records, signatures, stored files and sealed identities.

    Exit 1 if any check fails. A sealed identity's ciphertext is checked against its audited SHA-256
    with no key; where the identity keys are (ATMP_IDENTITY_KEY_FILE, ATMP_IDENTITY_HASH_KEY_FILE) it
    is also opened and checked against its audited keyed hash.
    """
    setup_django()
    from atmp.ledger import verify as verification

    skip = frozenset(name for name, off in (("files", no_files), ("identities", no_identities)) if off)
    with progress_bar("verifying the ledger") as progress:
        report = verification.run(checkpoint_dir=checkpoint_dir, progress=progress, skip=skip)
    emit(report.as_dict(), as_json=as_json, text=_describe_report)
    if not report.ok:
        raise click.exceptions.Exit(EXIT_FAILED_CHECK)


def _describe_report(data: dict[str, Any]) -> str:
    files = f", {data['checkpoint_files']} exported checkpoints" if data["checkpoint_files"] else ""
    counts = (
        f"{data['entries']:,} entries, {data['records']:,} records, {data['accounts']:,} accounts, "
        f"{data['signatures']:,} signatures, "
        f"{data['checkpoints']:,} checkpoints{files}"
    )
    if "files" in data:
        counts += f", {data['files']:,} stored files ({data.get('file_bytes', 0):,} bytes)"
    if "identities" in data:
        counts += f", {data['identities']:,} sealed identities"
        if data["identities"] and not data.get("identity_keys"):
            counts += " (ciphertexts only: the identity keys are not here to open them)"
    if data["ok"]:
        return f"OK: {counts} verified"
    lines = [f"FAILED: {counts} checked"]
    for f in data["failures"]:
        where = " ".join(
            part for part in (f"seq {f['seq']}" if f["seq"] is not None else "", f["record"] or "") if part
        )
        lines.append(f"  {f['kind']}{' ' + where if where else ''}: {f['detail']}")
    for kind, n in data["omitted"].items():
        lines.append(f"  … and {n:,} more '{kind}' failures (only the first of each kind are listed)")
    return "\n".join(lines)


@click.command()
@JSON_OPTION
@handled
def tick(as_json: bool) -> None:
    """Sign a checkpoint if entries accumulated, and copy new checkpoints to the witnesses (run it from cron).

    First it runs the modules' periodic tasks: overdue reminders (workflow.reminders) and the
    opening of controlled documents' periodic reviews when due (quality.document_reviews).
    Witnesses are folders (ATMP_WITNESS_DIRS, separated by the system's path separator) that receive
    <size>.checkpoint files for `atmp verify --checkpoints DIR`, and HTTP endpoints (ATMP_WITNESS_URLS,
    space-separated) that receive each note as a text/plain POST. Exit 1 when a witness did not take a
    checkpoint; it is retried at the next tick.
    """
    setup_django()
    from atmp.ledger import witness

    report = witness.tick()
    emit(report.as_dict(), as_json=as_json, text=_describe_tick)
    if not report.ok:
        raise click.exceptions.Exit(EXIT_FAILED_CHECK)


def _describe_tick(data: dict[str, Any]) -> str:
    if data["checkpoint"] is None:
        lines = ["nothing to sign: the ledger is empty"]
    elif data["signed"]:
        lines = [f"signed checkpoint {data['checkpoint']:,}"]
    else:
        lines = [f"nothing to sign: no entry since checkpoint {data['checkpoint']:,}"]
    for name, summary in data.get("tasks", {}).items():
        said = ", ".join(f"{k} {v}" for k, v in summary.items())
        lines.append(f"{'FAILED ' if 'error' in summary else ''}{name}: {said or 'nothing to do'}")
    if not data["witnesses"]:
        lines.append("no witness configured (ATMP_WITNESS_DIRS, ATMP_WITNESS_URLS): checkpoints stay in the database")
    for w in data["witnesses"]:
        done = f"{len(w['delivered'])} checkpoint{'' if len(w['delivered']) == 1 else 's'} delivered"
        if w["error"] is None:
            lines.append(f"{w['witness']}: {done}")
        else:
            pending = f"{w['pending']} pending: retried at the next tick"
            lines.append(f"FAILED {w['witness']}: {w['error']} ({done}, {pending})")
    return "\n".join(lines)


@ledger.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the note to this file.")
@JSON_OPTION
@handled
def checkpoint(out: Path | None, as_json: bool) -> None:
    """Sign a checkpoint for the current tree head now and print its note."""
    setup_django()
    from atmp.ledger import checkpoints, selectors

    signed = checkpoints.sign_now()
    if out is not None:
        out.write_text(signed.note, encoding="utf-8")
        click.echo(f"checkpoint {signed.size} written to {out}", err=True)
    if as_json:
        emit(selectors.checkpoint_document(signed), as_json=True)
    elif out is None:
        click.echo(signed.note, nl=False)


@ledger.command(name="checkpoints")
@click.option(
    "--export",
    "export_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write every stored checkpoint to DIR/<size>.checkpoint (keep them off this host).",
)
@JSON_OPTION
@handled
def list_checkpoints(export_dir: Path | None, as_json: bool) -> None:
    """List the stored checkpoints, or export them as files."""
    setup_django()
    from atmp.ledger import checkpoints, selectors

    if export_dir is not None:
        written = [str(p) for p in checkpoints.export(export_dir)]
        emit(written, as_json=as_json, text=lambda w: f"{len(w)} checkpoints written to {export_dir}")
        return
    documents = selectors.checkpoint_documents()
    emit(documents, as_json=as_json, text=_describe_checkpoints)


def _describe_checkpoints(documents: list[dict[str, Any]]) -> str:
    if not documents:
        return "no checkpoints yet: `atmp ledger checkpoint` signs one"
    return "\n".join(f"{d['size']:>12,}  {d['signed_at']}  {d['root']}" for d in documents)


@ledger.command()
@handled
def vkey() -> None:
    """Print the verifier key that auditors check checkpoints with (publish it out of band)."""
    setup_django()
    from atmp.ledger import keys

    click.echo(keys.verifier_key())


@ledger.command()
@click.argument("seq", type=int)
@click.option("--size", type=int, help="Prove against the tree of this many entries (default: the latest checkpoint).")
@JSON_OPTION
@handled
def prove(seq: int, size: int | None, as_json: bool) -> None:
    """Print the inclusion proof of entry SEQ (RFC 9162, base64 hashes)."""
    setup_django()
    from atmp.ledger import selectors

    emit(selectors.inclusion_proof_document(seq, size), as_json=as_json, text=_describe_inclusion)


def _describe_inclusion(d: dict[str, Any]) -> str:
    lines = [
        f"entry {d['seq']} (leaf index {d['index']}) in the tree of {d['size']:,} entries",
        f"leaf hash: {d['leaf_hash']}",
        f"root:      {d['root']}",
        f"proof ({len(d['proof'])} hashes, leaf upwards):",
    ]
    return "\n".join(lines + [f"  {h}" for h in d["proof"]])


@ledger.command()
@click.argument("old", type=int)
@click.argument("new", type=int)
@JSON_OPTION
@handled
def consistency(old: int, new: int, as_json: bool) -> None:
    """Print the proof that the tree of NEW entries extends the tree of OLD entries (RFC 9162)."""
    setup_django()
    from atmp.ledger import selectors

    emit(selectors.consistency_proof_document(old, new), as_json=as_json, text=_describe_consistency)


def _describe_consistency(d: dict[str, Any]) -> str:
    lines = [
        f"tree of {d['new_size']:,} entries extends the tree of {d['old_size']:,}",
        f"old root: {d['old_root']}",
        f"new root: {d['new_root']}",
        f"proof ({len(d['proof'])} hashes):",
    ]
    return "\n".join(lines + [f"  {h}" for h in d["proof"]])


@ledger.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--from-seq", type=click.IntRange(min=1), help="First entry (included).")
@click.option("--to-seq", type=click.IntRange(min=1), help="Last entry (included).")
@click.option("--record-type", help="Only entries of this record type, e.g. accounts.site.")
@click.option("--record-id", help="Only entries of this record id.")
@click.option("--actor", help="Only entries by this user (username or user id).")
@click.option("--action", help="Only entries with this action, e.g. update or sign.")
@click.option("--since", help="Only entries at or after this time (RFC 3339; a date means its midnight UTC).")
@click.option("--until", help="Only entries before this time (RFC 3339).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file instead of stdout.")
@handled
def export(
    fmt: str,
    from_seq: int | None,
    to_seq: int | None,
    record_type: str | None,
    record_id: str | None,
    actor: str | None,
    action: str | None,
    since: str | None,
    until: str | None,
    out: Path | None,
) -> None:
    """Export the audit trail; the unfiltered JSON Lines export is what contrib/atmp_verify.py checks."""
    setup_django()
    from atmp.ledger import export as exporting
    from atmp.ledger import selectors, trail
    from atmp.ledger.errors import NotFound

    try:
        actor_id = selectors.actor_id_of(actor) if actor is not None else None
    except NotFound as exc:
        fail(f"--actor: {exc}")
    try:
        start = trail.parse_time(since, "--since") if since is not None else None
        end = trail.parse_time(until, "--until") if until is not None else None
    except ValueError as exc:
        fail(str(exc))
    if from_seq is not None and to_seq is not None and from_seq > to_seq:
        fail(f"--from-seq {from_seq} is after --to-seq {to_seq}")
    if start is not None and end is not None and start >= end:
        fail(f"--since {since} is not before --until {until}")
    selection = trail.TrailFilter(
        record_type=record_type, record_id=record_id, actor_id=actor_id, action=action, since=start, until=end
    )
    rows = selectors.entry_rows(selection, from_seq=from_seq, to_seq=to_seq)
    if out is None:
        try:
            sys.stdout.flush()
            exporting.write(rows, sys.stdout.buffer, fmt=fmt)
            sys.stdout.buffer.flush()
        except BrokenPipeError:
            # The reader stopped early (`| head`): not an error of ours. Point stdout at /dev/null
            # so the interpreter's final flush does not raise again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    # Write beside the target and rename, so an interrupted export never looks like a complete one.
    partial = out.with_name(f".{out.name}.partial")
    try:
        with partial.open("wb") as stream:
            count = exporting.write(rows, stream, fmt=fmt)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    click.echo(f"{count:,} entries written to {out}", err=True)


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@JSON_OPTION
@handled
def backup(directory: Path, as_json: bool) -> None:
    """Copy the database and stored files into DIRECTORY (new or empty) with a manifest of SHA-256 hashes.

    Safe while the server runs: the copy is one committed state. The signing key is NOT copied:
    keep it apart (docs/backup.md).
    """
    setup_django()
    from atmp.ledger import backup as backups

    manifest = backups.backup(directory)
    emit(manifest, as_json=as_json, text=lambda m: _describe_backup(directory, m))


def _describe_backup(directory: Path, m: dict[str, Any]) -> str:
    ledger = m["ledger"]
    return (
        f"backup written to {directory}: {m['database']} database, {ledger['entries']:,} ledger entries "
        f"(head {ledger['head_hash'][:16]}…), {ledger['checkpoints']:,} checkpoints, {len(m['files'])} files hashed "
        f"in {directory / 'manifest.json'}\n"
        "not included (keep apart): the signing key and the other secrets under ATMP_HOME/keys"
    )


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--home", type=click.Path(file_okay=False, path_type=Path), required=True, help="The new, empty ATMP_HOME."
)
@click.option(
    "--key",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The ledger's signing key, kept apart from the backup (checked against the backup's verifier key).",
)
@click.option(
    "--checkpoints",
    "checkpoint_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="The witnessed checkpoints (*.checkpoint files exported and kept off this host) the restore must reach.",
)
@click.option(
    "--database-url",
    help="Restore into this database (PostgreSQL: an existing, empty database; default for SQLite: NEW/atmp.sqlite3).",
)
@JSON_OPTION
@handled
def restore(
    directory: Path, home: Path, key: Path, checkpoint_dir: Path, database_url: str | None, as_json: bool
) -> None:
    """Restore a backup into a new home and prove it with `atmp verify --checkpoints` (exit 1 if it fails)."""
    from atmp.ledger import backup as backups

    try:
        result = backups.restore(directory, home=home, key=key, checkpoints=checkpoint_dir, database_url=database_url)
    except backups.BackupDamaged as exc:
        fail(str(exc), code=EXIT_FAILED_CHECK)
    emit(result.as_dict(), as_json=as_json, text=_describe_restore)
    if not result.ok:
        raise click.exceptions.Exit(EXIT_FAILED_CHECK)


def _describe_restore(d: dict[str, Any]) -> str:
    where = f"restored into {d['home']} ({d['database']}): {d['entries']:,} entries"
    if d["ok"]:
        return (
            f"OK: {where}, verified, complete up to the last witnessed checkpoint "
            f"({d['last_witnessed_checkpoint']:,} entries) and to the backup ({d['backup_entries']:,} entries)"
        )
    return "\n".join([f"FAILED: {where}, NOT proven complete:", *(f"  {p}" for p in d["problems"])])
