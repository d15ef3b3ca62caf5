"""Property-based fuzzing of the REST API from its own OpenAPI document (schemathesis, in-process).

For every operation the document lists, and a bearer token for every role, schemathesis sends
generated requests (valid and invalid) and checks: no 5xx, every status and body as documented,
and no accepted write without at least one new ledger entry (operations marked
`x-atmp-computation`, the statistics, compute and store nothing, so they write no entry).
Operations that later modules add join automatically: the test walks the document, not a list.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from atmp.accounts.roles import Role
from atmp.wsgi import application

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Random examples per operation and role that may call it: `make test` sends 8, `make soak` 50
# (ATMP_FUZZ_EXAMPLES), for the long search a landing does not wait for.
EXAMPLES = int(os.environ.get("ATMP_FUZZ_EXAMPLES", "8"))
# A role the operation's permission refuses gets 403 for any valid request and the same 400/422 as
# every role for an invalid one (the body is read before the view's permission check): a few
# examples show both; the access contract's walk (accounts/tests/test_access_contract.py) asks
# every operation of every role once more. This keeps the file's time growing with the operations
# a role may call, not with every operation times every role.
REFUSED_EXAMPLES = 3

# schemathesis's coverage phase adds, before the random examples, about fifty deterministic requests
# per operation (each boundary and each kind of invalid value of every field): the body and query
# are read before the permission check, so those answers are the same whatever the role. One role
# per operation gets them (`covering_role`); the others get the random examples only.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
NO_COVERAGE = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})
random_only = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=NO_COVERAGE)


@pytest.fixture
def in_test_transaction(db):
    """Keep the WSGI app on the test's transaction, as Django's own test client does.

    Outside a test, Django closes the database connection when a request finishes; here that
    would end (and roll back) the transaction pytest-django wraps the test in, on PostgreSQL.
    """
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def token(request, in_test_transaction, settings) -> str:
    """Return a bearer token of a user holding the role, in a ledger with a site and a checkpoint."""
    from atmp.accounts import auth
    from atmp.ledger import checkpoints
    from atmp.testing import make_site, make_user

    # Random passwords must not lock the fuzzing accounts out half-way through an operation's examples.
    settings.ATMP_LOCKOUT_THRESHOLD = 10**6
    role = request.node.callspec.params["role"]
    user = make_user(role, username=f"fuzz-{role.replace('_', '-')}")
    make_site(code="LEI", name="Leiden")
    checkpoints.sign_now()
    return auth.issue_token(actor=None, user=user, name="fuzz").raw


# One role for each distinct set of grants: a GMP writer (operator; the QC analyst and the PV officer
# hold the same permissions), QA (the approver; the reviewer and the QP hold the same), the
# read-only inspector and the administrator. Whether each of the eight roles may call each
# operation is the access contract's walk (accounts/tests/test_access_contract.py); fuzzing the
# same grants twice found nothing more and doubled the suite's longest file.
FUZZED_ROLES = [Role.OPERATOR, Role.QA_APPROVER, Role.INSPECTOR, Role.SYSTEM_ADMIN]
# The roles that may see (PV officer) or also register and correct (Chain-of-Identity Coordinator)
# a person's sealed identity hold an operator's grants and the identity ones: they are fuzzed on the
# operations those grants open, the persons' (trace/api/persons.py, identities.py).
IDENTITY_ROLES = [Role.PV_OFFICER, Role.COI_COORDINATOR]
IDENTITY_GRANTS = {"identity.view", "identity.manage"}
identity_operations = schema.include(path_regex=r"^/api/v1/trace/persons")


def test_the_fuzzed_roles_cover_every_distinct_set_of_grants():
    from atmp.accounts.roles import GRANTS

    assert {GRANTS[r] for r in Role} == {GRANTS[r] for r in [*FUZZED_ROLES, *IDENTITY_ROLES]}
    # An identity role differs from the operator only by identity grants, so the operator's fuzzing
    # of every other operation stands for it.
    for role in IDENTITY_ROLES:
        assert GRANTS[role] - IDENTITY_GRANTS == GRANTS[Role.OPERATOR]


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def answers_as_documented(case, role, token) -> None:
    """Send the generated request as the role and check the answer against the document and the ledger."""
    from atmp.ledger.models import LedgerHead

    before = LedgerHead.objects.get(pk=1).size
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    case.validate_response(
        response,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            negative_data_rejection,
        ],
    )
    computation = bool(case.operation.definition.raw.get("x-atmp-computation"))  # stats: nothing is stored
    if case.method.upper() in WRITES and 200 <= response.status_code < 300 and not computation:
        after = LedgerHead.objects.get(pk=1).size
        assert after > before, (
            f"{case.method} {case.formatted_path} answered {response.status_code} as {role} "
            "but wrote no ledger entry: every accepted write must be audited"
        )


def _permitted(role: str, permission: str | None) -> bool:
    """Return True when the role holds the permission an operation names in the document."""
    from atmp.accounts.roles import GRANTS

    return permission in GRANTS[role]


def covering_role(permission: str | None) -> str:
    """Return the role that sends an operation's coverage requests: the first fuzzed role allowed, else the operator."""
    return next((r.value for r in FUZZED_ROLES if _permitted(r.value, permission)), Role.OPERATOR.value)


def _kind(role: str, permission: str | None) -> tuple[bool, bool]:
    """Return whether the role may call an operation of the permission, and whether it covers it."""
    return _permitted(role, permission), covering_role(permission) == role


def _fuzz(role: str, *, permitted: bool, covering: bool | None):
    """Return the test of the operations of one kind for the role (see _kind), with its number of examples.

    The covering role's operations run with the coverage phase; the others with random examples only;
    with `covering` None, every operation the role may (or may not) call, with random examples only.
    """
    source = schema if covering else random_only

    def chosen(ctx) -> bool:
        permitted_here, covering_here = _kind(role, ctx.operation.definition.raw.get("x-atmp-permission"))
        return permitted_here == permitted and (covering is None or covering_here == covering)

    subset = source.include(chosen)
    examples = EXAMPLES if permitted else REFUSED_EXAMPLES

    @pytest.mark.parametrize("role", [role])
    @subset.parametrize()
    @settings(FUZZ_SETTINGS, max_examples=examples)
    def test(case, role, token):
        answers_as_documented(case, role, token)

    return test


# `make test`'s two passes share the fuzzing (scripts/test.sh sets ATMP_FUZZ_SHARE): the PostgreSQL
# pass, the stricter database (NUL in text, integer range), sends the coverage requests with the
# covering role's random examples; the SQLite pass the random examples of every role. Unset (one
# run alone, `make soak`): both in the one run.
SHARE = os.environ.get("ATMP_FUZZ_SHARE", "all")
if SHARE not in ("all", "coverage", "random"):
    raise ValueError(f"ATMP_FUZZ_SHARE={SHARE!r}: give all, coverage or random")
_PERMISSIONS = {op.get("x-atmp-permission") for item in schema.raw_schema["paths"].values() for op in item.values()}
for _role in FUZZED_ROLES:
    # Only the kinds some operation is of: a test that matches no operation fails its collection.
    _kinds = {_kind(_role.value, p) for p in _PERMISSIONS}
    if SHARE == "random":
        _kinds = {(permitted, None) for permitted, _ in _kinds}
    elif SHARE == "coverage":
        _kinds = {(permitted, covering) for permitted, covering in _kinds if covering}
    for _permitted_here, _covering in sorted(_kinds, key=repr, reverse=True):
        _name = "answers_as_documented_to_an_allowed" if _permitted_here else "refuses_as_documented_a_refused"
        _how = "_with_coverage" if _covering else ""
        globals()[f"test_the_api_{_name}_{_role.value}{_how}"] = _fuzz(
            _role.value, permitted=_permitted_here, covering=_covering
        )


def test_every_operation_names_its_permission_in_the_document():
    from atmp.accounts.roles import PERMISSIONS
    from atmp.api.main import api

    document = api.get_openapi_schema()
    named = {op.get("x-atmp-permission") for methods in document["paths"].values() for op in methods.values()}
    assert named <= set(PERMISSIONS) | {"public"}, named - set(PERMISSIONS)


@pytest.mark.parametrize("role", [r.value for r in IDENTITY_ROLES])
@identity_operations.parametrize()
@FUZZ_SETTINGS
def test_the_identity_roles_get_documented_answers_on_the_persons_operations(case, role, token):
    answers_as_documented(case, role, token)
