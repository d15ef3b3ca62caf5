"""Whether `atmp init` has prepared the configured home and database; nothing here creates either."""

from __future__ import annotations

from pathlib import Path

INIT = "run `atmp init`"
RELATIVE = "ATMP_HOME is relative to the working directory"


def sqlite_file(name: str) -> Path | None:
    """Return the file of a SQLite database name, or None for an in-memory database (the tests')."""
    if name == ":memory:" or "mode=memory" in name:
        return None
    return Path(name)


def database_label(settings_dict: dict[str, object]) -> str:
    """Return the database as people name it: its SQLite file, or PostgreSQL host:port/name."""
    if str(settings_dict["ENGINE"]).endswith("sqlite3"):
        return f"SQLite {settings_dict['NAME']}"
    host = settings_dict.get("HOST") or "local"
    return f"PostgreSQL {host}:{settings_dict.get('PORT') or 5432}/{settings_dict['NAME']}"


def problem() -> str | None:
    """Return why the configured home or database is not ready for use (saying to run `atmp init`), or None.

    Checked in this order, so that nothing is created on the way: the home folder exists, the
    SQLite file exists (opening a missing one would create it), every migration is applied.
    """
    from django.conf import settings
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    home = Path(settings.HOME)
    if not home.is_dir():
        return f"ATMP_HOME {home} does not exist ({RELATIVE}): {INIT} to prepare it, or set ATMP_HOME"
    db = connection.settings_dict
    label = database_label(db)
    if str(db["ENGINE"]).endswith("sqlite3"):
        path = sqlite_file(str(db["NAME"]))
        if path is not None and not path.is_file():
            return f"no database at {path}: {INIT} to create it (or check ATMP_HOME / ATMP_DATABASE_URL)"
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"database {label} cannot be read ({first})"
    if pending:
        return f"database {label} is not prepared ({len(pending)} migration(s) to apply): {INIT}"
    return None
