"""OPC UA capture over Basic256Sha256 SignAndEncrypt with a user and password; wrong settings refused."""

from __future__ import annotations

from decimal import Decimal

import pytest
from click.testing import CliRunner

from atmp.accounts.errors import InvalidInput
from atmp.cli.main import main
from atmp.manufacturing import opcua
from atmp.manufacturing.opcua import Credentials
from atmp.manufacturing.tests.opcua_server import LocalServer, running_server

USER = ("iqoq", "correct horse")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with running_server(secure=tmp_path_factory.mktemp("opcua-certificates"), user=USER) as running:
        yield running


def refusal(server: LocalServer, credentials: Credentials) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        opcua.read(server.endpoint, server.node("Temperature"), timeout=2, credentials=credentials)
    return caught.value


def test_it_reads_over_an_encrypted_session_with_a_user_and_password(server):
    reading = opcua.read(server.endpoint, server.node("Temperature"), credentials=Credentials(*USER, server.security))
    assert (reading.value, reading.unit, reading.status) == (Decimal("37.2"), "°C", "Good")


def test_it_refuses_a_wrong_password(server):
    refused = refusal(server, Credentials(USER[0], "wrong", server.security))
    assert refused.field == "endpoint" and "BadUserAccessDenied" in str(refused)
    assert "wrong" not in str(refused)


def test_it_refuses_an_unencrypted_session_to_a_server_that_requires_encryption(server):
    refused = refusal(server, Credentials(*USER))
    assert refused.field == "endpoint" and "offers no endpoint with security policy None" in str(refused)


def test_it_refuses_a_security_setting_naming_a_missing_certificate(server):
    refused = refusal(server, Credentials(*USER, "Basic256Sha256,SignAndEncrypt,/nowhere/c.der,/nowhere/k.pem"))
    assert refused.field == "endpoint" and "No such file or directory: /nowhere/c.der" in str(refused)


@pytest.mark.parametrize(
    ("security", "words"),
    [
        ("Basic256Sha256,SignAndEncrypt", "must be Policy,Mode,client-cert,client-key"),
        ("Basic128Rsa15,SignAndEncrypt,c.der,k.pem", "security policy 'Basic128Rsa15' is not one of"),
        ("Basic256Sha256,Encrypt,c.der,k.pem", "security mode 'Encrypt' is not Sign or SignAndEncrypt"),
    ],
)
def test_it_refuses_a_malformed_security_setting_before_connecting(security, words):
    with pytest.raises(InvalidInput) as caught:
        opcua.read("opc.tcp://127.0.0.1:1", "ns=2;s=Temperature", credentials=Credentials(security=security))
    assert caught.value.field == "endpoint" and words in str(caught.value)


def test_a_password_is_not_in_the_credentials_repr():
    assert "correct horse" not in repr(Credentials(*USER))


def test_the_command_takes_the_user_and_security_setting_and_the_password_from_the_environment(server):
    args = ["manufacturing", "opcua", "read", server.endpoint, server.node("Count"), "--json"]
    args += ["--user", USER[0], "--security", server.security]
    result = CliRunner().invoke(main, args, env={"ATMP_OPCUA_PASSWORD": USER[1]}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert '"value": "42"' in result.stdout
    refused = CliRunner().invoke(main, args, env={"ATMP_OPCUA_PASSWORD": "wrong"}, catch_exceptions=False)
    assert refused.exit_code == 2 and "atmp: error: endpoint:" in refused.stderr
