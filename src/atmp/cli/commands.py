"""Top-level commands: init, demo, serve, openapi, verify."""

from __future__ import annotations

import json

import click

from atmp.cli.main import handled, setup_django
from atmp.cli.output import emit


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@handled
def init(as_json: bool) -> None:
    """Migrate the database and create the ledger's signing key (safe to run again)."""
    setup_django()
    from django.core.management import call_command

    from atmp.ledger import keys

    call_command("migrate", interactive=False, verbosity=0)
    created = keys.create_key()
    data = {
        "database": _database_label(),
        "key_file": str(keys.key_path()),
        "key_created": created,
        "vkey": keys.verifier_key(),
    }
    emit(
        data,
        as_json=as_json,
        text=lambda d: (
            f"database ready: {d['database']}\n"
            f"signing key {'created' if d['key_created'] else 'kept'}: {d['key_file']}\n"
            f"verifier key: {d['vkey']}"
        ),
    )


def _database_label() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"SQLite {db['NAME']}"
    return f"PostgreSQL {db.get('HOST') or 'local'}:{db.get('PORT') or 5432}/{db['NAME']}"


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@handled
def serve(host: str, port: int, threads: int) -> None:
    """Serve the web UI and the API (waitress, a production WSGI server)."""
    setup_django()
    import waitress

    from atmp.wsgi import application

    click.echo(f"atmp serving on http://{host}:{port}/  (Ctrl-C to stop)", err=True)
    from atmp.web.upload_limits import max_request_bytes

    waitress.serve(
        application, host=host, port=port, threads=threads, ident="atmp", max_request_body_size=max_request_bytes()
    )


@click.command()
@handled
def openapi() -> None:
    """Print the REST API's OpenAPI document."""
    setup_django()
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


def register(group: click.Group) -> None:
    """Add the top-level commands to the `atmp` group."""
    from atmp.ledger.cli import verify

    for command in (init, demo, serve, openapi, verify):
        group.add_command(command)
