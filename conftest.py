"""Test set-up shared by every test: the signing key, and personas for each role."""

from __future__ import annotations

import os
import zlib

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
    it run after every other database test (pytest_collection_modifyitems below), so none of those
    sees its rows, and each runs in its own savepoint (take it through a function-scoped fixture with
    `db`), so none sees another's writes. The tests after them use no database.
    """
    from atmp import demo
    from atmp.testing import rolled_back_at_the_end

    yield from rolled_back_at_the_end(django_db_blocker, demo.load)


# Fixtures and marks by which a test uses the Django test database (as pytest-django reads them).
DATABASE_FIXTURES = frozenset({"db", "transactional_db", "live_server", "django_db_setup", "demo_data"})


def _uses_the_database(item: pytest.Item) -> bool:
    """Return True when the test reads or writes the pass's test database (SQLite or PostgreSQL)."""
    from django.test import TransactionTestCase

    cls = getattr(item, "cls", None)
    if cls is not None and issubclass(cls, TransactionTestCase):
        return True
    return item.get_closest_marker("django_db") is not None or bool(
        DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
    )


def _runs_in_this_share(item: pytest.Item, share: int) -> bool:
    """Return whether `make test`'s pass number `share` (0 or 1) runs the test.

    Every test that uses the test database runs in both passes, once on each database. A test that
    does not (pure code, and subprocesses that name their own database) gives the same answer in
    either pass, so each runs in one: chosen by a stable hash of its id, which splits their time
    evenly (478 s and 483 s of the 961 s they took in one pass, measured). PostgreSQL-only, browser
    and slow tests are chosen by their marks instead (scripts/test.sh).
    """
    if _uses_the_database(item) or any(m in item.keywords for m in ("postgres", "browser", "slow")):
        return True
    return zlib.crc32(item.nodeid.encode()) % 2 == share


@pytest.hookimpl(trylast=True)  # after pytest-django's ordering (database tests, transactional, the rest)
def pytest_collection_modifyitems(config, items):
    """Run the demo's tests after the other database tests, share out the tests that use no database
    (ATMP_NODB_SHARE), skip PostgreSQL-only tests when not on PostgreSQL."""
    uses_demo = [item for item in items if "demo_data" in getattr(item, "fixturenames", ())]
    if uses_demo:
        # After the other database tests and before the tests that use none: those include the
        # browser tests, whose Playwright keeps an event loop in this thread from its first test on,
        # and Django refuses database calls from a thread with a running loop.
        others = [item for item in items if "demo_data" not in getattr(item, "fixturenames", ())]
        cut = next((i for i, item in enumerate(others) if not _uses_the_database(item)), len(others))
        items[:] = others[:cut] + uses_demo + others[cut:]
    share = os.environ.get("ATMP_NODB_SHARE", "all")
    if share not in ("all", "0", "1"):
        raise pytest.UsageError(f"ATMP_NODB_SHARE={share!r}: give all, 0 or 1")
    if share != "all":
        kept, deselected = [], []
        for item in items:
            (kept if _runs_in_this_share(item, int(share)) else deselected).append(item)
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = kept
    from django.conf import settings

    if not settings.configured:  # pytest -p no:django, for the pure modules and contrib/
        return
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(
                pytest.mark.skip(reason="PostgreSQL-only: run with ATMP_DATABASE_URL=postgresql://… (make test does)")
            )
