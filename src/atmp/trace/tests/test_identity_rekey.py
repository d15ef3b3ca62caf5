"""Rotating the identity keys: a new key on top of each keyring, `rekey`, then the old key can go."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from atmp.ledger import verify
from atmp.ledger.models import AuditEntry
from atmp.trace import sealed
from atmp.trace.models import Identity
from atmp.trace.services.identities import find, rekey, reveal

from .conftest import JANE

pytestmark = pytest.mark.django_db


@pytest.fixture
def keyrings(settings, tmp_path):
    """Copies of the test run's keyrings, to rotate without touching the shared ones."""
    for setting, name in (("ATMP_IDENTITY_KEY_FILE", "identity.key"), ("ATMP_IDENTITY_HASH_KEY_FILE", "hash.key")):
        copy = tmp_path / name
        copy.write_text(Path(getattr(settings, setting)).read_text())
        setattr(settings, setting, str(copy))
    return tmp_path


def put_new_key_on_top(path) -> None:
    path.write_text(base64.b64encode(os.urandom(32)).decode() + "\n" + path.read_text())


def drop_old_keys(path) -> None:
    path.write_text(path.read_text().splitlines()[0] + "\n")


def test_rotating_both_keys_rewraps_and_rehashes_and_the_old_keys_can_go(coordinator, jane, keyrings):
    before = Identity.objects.get(person=jane)
    put_new_key_on_top(keyrings / "identity.key")
    put_new_key_on_top(keyrings / "hash.key")
    counts = rekey(actor=coordinator, reason="yearly key rotation")
    assert counts == {"identities": 1, "rewrapped": 1, "rehashed": 1, "voided_kept": 0}
    after = Identity.objects.get(person=jane)
    keys = sealed.Keys.load()
    assert after.wrapped_key.startswith(keys.wrapping.current[0] + ":")
    assert after.data_hash.startswith(keys.hashing.current[0] + ":") and after.version == before.version + 1
    assert AuditEntry.objects.order_by("seq").last().action == "identity_rekeyed"
    drop_old_keys(keyrings / "identity.key")
    drop_old_keys(keyrings / "hash.key")
    assert reveal(actor=coordinator, person=jane, purpose="check after the rotation").data == JANE
    assert find(actor=coordinator, hospital_number=JANE["hospital_number"], purpose="check after the rotation").persons
    report = verify.run(processes=1)
    assert report.ok, report.failures


def test_rotating_only_the_wrapping_key_writes_no_new_version(coordinator, jane, keyrings):
    put_new_key_on_top(keyrings / "identity.key")
    assert rekey(actor=coordinator, reason="wrapping key rotation")["rewrapped"] == 1
    assert Identity.objects.get(person=jane).version == 1
    drop_old_keys(keyrings / "identity.key")
    assert verify.run(processes=1).ok


def test_before_rekey_an_old_key_still_opens_what_it_sealed(coordinator, jane, keyrings):
    put_new_key_on_top(keyrings / "identity.key")
    put_new_key_on_top(keyrings / "hash.key")
    assert reveal(actor=coordinator, person=jane, purpose="during the rotation").data == JANE
    assert find(actor=coordinator, hospital_number=JANE["hospital_number"], purpose="during the rotation").persons


def test_a_malformed_keyring_is_refused_naming_the_file_and_line(keyrings):
    (keyrings / "hash.key").write_text("# rotated 2026\nnot-a-key\n")
    with pytest.raises(sealed.SealError, match="hash.key, line 2"):
        sealed.Keys.load()
