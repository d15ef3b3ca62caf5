"""atmp.settings with the test suite's quick Argon2id hasher: for subprocess tests that load the demo.

`atmp demo` checks a password for every signature it makes (about 400): at production's OWASP
parameters that was about 20 s of each demo a test loads in a subprocess (the browser tests'
server, the backup of stored files). The code path is the same (same algorithm, encoded form,
Django's check and rehash); production's parameters are checked on their own
(accounts/tests/test_password_hashing.py), and the other subprocess tests (`atmp init` and `atmp
demo` themselves in cli/tests/test_setup_commands.py, the CLI, crash, backup and concurrency
tests) run atmp.settings unchanged.
"""

from atmp.settings import *  # noqa: F403

PASSWORD_HASHERS = ["atmp.testing.QuickArgon2idHasher"]
