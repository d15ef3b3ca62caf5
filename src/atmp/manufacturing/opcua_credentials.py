"""How atmp signs in to each registered OPC UA endpoint: read from a file outside the database.

ATMP_OPCUA_CREDENTIALS (default ATMP_HOME/keys/opcua.json, beside the signing key) maps an
endpoint, as registered on the equipment, to its user, password and asyncua security string
(Policy,Mode,client-cert,client-key[,server-cert]; with the server's certificate, atmp refuses a
server that presents another one):

    {"opc.tcp://10.0.4.21:4840": {"user": "atmp", "password": "…",
      "security": "Basic256Sha256,SignAndEncrypt,/etc/atmp/opcua/client.der,/etc/atmp/opcua/client.pem"}}

An endpoint the file does not name is read anonymously, unencrypted. The file holds passwords, so
it must be readable by its owner only (0600), like an SSH key: a wider one is refused, naming it.
A password never enters the database, the ledger or a log.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from atmp.accounts.errors import InvalidInput
from atmp.manufacturing.opcua import Credentials, endpoint_url

FIELDS = {"user", "password", "security"}


def _refused(path: Path, why: str) -> InvalidInput:
    return InvalidInput("endpoint", f"the OPC UA credentials file {path} {why}")


def load(path: Path) -> dict[str, Credentials]:
    """Return the credentials the file names, by canonical endpoint; refuse an unsafe or malformed file."""
    if not path.exists():
        return {}
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise _refused(path, "is readable by others: make it readable by its owner only (chmod 600)")
    try:
        found: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _refused(path, f"cannot be read as JSON: {exc}") from None
    if not isinstance(found, dict):
        raise _refused(path, "must map each endpoint to its user, password and security")
    credentials: dict[str, Credentials] = {}
    for endpoint, entry in found.items():
        if (
            not isinstance(entry, dict)
            or not set(entry) <= FIELDS
            or not all(isinstance(v, str) for v in entry.values())
        ):
            raise _refused(path, f"has an entry for {endpoint!r} that is not {{user, password, security}} as text")
        credentials[endpoint_url(str(endpoint))] = Credentials(
            username=entry.get("user", ""), password=entry.get("password", ""), security=entry.get("security", "")
        )
    return credentials


def credentials_for(endpoint: str) -> Credentials | None:
    """Return how to sign in to the endpoint (the site's file), or None to read it anonymously."""
    from django.conf import settings

    return load(Path(settings.ATMP_OPCUA_CREDENTIALS)).get(endpoint_url(endpoint))
