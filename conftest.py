"""Test set-up shared by every test: the signing key, and personas for each role."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

REQUIRE_POSTGRES = os.environ.get("ATMP_REQUIRE_POSTGRES") == "1"
REQUIRE_BROWSER = os.environ.get("ATMP_REQUIRE_BROWSER") == "1"

# Property tests explore new random inputs on every developer's run (that is how they find bugs);
# CI (.ci/run sets HYPOTHESIS_PROFILE=ci) replays a fixed sequence, so a landing does not hinge on luck,
# nor on the machine's load: the "too slow" health check times input generation, and on a shared
# 2-core machine one slow draw failed a landing (test_export, 1.7 s for one entry) with nothing wrong.
settings.register_profile("ci", derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])


@pytest.fixture(scope="session", autouse=True)
def signing_key() -> None:
    """Create the ledger's signing key, the MFA key and the identity keys in the test run's ATMP_HOME."""
    from django.conf import settings

    if not settings.configured:
        return
    from atmp.accounts import sealed
    from atmp.ledger import keys
    from atmp.trace import sealed as identity_keys

    keys.create_key()
    sealed.create_key()
    identity_keys.create_keys()


@pytest.fixture
def qa_reviewer(db):
    from atmp.testing import PASSWORD, make_user

    return make_user("qa_reviewer", username="rita", full_name="Rita Reviewer", password=PASSWORD)


@pytest.fixture
def qa_approver(db):
    from atmp.testing import PASSWORD, make_user

    return make_user("qa_approver", username="alex", full_name="Alex Approver", password=PASSWORD)


@pytest.fixture
def operator(db):
    from atmp.testing import PASSWORD, make_user

    return make_user("operator", username="olga", full_name="Olga Operator", password=PASSWORD)


@pytest.fixture
def inspector(db):
    from atmp.testing import PASSWORD, make_user

    return make_user("inspector", username="ines", full_name="Ines Inspector", password=PASSWORD)


@pytest.fixture
def sysadmin(db):
    from atmp.testing import PASSWORD, make_user

    return make_user("system_admin", username="sam", full_name="Sam Sysadmin", password=PASSWORD)


@pytest.fixture
def site(qa_reviewer):
    from atmp.testing import make_site

    return make_site(actor=qa_reviewer, code="LEI", name="Leiden")


@pytest.fixture(scope="session")
def demo_data(django_db_setup, django_db_blocker, signing_key):
    """The demo as `atmp demo` loads it, loaded once per run in a transaction rolled back at its end.

    Loading it costs about 20 s; each module that reads it used to load its own. The tests that use
    it run last (pytest_collection_modifyitems below), so no other test sees its rows, and each runs
    in its own savepoint (take it through a function-scoped fixture with `db`), so none sees another's writes.
    """
    from atmp import demo
    from atmp.testing import rolled_back_at_the_end

    yield from rolled_back_at_the_end(django_db_blocker, demo.load)


@pytest.hookimpl(trylast=True)  # after pytest-django's ordering (database tests, transactional, the rest)
def pytest_collection_modifyitems(config, items):
    """Run the demo's tests last, skip PostgreSQL-only tests when not on PostgreSQL."""
    uses_demo = [item for item in items if "demo_data" in getattr(item, "fixturenames", ())]
    if uses_demo:
        others = [item for item in items if "demo_data" not in getattr(item, "fixturenames", ())]
        items[:] = others + uses_demo
    from django.conf import settings

    if not settings.configured:  # pytest -p no:django, for the pure modules and contrib/
        return
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(
                pytest.mark.skip(reason="PostgreSQL-only: run with ATMP_DATABASE_URL=postgresql://… (make test does)")
            )
