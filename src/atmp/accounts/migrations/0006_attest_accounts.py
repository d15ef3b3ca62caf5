"""Accounts enter the proof: one entry per existing account attests its state (atmp.accounts.attest).

Runs once, when an installation upgrades: from then on every change of an account attests itself,
and `atmp verify` reports an account that differs from its last attested state.
"""

from django.db import migrations


def attest_existing_accounts(apps, schema_editor):
    from atmp.accounts.attest import USER_TYPE, current_accounts
    from atmp.ledger.attested import ATTESTED_VERSION
    from atmp.ledger.writer import change

    rows = list(current_accounts())
    if not rows:
        return
    with change(actor=None, reason="accounts enter the proof: their state as found at this upgrade") as ch:
        for row in rows:
            ch.event(
                action="account_attested",
                record_type=USER_TYPE,
                record_id=row.record_id,
                record_version=ATTESTED_VERSION,
                changes={},
                snapshot_hash=row.digest,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_auth_throttle"),
        ("ledger", "0004_fewer_btrees_per_entry"),
    ]

    operations = [migrations.RunPython(attest_existing_accounts, migrations.RunPython.noop, elidable=False)]
