"""OPC UA capture over Basic256Sha256 SignAndEncrypt with a user and password; wrong settings refused."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from click.testing import CliRunner

from atmp.accounts.errors import InvalidInput
from atmp.cli.main import main
from atmp.manufacturing import opcua
from atmp.manufacturing.opcua import Credentials
from atmp.manufacturing.opcua_credentials import credentials_for
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


# The site's credentials file (ATMP_OPCUA_CREDENTIALS): how capture and the check sign in to an endpoint.
def credentials_file(tmp_path, server, *, mode=0o600, content=None):
    path = tmp_path / "opcua.json"
    entry = {"user": USER[0], "password": USER[1], "security": server.security}
    path.write_text(json.dumps(content if content is not None else {server.endpoint + "/": entry}))
    path.chmod(mode)
    return path


def test_the_file_gives_the_endpoints_credentials_by_its_canonical_address(tmp_path, server, settings):
    settings.ATMP_OPCUA_CREDENTIALS = str(credentials_file(tmp_path, server))
    found = credentials_for(server.endpoint)
    assert found == Credentials(*USER, server.security)
    assert credentials_for("opc.tcp://127.0.0.1:1") is None
    settings.ATMP_OPCUA_CREDENTIALS = str(tmp_path / "none.json")
    assert credentials_for(server.endpoint) is None  # no file: every endpoint anonymous


@pytest.mark.parametrize(
    ("mode", "content", "words"),
    [
        (0o644, None, "is readable by others: make it readable by its owner only (chmod 600)"),
        (0o600, [], "must map each endpoint to its user, password and security"),
        (0o600, {"opc.tcp://h:4840": {"pass": "x"}}, "has an entry for 'opc.tcp://h:4840' that is not"),
        (0o600, {"opc.tcp://h:4840": {"user": 7}}, "has an entry for 'opc.tcp://h:4840' that is not"),
    ],
)
def test_an_unsafe_or_malformed_file_is_refused_naming_it(tmp_path, server, settings, mode, content, words):
    path = credentials_file(tmp_path, server, mode=mode, content=content)
    settings.ATMP_OPCUA_CREDENTIALS = str(path)
    with pytest.raises(InvalidInput) as caught:
        credentials_for(server.endpoint)
    assert caught.value.field == "endpoint" and str(path) in str(caught.value) and words in str(caught.value)
    assert USER[1] not in str(caught.value)


def test_a_file_that_is_not_json_is_refused(tmp_path, server, settings):
    path = tmp_path / "opcua.json"
    path.write_text("{user: iqoq")
    path.chmod(0o600)
    settings.ATMP_OPCUA_CREDENTIALS = str(path)
    with pytest.raises(InvalidInput, match="cannot be read as JSON"):
        credentials_for(server.endpoint)


@pytest.mark.django_db
def test_capture_signs_in_with_the_sites_credentials(tmp_path, server, settings, qa_reviewer):
    from atmp.manufacturing.factories import make_running_step
    from atmp.manufacturing.services.batch_capture import capture_parameter
    from atmp.manufacturing.services.equipment import set_regimes

    running, floor = make_running_step(actor=qa_reviewer)
    set_regimes(actor=floor["qa"], equipment=floor["bsc"], reason="connected", opcua_endpoint=server.endpoint)
    floor["bsc"].refresh_from_db()

    def capture():
        return capture_parameter(
            actor=floor["operator"], step=running, parameter=running.mbr_step.parameters.get(),
            equipment=floor["bsc"], node=server.node("Temperature"),
        )  # fmt: skip

    settings.ATMP_OPCUA_CREDENTIALS = str(tmp_path / "none.json")
    with pytest.raises(InvalidInput, match="offers no endpoint with security policy None"):
        capture()  # anonymous and unencrypted: this server refuses it
    settings.ATMP_OPCUA_CREDENTIALS = str(credentials_file(tmp_path, server))
    entry = capture()
    assert entry.amount == Decimal("37.2") and entry.source.startswith(server.endpoint)


def test_the_check_command_uses_the_sites_credentials_without_user_or_security(tmp_path, server, settings):
    settings.ATMP_OPCUA_CREDENTIALS = str(credentials_file(tmp_path, server))  # the test's settings are loaded
    args = ["manufacturing", "opcua", "read", server.endpoint, server.node("Count"), "--json"]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert '"value": "42"' in result.stdout
