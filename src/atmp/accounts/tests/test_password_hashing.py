"""Passwords are stored as Argon2id at OWASP's parameters (m=19 MiB, t=2, p=1).

The rest of the suite hashes with the test settings' quick Argon2id (atmp.testing); this file
checks the hasher production configures, by its settings and by what it stores.
"""

from __future__ import annotations

import importlib

from django.contrib.auth.hashers import check_password, identify_hasher, make_password

PRODUCTION = "atmp.accounts.hashers.Argon2idHasher"


def test_production_hashes_with_argon2id_at_owasp_parameters(settings) -> None:
    production = importlib.import_module("atmp.settings")
    assert production.PASSWORD_HASHERS == [PRODUCTION]
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    encoded = make_password("correct horse battery staple 42")
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$"), encoded
    assert check_password("correct horse battery staple 42", encoded)
    assert not check_password("correct horse battery staple 43", encoded)


def test_a_hash_made_by_the_quick_test_hasher_is_upgraded_by_production(settings) -> None:
    quick = make_password("correct horse battery staple 42")  # the test settings' hasher
    settings.PASSWORD_HASHERS = [PRODUCTION]
    assert identify_hasher(quick).must_update(quick)
