"""A local OPC UA server for the capture tests: asyncua on 127.0.0.1, a free port, its own thread and loop.

Nodes (namespace NAMESPACE, string ids), each a case `atmp.manufacturing.opcua.read` must handle:
Temperature (Double 37.2 with EngineeringUnits °C), Count (Int32 42), Door (Boolean), Label (String),
Sensor (Double whose status is BadSensorFailure), Undated (Double with no source timestamp),
Empty (null), Trace (an array of Doubles) and Vessel (an object, no value).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from asyncua import Server, ua
from asyncua.crypto.cert_gen import setup_self_signed_certificate
from asyncua.crypto.permission_rules import User, UserRole
from asyncua.server.user_managers import UserManager
from cryptography.x509.oid import ExtendedKeyUsageOID

NAMESPACE = "urn:atmp:test:opcua"
MEASURED_AT = dt.datetime(2026, 3, 2, 8, 15, 30, tzinfo=dt.UTC)
STARTUP_SECONDS = 20
CLIENT_URI = "urn:freeopcua:client"  # asyncua's client application URI, which its certificate must name


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on (at the moment it is asked)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _nodes(server: Server) -> int:
    ns = await server.register_namespace(NAMESPACE)
    objects = server.nodes.objects
    vessel = await objects.add_object(f"ns={ns};s=Vessel", ua.QualifiedName("Vessel", ns))

    async def variable(name: str, value: Any, kind: ua.VariantType, **data: Any) -> Any:
        node = await vessel.add_variable(f"ns={ns};s={name}", ua.QualifiedName(name, ns), value, kind)
        if data:
            fields = {"SourceTimestamp": MEASURED_AT, "ServerTimestamp": MEASURED_AT, **data}
            await node.write_value(ua.DataValue(ua.Variant(value, kind), **fields))
        return node

    temperature = await variable("Temperature", 37.2, ua.VariantType.Double, SourceTimestamp=MEASURED_AT)
    celsius = ua.EUInformation(
        NamespaceUri="http://www.opcfoundation.org/UA/units/un/cefact",
        UnitId=4408652,  # UNECE code CEL
        DisplayName=ua.LocalizedText("°C"),
        Description=ua.LocalizedText("degree Celsius"),
    )
    await temperature.add_property(
        f"ns={ns};s=Temperature.EngineeringUnits", ua.QualifiedName("EngineeringUnits", 0), celsius
    )
    await variable("Count", 42, ua.VariantType.Int32, SourceTimestamp=MEASURED_AT)
    await variable("Door", True, ua.VariantType.Boolean, SourceTimestamp=MEASURED_AT)
    await variable("Label", "AAV-26-101", ua.VariantType.String, SourceTimestamp=MEASURED_AT)
    await variable(
        "Sensor",
        21.5,
        ua.VariantType.Double,
        StatusCode=ua.StatusCode(ua.UInt32(ua.StatusCodes.BadSensorFailure)),
    )
    await variable("Undated", 7.4, ua.VariantType.Double, SourceTimestamp=None)
    await variable("Empty", None, ua.VariantType.Null, SourceTimestamp=MEASURED_AT)
    await variable("Trace", [1.0, 2.0], ua.VariantType.Double, SourceTimestamp=MEASURED_AT)
    return ns


class OneUser(UserManager):
    """Admit one user with their password, and nobody else (not anonymous)."""

    def __init__(self, username: str, password: str) -> None:
        self.username, self.password = username, password

    def get_user(
        self, iserver: Any, username: str | None = None, password: str | None = None, certificate: Any = None
    ) -> User | None:
        """Return the user when the name and password match, else None (the session is refused)."""
        if username == self.username and password == self.password:
            return User(role=UserRole.User)
        return None


async def certificates(folder: Path) -> dict[str, Path]:
    """Make self-signed server and client certificates with their keys in the folder; return their paths."""
    paths: dict[str, Path] = {}
    for who, uri, use in (
        ("server", "urn:atmp:test:opcua:server", ExtendedKeyUsageOID.SERVER_AUTH),
        ("client", CLIENT_URI, ExtendedKeyUsageOID.CLIENT_AUTH),
    ):
        paths[f"{who}_key"], paths[f"{who}_cert"] = folder / f"{who}-key.pem", folder / f"{who}.der"
        await setup_self_signed_certificate(
            paths[f"{who}_key"], paths[f"{who}_cert"], uri, "127.0.0.1", [use], {"commonName": f"atmp test {who}"}
        )
    return paths


class LocalServer:
    """An OPC UA server running in a background thread until `stop()`; `endpoint` is where it listens.

    With `secure` (a folder for the certificates) it offers only Basic256Sha256 SignAndEncrypt and
    admits only `user` (name, password); `security` is then the client's asyncua security string.
    """

    def __init__(self, *, secure: Path | None = None, user: tuple[str, str] | None = None) -> None:
        self.secure = secure
        self.user = user
        self.security = ""
        self.port = free_port()
        self.endpoint = f"opc.tcp://127.0.0.1:{self.port}"
        self.namespace = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stopping: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"opcua-test-server-{self.port}", daemon=True)

    def start(self) -> None:
        """Start the server and wait until it accepts connections (or raise why it could not)."""
        self._thread.start()
        if not self._ready.wait(STARTUP_SECONDS):
            raise RuntimeError(f"the test OPC UA server did not start within {STARTUP_SECONDS} s")
        if self._error is not None:
            raise RuntimeError("the test OPC UA server did not start") from self._error

    def node(self, name: str) -> str:
        """Return the node id of one of the server's nodes."""
        return f"ns={self.namespace};s={name}"

    @property
    def thread(self) -> threading.Thread:
        """Return the thread the server runs in."""
        return self._thread

    def stop(self) -> None:
        """Stop the server and join its thread."""
        if self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(STARTUP_SECONDS)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        server = Server(user_manager=OneUser(*self.user) if self.user else None)
        try:
            await server.init()
            server.set_endpoint(self.endpoint)
            if self.secure is None:
                server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
            else:
                paths = await certificates(self.secure)
                await server.load_certificate(paths["server_cert"])
                await server.load_private_key(paths["server_key"])
                server.set_security_policy([ua.SecurityPolicyType.Basic256Sha256_SignAndEncrypt])
                self.security = f"Basic256Sha256,SignAndEncrypt,{paths['client_cert']},{paths['client_key']}"
            self.namespace = await _nodes(server)
            await server.start()
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            await server.stop()


@contextmanager
def running_server(*, secure: Path | None = None, user: tuple[str, str] | None = None) -> Iterator[LocalServer]:
    """Run a test OPC UA server for the duration of the block."""
    server = LocalServer(secure=secure, user=user)
    server.start()
    try:
        yield server
    finally:
        server.stop()
