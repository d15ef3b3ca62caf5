"""Top-level commands: init, demo, serve, openapi, verify."""

from __future__ import annotations

import errno
import json
from pathlib import Path
from typing import Any

import click

from atmp.cli.base import handled, setup_django
from atmp.cli.output import emit, fail


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@handled
def init(as_json: bool) -> None:
    """Prepare ATMP_HOME (mode 0700), migrate the database, create the keys (safe to run again).

    An existing ATMP_HOME that group or others can read is tightened to its owner only, and the
    output says so; so are the SQLite database files.
    """
    from atmp import config

    home = config.home()
    tightened = {}
    if change := config.prepare_home(home):
        tightened[str(home)] = change
    config.create_secret_key()
    setup_django(prepared=False)
    from django.conf import settings
    from django.core.management import call_command

    from atmp.accounts import sealed
    from atmp.ledger import keys

    mfa_created = sealed.create_key()
    call_command("migrate", interactive=False, verbosity=0)
    identity_created, identity_hash_created = _create_identity_keys(settings)
    created = keys.create_key()
    for path in _private_paths(settings):
        if path.exists() and (change := config.tighten(path)):
            tightened[str(path)] = change
    data = {
        "home": str(home),
        "database": _database_label(),
        "key_file": str(keys.key_path()),
        "key_created": created,
        "mfa_key_file": str(sealed.key_path()),
        "mfa_key_created": mfa_created,
        "identity_key_file": settings.ATMP_IDENTITY_KEY_FILE,
        "identity_key_created": identity_created,
        "identity_hash_key_file": settings.ATMP_IDENTITY_HASH_KEY_FILE,
        "identity_hash_key_created": identity_hash_created,
        "tightened": tightened,
        "vkey": keys.verifier_key(),
    }
    emit(data, as_json=as_json, text=_describe_init)


def _create_identity_keys(settings: Any) -> tuple[bool, bool]:
    """Create the keys of donors' and patients' personal data (atmp.trace.sealed), the MFA key's form.

    Refuse to make new ones while the database holds personal data sealed under the old ones (a
    database restored, or moved, without its keys): a new key would leave all of it unreadable.
    """
    from django.db import connection

    from atmp.accounts import sealed

    paths = [Path(settings.ATMP_IDENTITY_KEY_FILE), Path(settings.ATMP_IDENTITY_HASH_KEY_FILE)]
    missing = [p for p in paths if not p.exists()]
    if missing and "trace_identity" in connection.introspection.table_names():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM trace_identity")
            (sealed_rows,) = cursor.fetchone()
        if sealed_rows:
            fail(
                f"{missing[0]} does not exist, yet the database holds {sealed_rows} sealed identities: put the "
                "identity keys back from their backup (docs/personal-data.md); a new key would leave them unreadable"
            )
    return sealed.create_key(paths[0]), sealed.create_key(paths[1])


def _describe_init(d: dict[str, Any]) -> str:
    lines = [f"ATMP_HOME: {d['home']}"]
    lines += [f"{path} was open to group or others: {change} (owner only)" for path, change in d["tightened"].items()]
    lines += [
        f"database ready: {d['database']}",
        f"signing key {'created' if d['key_created'] else 'kept'}: {d['key_file']}",
        f"MFA key {'created' if d['mfa_key_created'] else 'kept'}: {d['mfa_key_file']}",
        f"identity key {'created' if d['identity_key_created'] else 'kept'}: {d['identity_key_file']}",
        f"identity hash key {'created' if d['identity_hash_key_created'] else 'kept'}: {d['identity_hash_key_file']}",
        "back up the keys, apart from the database (docs/deployment.md, docs/personal-data.md)",
        f"verifier key: {d['vkey']}",
    ]
    return "\n".join(lines)


def _private_paths(settings: Any) -> list[Path]:
    """Return the files and folders init keeps to their owner: the SQLite files, the key folders and files."""
    paths = [Path(settings.HOME) / "secret_key", Path(settings.ATMP_KEY_FILE), Path(settings.ATMP_MFA_KEY_FILE)]
    identity = [Path(settings.ATMP_IDENTITY_KEY_FILE), Path(settings.ATMP_IDENTITY_HASH_KEY_FILE)]
    paths += [paths[1].parent, paths[2].parent, *identity, *(p.parent for p in identity)]
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        paths += [Path(str(db["NAME"]) + suffix) for suffix in ("", "-wal", "-shm")]
    return paths


def _database_label() -> str:
    from django.db import connection

    from atmp.prepared import database_label

    return database_label(connection.settings_dict)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@handled
def serve(host: str, port: int, threads: int) -> None:
    """Serve the web UI and the API (waitress, a production WSGI server).

    For TLS, put a reverse proxy in front (docs/deployment.md) and set ATMP_PUBLIC_URL and
    ATMP_TRUSTED_PROXIES.
    """
    setup_django()
    import waitress.server

    from atmp.ledger import witness
    from atmp.web.upload_limits import max_request_bytes
    from atmp.wsgi import application

    try:
        # The largest body any endpoint takes: waitress refuses a bigger one before reading it (413).
        server = waitress.server.create_server(
            application, host=host, port=port, threads=threads, ident="atmp", max_request_body_size=max_request_bytes()
        )
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            fail(f"port {port} on {host} is busy (another server listens there): stop it or choose another with --port")
        fail(f"cannot listen on {host} port {port}: {exc.strerror or exc}")
    witness.start_ticker()  # checkpoints signed by time and witnessed (ATMP_TICK_SECONDS; 0: cron runs `atmp tick`)
    click.echo(f"atmp serving on http://{host}:{port}/  (Ctrl-C to stop)", err=True)
    server.run()  # waitress stops cleanly on Ctrl-C


@click.command()
@handled
def openapi() -> None:
    """Print the REST API's OpenAPI document."""
    setup_django(prepared=False)
    from atmp.api.main import api

    click.echo(json.dumps(api.get_openapi_schema(), indent=2))


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@handled
def demo(as_json: bool) -> None:
    """Load the demo programme into the configured database (safe to run again)."""
    setup_django()
    from atmp import demo as demo_data

    result = demo_data.load()
    emit(result, as_json=as_json, text=demo_data.describe)


@click.command(name="print")
@click.argument("record_key", metavar="TYPE:ID")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The PDF file to write.")
@click.option(
    "--as",
    "as_user",
    metavar="USER",
    help="Print as this user: their sites and permissions apply, and their name is in the footer.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@handled
def print_record(record_key: str, out: Path, as_user: str | None, as_json: bool) -> None:
    """Write a record as PDF/A-3b with its entries, their proofs and a signed checkpoint embedded.

    The same file as the record page's PDF; check it offline with
    `python contrib/atmp_verify.py pdf FILE.pdf --vkey VKEY`.
    """
    import getpass

    setup_django()
    from atmp.accounts.models import User
    from atmp.accounts.services import can_see
    from atmp.web import record_page

    record = record_page.find_record(record_key)
    user = None
    printed_by = None
    if as_user is not None:
        user = User.objects.filter(username=as_user, is_active=True).first()
        if user is None:
            fail(f"--as: there is no active user named {as_user!r}")
        if not user.can("records.view") or not can_see(user, record):
            fail(f"--as: {as_user} may not see {record_key}: their roles or sites do not include it")
    else:
        printed_by = f"{getpass.getuser()} (atmp command line)"
    data = record_page.record_pdf(user, record, printed_by=printed_by)
    out.write_bytes(data)
    key = f"{record.record_type()}:{record.pk}"
    summary = {"record": key, "version": record.version, "file": str(out), "bytes": len(data)}
    emit(
        summary,
        as_json=as_json,
        text=lambda d: f"{d['record']} v{d['version']} written to {d['file']} ({d['bytes']:,} bytes)",
    )


def register(group: click.Group) -> None:
    """Add the top-level commands to the `atmp` group."""
    from atmp.ledger.cli import tick, verify

    for command in (init, demo, serve, openapi, verify, tick, print_record):
        group.add_command(command)
