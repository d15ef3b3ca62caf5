"""`atmp verify` proves each sealed identity: the ciphertext against its audited SHA-256 with no key, and,
where the keys are, the data key, the data and the search index against the audited keyed hash."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from atmp.accounts import sealed as key_files
from atmp.cli.main import main
from atmp.ledger import verify
from atmp.trace import sealed
from atmp.trace.models import Identity
from atmp.trace.services.identities import register_person_with_identity

from .conftest import JOHN

pytestmark = pytest.mark.django_db


def tamper(identity: Identity, **columns) -> None:
    """Change columns behind the application's back, as someone with the database alone could."""
    Identity._base_manager.filter(pk=identity.pk).update(**columns)


def failures(report) -> list[tuple[str, str | None]]:
    return [(f.kind, f.record) for f in report.failures]


def test_intact_identities_verify_and_are_counted(jane):
    report = verify.run(processes=1)
    assert report.ok, report.failures
    counted = ("identities", "identities_opened", "identities_erased", "identity_keys")
    assert {k: report.checked[k] for k in counted} == {
        "identities": 1, "identities_opened": 1, "identities_erased": 0, "identity_keys": 1,
    }  # fmt: skip


def test_an_altered_ciphertext_is_named_by_its_record(jane):
    identity = jane.identity
    blob = bytearray(identity.ciphertext)
    blob[20] ^= 1
    tamper(identity, ciphertext=bytes(blob))
    report = verify.run(processes=1)
    assert failures(report) == [("identity_altered", identity.record_key)]
    assert jane.coi in report.failures[0].detail and "was altered" in report.failures[0].detail


def test_another_persons_sealed_data_copied_over_is_caught_by_the_ledger_and_by_the_key(coordinator, site, jane):
    john = register_person_with_identity(actor=coordinator, kind="donor", site=site, **JOHN)
    theirs = Identity.objects.get(person=john)
    tamper(jane.identity, ciphertext=bytes(theirs.ciphertext), ciphertext_sha256=theirs.ciphertext_sha256,
           wrapped_key=theirs.wrapped_key, data_hash=theirs.data_hash)  # fmt: skip
    report = verify.run(processes=1)
    kinds = failures(report)
    assert ("record", jane.identity.record_key) in kinds  # the digests are not the ones its entry recorded
    assert ("identity_altered", jane.identity.record_key) in kinds  # bound to John's id: it does not open as Jane's


def test_an_altered_data_key_does_not_open(jane):
    kid, _, blob = jane.identity.wrapped_key.partition(":")
    tamper(jane.identity, wrapped_key=f"{kid}:{blob[:-4]}AAA=")
    report = verify.run(processes=1)
    assert failures(report) == [("identity_altered", jane.identity.record_key)]
    assert "data key" in report.failures[0].detail


def test_an_altered_search_index_is_found(jane, coordinator, site):
    other = register_person_with_identity(actor=coordinator, kind="donor", site=site, **JOHN)
    # Jane's index moved to John's number: a search for hers would miss her, a re-registration would pass.
    tamper(jane.identity, hospital_number_index=Identity.objects.get(person=other).hospital_number_index + "x")
    report = verify.run(processes=1)
    assert failures(report) == [("identity_index", jane.identity.record_key)]


def test_an_audited_digest_changed_in_the_row_is_a_record_failure_and_a_keyed_hash_one(jane):
    kid = jane.identity.data_hash.partition(":")[0]
    tamper(jane.identity, data_hash=f"{kid}:{'0' * 64}")
    report = verify.run(processes=1)
    assert failures(report) == [("record", jane.identity.record_key), ("identity_keyed_hash", jane.identity.record_key)]


def test_without_the_keys_the_ciphertext_is_still_proven(jane, settings, tmp_path):
    settings.ATMP_IDENTITY_KEY_FILE = str(tmp_path / "absent.key")
    report = verify.run(processes=1)
    assert report.ok and report.checked["identity_keys"] == 0 and report.checked["identities_opened"] == 0
    blob = bytearray(jane.identity.ciphertext)
    blob[-1] ^= 1
    tamper(jane.identity, ciphertext=bytes(blob))
    assert failures(verify.run(processes=1)) == [("identity_altered", jane.identity.record_key)]


def test_a_keyring_without_the_key_that_wrapped_a_data_key_is_named(jane, settings, tmp_path):
    settings.ATMP_IDENTITY_KEY_FILE = str(tmp_path / "other.key")
    key_files.create_key(tmp_path / "other.key")
    report = verify.run(processes=1)
    assert failures(report) == [("identity_key", jane.identity.record_key)]
    assert "does not hold" in report.failures[0].detail


def test_verify_on_the_command_line_names_the_record_and_no_identities_skips_it(jane):
    blob = bytearray(jane.identity.ciphertext)
    blob[0] ^= 1
    tamper(jane.identity, ciphertext=bytes(blob))
    red = CliRunner().invoke(main, ["verify", "--json"])
    assert red.exit_code == 1
    (failure,) = json.loads(red.stdout)["failures"]
    assert (failure["kind"], failure["record"]) == ("identity_altered", jane.identity.record_key)
    text = CliRunner().invoke(main, ["verify"])
    assert f"identity_altered {jane.identity.record_key}" in text.stdout and "1 sealed identities" in text.stdout
    green = CliRunner().invoke(main, ["verify", "--no-identities", "--json"])
    assert green.exit_code == 0, green.output
    assert "identities" not in json.loads(green.stdout)


def test_the_keys_are_files_of_their_owner_only(tmp_path, settings):
    settings.ATMP_IDENTITY_KEY_FILE = str(tmp_path / "keys" / "identity.key")
    settings.ATMP_IDENTITY_HASH_KEY_FILE = str(tmp_path / "keys" / "identity-hash.key")
    assert sealed.create_keys() == {"identity_key_created": True, "identity_hash_key_created": True}
    assert sealed.create_keys() == {"identity_key_created": False, "identity_hash_key_created": False}
    for name in ("identity.key", "identity-hash.key"):
        assert oct((tmp_path / "keys" / name).stat().st_mode & 0o777) == "0o600"
    shutil.rmtree(tmp_path / "keys")
