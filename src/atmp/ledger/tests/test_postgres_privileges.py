"""PostgreSQL: the documented least-privilege role can read and append the ledger, never rewrite it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from atmp.testing import make_site

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
SQL = Path(__file__).resolve().parents[4] / "contrib" / "postgres" / "least-privilege.sql"
ROLE = "atmp_app_privilege_test"


def run_documented_grants(cursor) -> None:
    """Execute contrib/postgres/least-privilege.sql as psql would, with :app_role set."""
    text = "\n".join(line for line in SQL.read_text().splitlines() if not line.lstrip().startswith("--"))
    for statement in filter(None, (s.strip() for s in text.split(";"))):
        cursor.execute(re.sub(r':"app_role"', f'"{ROLE}"', statement))


@pytest.fixture
def as_app_role(qa_reviewer):
    make_site(actor=qa_reviewer, code="PRV")
    with connection.cursor() as cursor:
        # Role creation is transactional in PostgreSQL: the test's rollback removes it again.
        cursor.execute(f'CREATE ROLE "{ROLE}" NOLOGIN')
        run_documented_grants(cursor)
        cursor.execute(f'SET ROLE "{ROLE}"')
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_auditentry SET reason = 'rewritten'",
        "DELETE FROM ledger_auditentry",
        "TRUNCATE ledger_auditentry",
        "UPDATE ledger_signature SET meaning = 'approved'",
        "DELETE FROM ledger_treenode",
        "TRUNCATE ledger_checkpoint",
    ],
)
def test_the_application_role_cannot_rewrite_the_ledger(as_app_role, statement):
    with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)


def test_the_application_role_can_still_write_audited_records(as_app_role, qa_reviewer):
    site = make_site(actor=qa_reviewer, code="PRW")
    assert site.version == 1


@pytest.mark.parametrize("statement", ["DELETE FROM ledger_auditentry", "TRUNCATE ledger_auditentry"])
def test_even_the_owner_is_stopped_by_the_triggers(qa_reviewer, statement):
    make_site(actor=qa_reviewer, code="OWN")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
