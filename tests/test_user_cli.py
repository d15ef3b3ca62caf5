"""`atmp user …`: account administration from the server's shell, acting as the system."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from atmp.cli.main import main

pytestmark = pytest.mark.django_db
GOOD = "a long enough passphrase 7"


def atmp(*args: str, input: str | None = None, env: dict[str, str | None] | None = None):
    return CliRunner().invoke(main, ["user", *args], input=input, env=env, catch_exceptions=False)


def test_add_creates_an_account_as_the_system_with_the_password_from_the_environment():
    from atmp.accounts.models import User
    from atmp.ledger.models import AuditEntry

    result = atmp("add", "nina", "--full-name", "Nina QP", "--role", "qualified_person", "--json",
                  env={"ATMP_PASSWORD": GOOD})  # fmt: skip
    assert result.exit_code == 0, result.output
    # No one could approve it yet: the console's first grant is the bootstrap (docs/adr/0006).
    assert json.loads(result.stdout)["roles"] == [{"role": "qualified_person", "site": None, "status": "active"}]
    nina = User.objects.get(username="nina")
    assert nina.check_password(GOOD)
    assert AuditEntry.objects.get(action="user_created", record_id=str(nina.pk)).actor_id is None


def test_add_asks_for_the_password_twice_when_none_is_given(monkeypatch):
    from atmp.accounts.models import User
    from atmp.cli import base as cli

    monkeypatch.setattr(cli, "can_prompt", lambda: True)  # CliRunner's stdin is no terminal

    typed = f"{GOOD}\n{GOOD}\n"
    result = atmp("add", "nina", "--full-name", "Nina", "--role", "operator", input=typed, env={"ATMP_PASSWORD": None})
    assert result.exit_code == 0, result.output
    assert User.objects.get(username="nina").check_password(GOOD)


def test_add_reads_the_password_file_without_its_trailing_newline(tmp_path, site):
    from atmp.accounts.models import User

    secret = tmp_path / "pw"
    secret.write_text(GOOD + "\n")
    result = atmp("add", "nina", "--full-name", "Nina", "--role", "operator", "--role", "qc_analyst",
                  "--site", "lei", "--password-file", str(secret))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "operator@LEI" in result.stdout and "qc_analyst@LEI" in result.stdout
    assert User.objects.get(username="nina").check_password(GOOD)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "wizard"], "Invalid value for '--role': 'wizard' is not one of"),
        (["--role", "operator", "--site", "NOPE"], "site: there is no site"),
    ],
)
def test_add_refuses_bad_input_with_exit_2_and_the_field_named(args, message):
    result = atmp("add", "nina", "--full-name", "Nina", *args, env={"ATMP_PASSWORD": GOOD})
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_add_without_a_terminal_or_a_password_source_is_bad_input():
    result = atmp("add", "nina", "--full-name", "Nina", "--role", "operator", env={"ATMP_PASSWORD": None})
    assert result.exit_code == 2 and "no terminal to ask on" in result.stderr


def test_a_weak_password_is_refused():
    result = atmp("add", "nina", "--full-name", "Nina", "--role", "operator", env={"ATMP_PASSWORD": "short"})
    assert result.exit_code == 2 and "password:" in result.stderr


def test_list_shows_every_account_with_its_roles(operator, inspector):
    rows = json.loads(atmp("list", "--json").stdout)
    assert [(r["username"], r["roles"]) for r in rows] == [
        ("ines", [{"role": "inspector", "site": None, "status": "active"}]),
        ("olga", [{"role": "operator", "site": None, "status": "active"}]),
    ]
    assert "olga" in atmp("list").stdout


def test_disable_needs_a_reason_and_is_audited(operator):
    from atmp.ledger.models import AuditEntry

    assert atmp("disable", "olga").exit_code == 2  # click: --reason is required
    result = atmp("disable", "olga", "--reason", "left the company")
    assert result.exit_code == 0, result.output
    operator.refresh_from_db()
    assert not operator.is_active
    assert AuditEntry.objects.get(action="user_disabled").reason == "left the company"


def test_disabling_an_unknown_user_is_exit_2():
    result = atmp("disable", "nobody", "--reason", "x")
    assert result.exit_code == 2 and "no user 'nobody'" in result.stderr


def test_set_roles_replaces_the_roles_with_a_reason(operator):
    result = atmp("set-roles", "olga", "--role", "qc_analyst", "--reason", "moved to QC", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["roles"] == [{"role": "qc_analyst", "site": None, "status": "active"}]
    operator.forget_roles()
    assert operator.roles() == {"qc_analyst"}


def test_token_prints_a_working_token_once(operator):
    from atmp.accounts import auth

    result = atmp("token", "olga", "--name", "LIMS interface", "--json")
    assert result.exit_code == 0, result.output
    token = json.loads(result.stdout)["token"]
    assert auth.user_for_token(token) == operator


def test_the_help_says_that_shell_access_is_the_administrative_control():
    result = CliRunner().invoke(main, ["user", "--help"])
    assert "shell is access to the server" in " ".join(result.output.split())


def test_token_prints_the_token_alone_on_stdout_and_the_notice_on_stderr(operator):
    from atmp.accounts import auth

    result = atmp("token", "olga", "--name", "LIMS interface", "--scope", "read", "--days", "7")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 1 and result.stdout.startswith("atmp_")
    assert auth.user_for_token(result.stdout.strip()) == operator
    assert "shown this once" in result.stderr and "(read)" in result.stderr


def test_tokens_lists_and_revoke_token_revokes_by_prefix(operator):
    from atmp.accounts import auth

    raw = atmp("token", "olga", "--name", "LIMS").stdout.strip()
    rows = json.loads(atmp("tokens", "olga", "--json").stdout)
    assert [(r["prefix"], r["state"]) for r in rows] == [(raw[:12], "active")] and raw not in str(rows)
    result = atmp("revoke-token", "olga", raw[:12], "--reason", "rotated")
    assert result.exit_code == 0, result.output
    assert auth.user_for_token(raw) is None
    assert atmp("revoke-token", "olga", "atmp_nope").exit_code == 2


def test_the_console_recovers_an_account(operator):
    import datetime as dt

    from atmp.ledger import clock
    from atmp.ledger.models import AuditEntry

    operator.locked_until = clock.now() + dt.timedelta(minutes=5)
    operator.save(update_fields=["locked_until"])
    assert atmp("unlock", "olga", "--reason", "help desk").exit_code == 0
    assert atmp("disable", "olga", "--reason", "leave").exit_code == 0
    assert atmp("enable", "olga", "--reason", "back").exit_code == 0
    result = atmp("reset-password", "olga", "--reason", "forgot", env={"ATMP_PASSWORD": GOOD})
    assert result.exit_code == 0, result.output
    operator.refresh_from_db()
    assert operator.is_active and operator.locked_until is None and operator.must_change_password
    assert atmp("reset-mfa", "olga", "--reason", "lost phone").exit_code == 2  # not enrolled: bad input
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"user_unlocked", "user_disabled", "user_enabled", "password_reset"} <= actions


def test_an_approver_approves_a_pending_role_at_the_console_with_a_signature(qa_approver, operator):
    from atmp.ledger.models import Signature
    from atmp.testing import PASSWORD

    assert atmp("set-roles", "olga", "--role", "qc_analyst", "--reason", "moved to QC").exit_code == 0
    (row,) = json.loads(atmp("pending", "--json").stdout)
    assert (row["username"], row["role"]) == ("olga", "qc_analyst")
    wrong = atmp("approve-role", str(row["id"]), "--as", "alex", env={"ATMP_PASSWORD": "wrong"})
    assert wrong.exit_code == 2 and "password" in wrong.stderr
    result = atmp("approve-role", str(row["id"]), "--as", "alex", "--json", env={"ATMP_PASSWORD": PASSWORD})
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["roles"] == [{"role": "qc_analyst", "site": None, "status": "active"}]
    assert Signature.objects.get(meaning="approved").signer_id == qa_approver.pk
    assert atmp("approve-role", "999", "--as", "alex", env={"ATMP_PASSWORD": PASSWORD}).exit_code == 2
