"""Read atmp's configuration from the environment: where state lives and which database to use."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse


class ConfigError(ValueError):
    """A setting in the environment is malformed."""


def home() -> Path:
    """Return ATMP_HOME, the folder that holds all state (default ./var, relative to the working directory)."""
    return Path(os.environ.get("ATMP_HOME", "var")).resolve()


def database(url: str | None = None) -> dict[str, Any]:
    """Return Django's DATABASES['default'] for ATMP_DATABASE_URL (default: SQLite under ATMP_HOME)."""
    url = url if url is not None else os.environ.get("ATMP_DATABASE_URL", "")
    if not url:
        return _sqlite(home() / "atmp.sqlite3")
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        # sqlite:///relative/path and sqlite:////absolute/path, as SQLAlchemy spells them.
        path = unquote(parsed.path[1:] if parsed.path.startswith("/") else parsed.path)
        if not path:
            raise ConfigError("ATMP_DATABASE_URL: sqlite:/// needs a file path, e.g. sqlite:///var/atmp.sqlite3")
        return _sqlite(Path(path).resolve())
    if parsed.scheme in ("postgres", "postgresql"):
        name = unquote(parsed.path.lstrip("/"))
        if not name:
            raise ConfigError("ATMP_DATABASE_URL: postgresql:// needs a database name after the host")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": 0,
            "TEST": {"NAME": os.environ.get("ATMP_TEST_DATABASE", f"test_{name}")},
        }
    raise ConfigError(
        f"ATMP_DATABASE_URL: unsupported scheme {parsed.scheme!r}; use sqlite:///PATH or postgresql://USER@HOST:PORT/DB"
    )


def _sqlite(path: Path) -> dict[str, Any]:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            # IMMEDIATE takes the write lock when a transaction begins, so two ledger appends can
            # never read the same chain head (no fork, no SQLITE_BUSY_SNAPSHOT half-way through).
            "transaction_mode": "IMMEDIATE",
            "timeout": 60,
            # WAL for concurrent readers; synchronous=FULL so an acknowledged commit survives power loss.
            "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=FULL;PRAGMA foreign_keys=ON",
        },
        "TEST": {"NAME": os.environ.get("ATMP_TEST_DATABASE") or None},
    }


def secret_key() -> str:
    """Return ATMP_SECRET_KEY, or the key `atmp init` keeps in ATMP_HOME/secret_key.

    Nothing is created here (settings are read by every command, and a command run on a home that
    `atmp init` has not prepared must leave nothing behind): without either, a key for this
    process only is returned, and the command then refuses to run (atmp.prepared).
    """
    if key := os.environ.get("ATMP_SECRET_KEY"):
        return key
    path = home() / "secret_key"
    if path.is_file():
        return path.read_text().strip()
    return secrets.token_urlsafe(50)


def create_secret_key() -> bool:
    """Create ATMP_HOME/secret_key (mode 0600) unless ATMP_SECRET_KEY is set or it exists; return True if created."""
    if os.environ.get("ATMP_SECRET_KEY"):
        return False
    path = home() / "secret_key"
    if path.exists():
        return False
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(50))
    return True


def prepare_home(path: Path) -> str | None:
    """Create the home folder for its owner only (0700), or take group and others' access away from an existing one.

    Return what was changed ("mode 0755 -> 0700") when an existing folder was open to others, else None.
    """
    if not path.exists():
        path.mkdir(parents=True, mode=0o700)
        path.chmod(0o700)  # mkdir's mode passes through the umask; say it exactly
        return None
    return tighten(path)


def tighten(path: Path) -> str | None:
    """Remove group and others' permissions from path; return "mode OLD -> NEW" when it had any, else None."""
    mode = path.stat().st_mode & 0o777
    if not mode & 0o077:
        return None
    path.chmod(mode & 0o700)
    return f"mode {mode:04o} -> {mode & 0o700:04o}"


def list_setting(name: str) -> list[str]:
    """Return a comma-separated environment setting as a list (empty entries dropped)."""
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def proxies_setting() -> list[str]:
    """Return ATMP_TRUSTED_PROXIES: the reverse proxies' addresses or CIDR ranges, each checked."""
    import ipaddress

    entries = list_setting("ATMP_TRUSTED_PROXIES")
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ConfigError(f"ATMP_TRUSTED_PROXIES: {entry!r} is not an IP address or CIDR range") from None
    return entries


def public_url() -> str:
    """Return ATMP_PUBLIC_URL (scheme://host[:port], no path), the address people reach atmp at, or ''."""
    raw = os.environ.get("ATMP_PUBLIC_URL", "").strip().rstrip("/")
    if not raw:
        return ""
    parsed = urlparse(raw)
    if parsed.scheme not in ("http", "https") or not parsed.hostname or parsed.path or parsed.query:
        raise ConfigError(f"ATMP_PUBLIC_URL: {raw!r} is not scheme://host[:port], e.g. https://atmp.example.org")
    return raw


def url_host(url: str) -> str:
    """Return the host name of a URL (for ALLOWED_HOSTS)."""
    return urlparse(url).hostname or ""


def int_setting(name: str, default: int, *, minimum: int = 1) -> int:
    """Return an integer environment setting, refusing anything below minimum."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}: {raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name}: must be at least {minimum}, got {value}")
    return value
