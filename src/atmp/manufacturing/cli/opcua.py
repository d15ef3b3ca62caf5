"""`atmp manufacturing opcua read`: read one value from an instrument's OPC UA server, to check a connection."""

from __future__ import annotations

import logging
import os
from typing import Any

import click

from atmp.cli.base import handled, json_option
from atmp.cli.output import emit
from atmp.manufacturing.cli import manufacturing

OPCUA_PASSWORD_ENV = "ATMP_OPCUA_PASSWORD"  # noqa: S105 - the name of a variable, not a password


@manufacturing.group("opcua")
def opcua() -> None:
    """OPC UA capture: check that an instrument's value can be read with its source and timestamps.

    \b
    Examples:
      atmp manufacturing opcua read opc.tcp://10.0.4.21:4840 "ns=2;s=BSC01.Temperature"
      atmp manufacturing opcua read opc.tcp://10.0.4.21:4840 "ns=2;i=1007" --json
      ATMP_OPCUA_PASSWORD=… atmp manufacturing opcua read opc.tcp://10.0.4.21:4840 "ns=2;i=1007" \\
          --user iqoq --security "Basic256Sha256,SignAndEncrypt,client.pem,client-key.pem"

    Without --user and --security, it signs in as capture does: with what the site's credentials file
    (ATMP_OPCUA_CREDENTIALS, default ATMP_HOME/keys/opcua.json) gives for the endpoint, else anonymously.
    It reads and records nothing in atmp (no --as): it is the check a validation lead runs during IQ/OQ.
    """


def _text(d: dict[str, Any]) -> str:
    unit = f" {d['unit']}" if d["unit"] else ""
    return "\n".join(
        [
            f"value: {d['value']}{unit}",
            f"source: {d['source']}",
            f"measured (source timestamp): {d['source_timestamp'].isoformat()}",
            f"read (server timestamp): {d['server_timestamp'].isoformat()}",
            f"status: {d['status']}",
        ]
    )


@opcua.command("read")
@click.argument("endpoint")
@click.argument("node")
@click.option("--timeout", type=float, default=5.0, show_default=True, help="Seconds to wait for the server.")
@click.option("--user", "username", default="", help=f"The OPC UA user (password from ${OPCUA_PASSWORD_ENV}).")
@click.option("--security", default="", help="Policy,Mode,client-cert,client-key[,server-cert] (default: none).")
@json_option
@handled
def read(endpoint: str, node: str, timeout: float, username: str, security: str, as_json: bool) -> None:
    """Read NODE (e.g. "ns=2;s=Temperature") from ENDPOINT (opc.tcp://host:port) and print the reading."""
    from atmp.manufacturing import opcua as capture

    # asyncua logs its session negotiation as warnings; the reading or the refusal is what the reader needs.
    logging.getLogger("asyncua").setLevel(logging.ERROR)
    if username or security:
        credentials = capture.Credentials(
            username=username, password=os.environ.get(OPCUA_PASSWORD_ENV, ""), security=security
        )
    else:
        from atmp.cli.base import setup_django
        from atmp.manufacturing.opcua_credentials import credentials_for

        setup_django(prepared=False)  # the settings only: the check may run before `atmp init`
        credentials = credentials_for(endpoint) or capture.Credentials()
    reading = capture.read(endpoint, node, timeout=timeout, credentials=credentials)
    emit(reading.as_dict(), as_json=as_json, text=_text)
