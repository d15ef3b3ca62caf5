"""An administration records the quantity given (and its unit); existing ones enter the ledger with none.

Adding two audited fields changes every existing administration's snapshot (two new keys, null and
""), which `atmp verify` would otherwise report as a change made outside the ledger. So that it
stays green across the upgrade, one entry per existing administration records its snapshot as
found, with the reason; the snapshot is computed from this migration's own model (the fields as of
0005), as GmpRecord.snapshot computes it.
"""

from django.db import migrations, models

REASON = "trace 0005: administrations now record the quantity given; an existing one records none"


def record_the_new_fields(apps, schema_editor):
    from atmp.ledger.upgrades import record_fields_added

    record_fields_added(
        apps.get_model("trace", "Administration"),
        "trace.administration",
        {"quantity": [None, None], "unit": [None, ""]},
        REASON,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("trace", "0004_custody"),
        ("ledger", "0007_review_excludes_own_entries"),
    ]

    operations = [
        migrations.AddField(
            model_name="administration",
            name="quantity",
            field=models.DecimalField(blank=True, decimal_places=3, max_digits=15, null=True),
        ),
        migrations.AddField(
            model_name="administration",
            name="unit",
            field=models.CharField(blank=True, max_length=20),
        ),
        migrations.RunPython(record_the_new_fields, migrations.RunPython.noop, elidable=False),
    ]
