"""OPC UA capture: a Good numeric value with its source, timestamps and unit; every other value refused."""

from __future__ import annotations

import dataclasses
import datetime as dt
import socket
import time
from decimal import Decimal

import pytest

from atmp.accounts.errors import InvalidInput
from atmp.manufacturing import opcua
from atmp.manufacturing.tests.opcua_server import MEASURED_AT, LocalServer, free_port, running_server


@pytest.fixture(scope="module")
def server():
    with running_server() as running:
        yield running


def refusal(server: LocalServer, name: str) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        opcua.read(server.endpoint, server.node(name), timeout=2)
    return caught.value


def test_it_reads_a_good_temperature_with_its_source_timestamps_and_unit(server):
    before = dt.datetime.now(dt.UTC)
    reading = opcua.read(server.endpoint, server.node("Temperature"))
    assert reading.value == Decimal("37.2") and isinstance(reading.value, Decimal)
    assert reading.unit == "°C"
    assert reading.status == "Good"
    assert reading.source == f"opc.tcp://127.0.0.1:{server.port}#ns={server.namespace};s=Temperature"
    assert reading.source_timestamp == MEASURED_AT and reading.source_timestamp.tzinfo == dt.UTC
    assert reading.server_timestamp.tzinfo == dt.UTC
    assert before - dt.timedelta(seconds=5) <= reading.server_timestamp <= dt.datetime.now(dt.UTC)


def test_a_reading_is_frozen(server):
    reading = opcua.read(server.endpoint, server.node("Count"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        reading.value = Decimal(0)  # type: ignore[misc]


def test_it_reads_an_integer_without_a_unit(server):
    reading = opcua.read(server.endpoint, server.node("Count"))
    assert (reading.value, reading.unit, reading.status) == (Decimal(42), "", "Good")


def test_the_source_is_canonical_whatever_the_spelling_of_the_endpoint(server):
    reading = opcua.read(f"  OPC.TCP://127.0.0.1:{server.port}/  ", f" ns={server.namespace};s=Count ")
    assert reading.source == f"opc.tcp://127.0.0.1:{server.port}#ns={server.namespace};s=Count"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("Door", "holds a Boolean, not a number"),
        ("Label", "holds a String, not a number"),
        ("Trace", "holds an array of Double"),
        ("Empty", "has no value (null)"),
    ],
)
def test_it_refuses_a_value_that_is_not_a_number(server, name, words):
    refused = refusal(server, name)
    assert refused.field == "node" and words in str(refused) and f"s={name}" in str(refused)


def test_it_refuses_a_value_whose_status_is_not_good_naming_the_status(server):
    refused = refusal(server, "Sensor")
    assert refused.field == "node"
    assert "has status BadSensorFailure: only a Good value may be recorded" in str(refused)


def test_it_refuses_a_value_without_a_source_timestamp(server):
    refused = refusal(server, "Undated")
    assert refused.field == "node" and "gave no source timestamp" in str(refused)


def test_it_refuses_a_node_the_server_does_not_have(server):
    refused = refusal(server, "Nowhere")
    assert refused.field == "node" and f"ns={server.namespace};s=Nowhere does not exist on" in str(refused)


def test_it_refuses_a_node_that_is_not_a_variable(server):
    refused = refusal(server, "Vessel")
    assert refused.field == "node" and "is not a variable" in str(refused)


@pytest.mark.parametrize(
    ("node", "words"),
    [
        ("Temperature", "is not an OPC UA node id"),
        ("ns=2;x=Temperature", "is not an OPC UA node id"),
        ("ns=2;i=twelve", "is not an OPC UA node id"),
        ("ns=99999;i=1", "namespace index above 65535"),
        ("ns=2;s=Temp\x00", "holds a control character"),
        ("", "is not an OPC UA node id"),
    ],
)
def test_it_refuses_a_malformed_node_id_before_connecting(node, words):
    with pytest.raises(InvalidInput) as caught:
        opcua.read("opc.tcp://127.0.0.1:1", node, timeout=0.5)
    assert caught.value.field == "node" and words in str(caught.value)


@pytest.mark.parametrize(
    ("endpoint", "words"),
    [
        ("http://127.0.0.1:4840", "must start with opc.tcp://"),
        ("127.0.0.1:4840", "must start with opc.tcp://"),
        ("opc.tcp://127.0.0.1", "has no port"),
        ("opc.tcp://:4840", "has no host"),
        ("opc.tcp://[::1", "is not an address"),
        ("opc.tcp://bsc 01:4840", "holds a space or a control character"),
        ("opc.tcp://bsc\x00:4840", "holds a space or a control character"),
        ("opc.tcp://bsc_01:4840", "not a name or an IP address"),
        ("opc.tcp://127.0.0.1:99999", "port that is not a number"),
        ("opc.tcp://127.0.0.1:port", "port that is not a number"),
        ("opc.tcp://user:secret@127.0.0.1:4840", "not in the address"),
        ("opc.tcp://127.0.0.1:4840/x?y=1", "query or fragment"),
    ],
)
def test_it_refuses_a_malformed_endpoint_before_connecting(endpoint, words):
    with pytest.raises(InvalidInput) as caught:
        opcua.read(endpoint, "ns=2;s=Temperature", timeout=0.5)
    assert caught.value.field == "endpoint" and words in str(caught.value)


def test_it_refuses_an_unreachable_port_quickly():
    started = time.monotonic()
    with pytest.raises(InvalidInput) as caught:
        opcua.read(f"opc.tcp://127.0.0.1:{free_port()}", "ns=2;s=Temperature", timeout=1)
    assert caught.value.field == "endpoint" and "cannot connect to opc.tcp://127.0.0.1:" in str(caught.value)
    assert time.monotonic() - started < 1


def test_it_refuses_a_server_that_does_not_answer_within_the_timeout():
    # A socket that accepts the connection and never speaks OPC UA: the client waits for its Hello reply.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(InvalidInput) as caught:
            opcua.read(f"opc.tcp://127.0.0.1:{port}", "ns=2;s=Temperature", timeout=0.3)
    assert caught.value.field == "endpoint" and "did not answer within 0.3 s" in str(caught.value)
    assert time.monotonic() - started < 2


def test_it_refuses_a_timeout_out_of_range():
    with pytest.raises(InvalidInput) as caught:
        opcua.read("opc.tcp://127.0.0.1:4840", "ns=2;s=Temperature", timeout=0)
    assert caught.value.field == "endpoint" and "timeout" in str(caught.value)


def test_the_test_server_stops_with_its_thread():
    with running_server() as short_lived:
        assert opcua.read(short_lived.endpoint, short_lived.node("Count")).value == 42
    assert not short_lived.thread.is_alive()
    with pytest.raises(InvalidInput):
        opcua.read(short_lived.endpoint, short_lived.node("Count"), timeout=1)
