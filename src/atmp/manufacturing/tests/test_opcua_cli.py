"""`atmp manufacturing opcua read`: the reading as text or --json, exit 2 naming endpoint or node."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from atmp.cli.main import main
from atmp.manufacturing.tests.opcua_server import running_server


@pytest.fixture(scope="module")
def server():
    with running_server() as running:
        yield running


def atmp(*args: str):
    return CliRunner().invoke(main, ["manufacturing", "opcua", "read", *args], catch_exceptions=False)


def test_it_prints_the_reading_as_json(server):
    result = atmp(server.endpoint, server.node("Temperature"), "--json")
    assert result.exit_code == 0, result.output
    reading = json.loads(result.stdout)
    assert reading["value"] == "37.2" and reading["unit"] == "°C" and reading["status"] == "Good"
    assert reading["source"] == f"{server.endpoint}#{server.node('Temperature')}"
    assert reading["source_timestamp"] == "2026-03-02T08:15:30.000000Z"
    assert reading["server_timestamp"].endswith("Z")


def test_it_prints_the_reading_as_text(server):
    result = atmp(server.endpoint, server.node("Temperature"))
    assert result.exit_code == 0, result.output
    assert "value: 37.2 °C" in result.stdout
    assert "measured (source timestamp): 2026-03-02T08:15:30+00:00" in result.stdout
    assert "status: Good" in result.stdout


def test_it_refuses_a_bad_status_with_exit_2_naming_the_node(server):
    result = atmp(server.endpoint, server.node("Sensor"))
    assert result.exit_code == 2
    assert result.stderr.startswith("atmp: error: node: ") and "BadSensorFailure" in result.stderr
    assert "Traceback" not in result.output


def test_it_refuses_a_malformed_endpoint_with_exit_2_naming_it():
    result = atmp("http://127.0.0.1:4840", "ns=2;s=Temperature")
    assert result.exit_code == 2 and result.stderr.startswith("atmp: error: endpoint: ")


def test_it_refuses_an_unreachable_server_with_exit_2(server):
    result = atmp("opc.tcp://127.0.0.1:1", server.node("Temperature"), "--timeout", "1")
    assert result.exit_code == 2 and "endpoint: cannot connect to opc.tcp://127.0.0.1:1" in result.stderr
