"""Settings for the test suite: a private ATMP_HOME per run, so tests never touch ./var."""

import os
import tempfile

if not os.environ.get("ATMP_HOME"):
    os.environ["ATMP_HOME"] = tempfile.mkdtemp(prefix="atmp-test-")
os.environ.setdefault("ATMP_SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")

from atmp.settings import *  # noqa: F403

# A record type that exists only in tests, to exercise the workflow engine on its own (no
# migrations: the test database creates its table directly).
INSTALLED_APPS = [*INSTALLED_APPS, "atmp.workflow.tests.sample"]  # noqa: F405

# Argon2id at its smallest cost (atmp.testing.QuickArgon2idHasher): hashing stays real, only
# cheaper; the production parameters have their own test, and subprocess tests use atmp.settings.
PASSWORD_HASHERS = ["atmp.testing.QuickArgon2idHasher"]
