"""A shipment may name the site of ours it goes to; existing ones enter the ledger with none.

Adding an audited field changes every existing shipment's snapshot (a new key, null), which `atmp
verify` would otherwise report as a change made outside the ledger. So that it stays green across
the upgrade, one entry per existing shipment records its snapshot as found, with the reason, as
trace 0005 did for administrations; the snapshot is computed from this migration's own model (the
fields as of 0006), as GmpRecord.snapshot computes it. Nothing else changes: a shipment's lots,
hand-overs and logs keep their fields.
"""

import django.db.models.deletion
from django.db import migrations, models

REASON = "trace 0006: a shipment may name the site of ours it goes to; an existing one names none"


def record_the_new_field(apps, schema_editor):
    from atmp.ledger.upgrades import record_fields_added

    record_fields_added(
        apps.get_model("trace", "Shipment"), "trace.shipment", {"destination_site_id": [None, None]}, REASON
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_coi_coordinator_role"),
        ("trace", "0005_administered_quantity"),
    ]

    operations = [
        migrations.AddField(
            model_name="shipment",
            name="destination_site",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.site",
            ),
        ),
        migrations.RunPython(record_the_new_field, migrations.RunPython.noop, elidable=False),
    ]
