"""Audit-trail reviews may select a record with its parts (a batch with its steps and entries).

The new field changes the snapshot of every review already stored, so each gets one
`schema_migrated` entry with its snapshot (as 0007 did): `atmp verify` compares the row with it,
and a signature on the review still binds to the snapshot its version had when it was signed.
"""

from django.db import migrations, models


def record_new_snapshots(apps, schema_editor):
    from atmp.ledger.models import AuditTrailReview
    from atmp.ledger.writer import change

    reviews = list(AuditTrailReview._base_manager.order_by("pk"))
    if not reviews:
        return
    with change(actor=None, reason="schema: a review may select a record with its parts") as ch:
        for review in reviews:
            ch.event(
                action="schema_migrated",
                record_type=review.record_type(),
                record_id=str(review.pk),
                record_version=review.version,
                changes={"with_parts_filter": [None, review.with_parts_filter]},
                snapshot_hash=review.snapshot_hash(),
            )


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0007_review_excludes_own_entries"),
    ]

    operations = [
        migrations.AddField(
            model_name="audittrailreview",
            name="with_parts_filter",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(record_new_snapshots, migrations.RunPython.noop, elidable=False),
    ]
