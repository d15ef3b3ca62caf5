"""Materials gain their GTIN and ISBT 128 product code; each site gets its label setup.

Adding two audited fields to Material changes every existing material's snapshot (two new keys,
""), which `atmp verify` would otherwise report as a change made outside the ledger. So that it
stays green across the upgrade, one entry per existing material records its snapshot as found,
with the reason, as trace 0005 does for administrations (this step was added after 0003 first
shipped: a database that applied 0003 without it had no materials yet or must be re-attested).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

REASON = "trace 0003: materials now carry a GTIN and an ISBT 128 product code; an existing one carries none"


def record_the_new_fields(apps, schema_editor):
    from atmp.ledger.upgrades import record_fields_added

    record_fields_added(
        apps.get_model("trace", "Material"),
        "trace.material",
        {"gtin": [None, ""], "isbt128_product_code": [None, ""]},
        REASON,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_attest_accounts"),
        ("trace", "0002_identity"),
        ("ledger", "0007_review_excludes_own_entries"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="material",
            name="gtin",
            field=models.CharField(blank=True, help_text="GTIN-14 (a shorter GTIN padded with zeros).", max_length=14),
        ),
        migrations.AddField(
            model_name="material",
            name="isbt128_product_code",
            field=models.CharField(blank=True, help_text="ISBT 128 product code αooootds.", max_length=8),
        ),
        migrations.CreateModel(
            name="LabelSetup",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.PositiveIntegerField(default=0, editable=False)),
                ("status", models.CharField(default="active", max_length=32)),
                ("created_at", models.DateTimeField(editable=False, null=True)),
                ("voided", models.BooleanField(default=False, editable=False)),
                ("sizes", models.JSONField(default=list)),
                ("default_size", models.CharField(max_length=20)),
                ("isbt128", models.BooleanField(default=False)),
                (
                    "created_by",
                    models.ForeignKey(
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "site",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="accounts.site"
                    ),
                ),
            ],
            options={
                "ordering": ["site"],
            },
        ),
        migrations.RunPython(record_the_new_fields, migrations.RunPython.noop, elidable=False),
    ]
