"""Capture a process value over OPC UA: one read of one node, with its source, timestamps and status.

Where a site connects equipment, a batch entry's value is read from the instrument instead of being
typed. `read()` connects (asyncua), reads the node's DataValue (OPC 10000-4 v1.05 §7.11 DataValue: the
value, its StatusCode, the source and server timestamps) and the node's EngineeringUnits property,
and returns a `Reading` only when the value is one GMP can record: a finite number, of Good status,
with the source timestamp (when the instrument measured it). Everything else is refused with
`InvalidInput("endpoint" | "node", sentence)`; no asyncua exception or traceback escapes.

Security: anonymous and unencrypted (policy None) by default. A site may give a username and
password and a security string (`Credentials`), e.g.
`Basic256Sha256,SignAndEncrypt,client-cert.der,client-key.pem[,server-cert.der]`, passed to
asyncua's `Client.set_security_string` (the tests cover Basic256Sha256 SignAndEncrypt with a user
and password). Without a security string nothing is signed or encrypted: give one wherever a
password is set.

`read()` runs its own event loop (asyncio.run), so it is called from synchronous code (services,
views, the CLI), never from inside a running event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import math
import re
import struct
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from atmp.accounts.errors import InvalidInput

SCHEME = "opc.tcp"
# The node id forms atmp accepts (OPC 10000-6 v1.04 §5.3.1.10, where ns=0; is left out): an optional
# namespace index, then a numeric, string, GUID or opaque (base64) identifier. Namespace URIs (nsu=)
# are not accepted: the source string must name the node the same way every time it is stored.
NODE_ID = re.compile(
    r"(?:ns=(?P<ns>\d{1,5});)?"
    r"(?:i=\d{1,10}|s=.+|g=[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|b=[A-Za-z0-9+/=]+)",
    re.DOTALL,
)
# A DNS name or IPv4 address (letters, digits, dots, hyphens), or an IPv6 address (hex digits, colons, dots).
HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|[0-9A-Fa-f:.]{2,45}")
NODE_FORMS = "ns=<index>;i=<number>, ns=<index>;s=<name>, ns=<index>;g=<guid> or ns=<index>;b=<base64>"
POLICIES = ("Basic256Sha256", "Aes128Sha256RsaOaep", "Aes256Sha256RsaPss")
MODES = ("Sign", "SignAndEncrypt")
NUMERIC_TYPES = frozenset({"SByte", "Byte", "Int16", "UInt16", "Int32", "UInt32", "Int64", "UInt64", "Float", "Double"})


@dataclass(frozen=True)
class Reading:
    """One value read from an instrument: what it was, where it came from, when it was measured and read."""

    value: Decimal
    source: str
    source_timestamp: dt.datetime
    server_timestamp: dt.datetime
    status: str
    unit: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Return the reading as a JSON-ready document (the value as a string, so no digit is lost)."""
        return {
            "value": str(self.value),
            "unit": self.unit,
            "source": self.source,
            "source_timestamp": self.source_timestamp,
            "server_timestamp": self.server_timestamp,
            "status": self.status,
        }


@dataclass(frozen=True)
class Credentials:
    """How to sign in to a site's OPC UA server: a user (or anonymous) and an optional security string."""

    username: str = ""
    password: str = field(default="", repr=False)
    security: str = ""


def endpoint_url(endpoint: str) -> str:
    """Return the endpoint in canonical form (opc.tcp://host:port/path), or refuse its syntax."""
    text = endpoint.strip()
    if any(c.isspace() or not c.isprintable() for c in text):
        raise InvalidInput("endpoint", f"{endpoint!r} holds a space or a control character; an address has neither")
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise InvalidInput("endpoint", f"{endpoint!r} is not an address: write opc.tcp://host:port") from None
    if parts.scheme.lower() != SCHEME:
        raise InvalidInput("endpoint", f"{endpoint!r} is not an OPC UA address: it must start with opc.tcp://")
    if parts.username is not None or parts.password is not None:
        raise InvalidInput("endpoint", "give the user and password in the site's settings, not in the address")
    if parts.query or parts.fragment:
        raise InvalidInput("endpoint", f"{endpoint!r} has a query or fragment; an OPC UA address has neither")
    host = parts.hostname
    if not host:
        raise InvalidInput("endpoint", f"{endpoint!r} has no host: write opc.tcp://host:port")
    if not HOST.fullmatch(host):
        raise InvalidInput("endpoint", f"{endpoint!r} has a host that is not a name or an IP address")
    try:
        port = parts.port
    except ValueError:
        raise InvalidInput("endpoint", f"{endpoint!r} has a port that is not a number from 0 to 65535") from None
    if port is None or port == 0:
        raise InvalidInput("endpoint", f"{endpoint!r} has no port: write opc.tcp://{host}:4840 (or the server's)")
    shown = f"[{host}]" if ":" in host else host
    return f"{SCHEME}://{shown}:{port}{parts.path.rstrip('/')}"


def node_text(node_id: str) -> str:
    """Return the node id in canonical form (ns=0 left out), or refuse its syntax."""
    text = node_id.strip()
    if not all(c.isprintable() for c in text):
        raise InvalidInput("node", f"{node_id!r} holds a control character; a node id has none")
    match = NODE_ID.fullmatch(text)
    if match is None:
        raise InvalidInput("node", f"{node_id!r} is not an OPC UA node id: write {NODE_FORMS}")
    if match["ns"] is not None and int(match["ns"]) > 65535:
        raise InvalidInput("node", f"{node_id!r} has a namespace index above 65535")
    from asyncua.ua.uatypes import NodeId

    try:
        parsed = NodeId.from_string(text)
    except Exception:  # asyncua raises several types for a malformed id; each is the same refusal
        raise InvalidInput("node", f"{node_id!r} is not an OPC UA node id: write {NODE_FORMS}") from None
    return str(parsed.to_string())


def security_text(security: str) -> str:
    """Return the security string stripped, or refuse one that is not Policy,Mode,cert,key[,server-cert]."""
    parts = [p.strip() for p in security.split(",")] if security.strip() else []
    if not parts:
        return ""
    form = "Policy,Mode,client-cert,client-key[,server-cert]"
    if len(parts) not in (4, 5) or not all(parts):
        raise InvalidInput("endpoint", f"the security setting must be {form}, e.g. Basic256Sha256,SignAndEncrypt,…")
    if parts[0] not in POLICIES:
        raise InvalidInput("endpoint", f"security policy {parts[0]!r} is not one of {', '.join(POLICIES)}")
    if parts[1] not in MODES:
        raise InvalidInput("endpoint", f"security mode {parts[1]!r} is not Sign or SignAndEncrypt")
    return ",".join(parts)


def read(endpoint: str, node_id: str, *, timeout: float = 5.0, credentials: Credentials | None = None) -> Reading:
    """Read one node's value from an OPC UA server, or refuse what GMP cannot record."""
    url = endpoint_url(endpoint)
    node = node_text(node_id)
    credentials = credentials or Credentials()
    credentials = dataclasses.replace(credentials, security=security_text(credentials.security))
    if not (0 < timeout <= 300):
        raise InvalidInput("endpoint", f"the timeout must be between 0 and 300 seconds, not {timeout}")
    try:
        return asyncio.run(asyncio.wait_for(_read(url, node, timeout, credentials), timeout))
    except InvalidInput:
        raise
    except TimeoutError:
        raise InvalidInput("endpoint", f"{url} did not answer within {timeout:g} s") from None
    except OSError as exc:
        why = exc.strerror or str(exc) or type(exc).__name__
        raise InvalidInput("endpoint", f"cannot connect to {url}: {why}") from None
    except Exception as exc:  # asyncua's protocol and status errors: the sentence, never the traceback
        raise InvalidInput("endpoint", f"{url} refused the connection: {_why(exc)}") from None


async def _read(url: str, node: str, timeout: float, credentials: Credentials) -> Reading:
    from asyncua.client.client import Client

    client = Client(url, timeout=timeout)
    if credentials.username:
        client.set_user(credentials.username)
        client.set_password(credentials.password)
    if credentials.security:
        try:
            await client.set_security_string(credentials.security)
        except OSError as exc:
            why = f"{exc.strerror}: {exc.filename}" if exc.filename else _why(exc)
            raise InvalidInput("endpoint", f"the security setting cannot be used: {why}") from None
        except Exception as exc:
            raise InvalidInput("endpoint", f"the security setting cannot be used: {_why(exc)}") from None
    try:
        await client.connect()
    except Exception as exc:
        if str(exc).startswith("No matching endpoints"):
            policy = credentials.security.split(",", 1)[0] if credentials.security else "None"
            raise InvalidInput(
                "endpoint", f"{url} offers no endpoint with security policy {policy}: check the site's security setting"
            ) from None
        raise
    try:
        return await _read_node(client, url, node)
    finally:
        # A failed disconnect (the server went away) must not hide the reading or the refusal.
        with contextlib.suppress(Exception):
            await client.disconnect()


async def _read_node(client: Any, url: str, node: str) -> Reading:
    from asyncua.ua.status_codes import StatusCodes
    from asyncua.ua.uaerrors import UaStatusCodeError
    from asyncua.ua.uatypes import StatusCode

    source = f"{url}#{node}"
    target = client.get_node(node)
    try:
        data = await target.read_data_value(raise_on_bad_status=False)
    except UaStatusCodeError as exc:
        raise InvalidInput("node", _node_refusal(node, url, getattr(exc, "code", None), _why(exc))) from None
    status = data.StatusCode or StatusCode()
    if status.value in (StatusCodes.BadNodeIdUnknown, StatusCodes.BadAttributeIdInvalid):
        raise InvalidInput("node", _node_refusal(node, url, status.value, str(status.name)))
    if not status.is_good():
        raise InvalidInput("node", f"{source} has status {status.name}: only a Good value may be recorded")
    value = _decimal(source, data.Value)
    if data.SourceTimestamp is None:
        raise InvalidInput(
            "node", f"{source} gave no source timestamp: GMP needs the time the instrument measured the value"
        )
    if data.ServerTimestamp is None:
        raise InvalidInput("node", f"{source} gave no server timestamp")
    return Reading(
        value=value,
        source=source,
        source_timestamp=_utc(data.SourceTimestamp),
        server_timestamp=_utc(data.ServerTimestamp),
        status=str(status.name),
        unit=await _unit(target),
    )


def _node_refusal(node: str, url: str, code: int | None, why: str) -> str:
    from asyncua.ua.status_codes import StatusCodes

    if code == StatusCodes.BadNodeIdUnknown:
        return f"{node} does not exist on {url}"
    if code == StatusCodes.BadAttributeIdInvalid:
        return f"{node} on {url} is not a variable: it has no value to read"
    return f"{node} on {url} cannot be read: {why}"


def _decimal(source: str, variant: Any) -> Decimal:
    """Return a numeric node value as a Decimal, or refuse a Boolean, string, array, empty or non-finite one."""
    if variant is None or variant.Value is None:
        raise InvalidInput("node", f"{source} has no value (null): only a number may be recorded")
    kind = variant.VariantType.name
    if isinstance(variant.Value, list | tuple) or getattr(variant, "is_array", False):
        raise InvalidInput("node", f"{source} holds an array of {kind}: only a single number may be recorded")
    if kind not in NUMERIC_TYPES:
        raise InvalidInput("node", f"{source} holds a {kind}, not a number: only a number may be recorded")
    number = variant.Value
    if isinstance(number, float):
        if not math.isfinite(number):
            raise InvalidInput("node", f"{source} holds {number}, not a finite number")
        return Decimal(_float32_text(number) if kind == "Float" else repr(number))
    return Decimal(int(number))


def _float32_text(number: float) -> str:
    """Return the shortest text that reads back as the same 32-bit float (37.2, not 37.20000076293945)."""
    packed = struct.pack("<f", number)
    for digits in range(1, 10):
        text = f"{number:.{digits}g}"
        if struct.pack("<f", float(text)) == packed:
            return text
    return repr(number)


def _utc(moment: dt.datetime) -> dt.datetime:
    # The timestamps are UTC (OPC 10000-4 v1.05 §7.11.3); asyncua may hand them back naive.
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


async def _unit(target: Any) -> str:
    """Return the DisplayName of the node's EngineeringUnits property, or "" when it has none."""
    from asyncua.ua.uaerrors import UaStatusCodeError
    from asyncua.ua.uatypes import QualifiedName

    try:
        prop = await target.get_child(QualifiedName("EngineeringUnits", 0))
        info = await prop.read_value()
    except UaStatusCodeError:
        return ""
    name = getattr(getattr(info, "DisplayName", None), "Text", None)
    return str(name) if name else ""


def _why(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
