"""Audit-trail reviews count the reviewer's own entries they leave out (excluded_count), and record
the reviewer's outcome and findings (outcome, findings).

A new field changes the snapshot of every review already stored, so each existing review gets one
`schema_migrated` entry recording its snapshot with the field (its version unchanged): `atmp
verify` then compares the row with that entry, while a signature on the review still binds to the
snapshot its version had when it was signed.
"""

from django.db import migrations, models


def record_new_snapshots(apps, schema_editor):
    from atmp.ledger.models import AuditTrailReview
    from atmp.ledger.writer import change

    # The model is today's: the fields later migrations add (0008's with_parts_filter) are not in
    # the table yet, so they are neither read nor part of the snapshot recorded here.
    later = ("with_parts_filter",)
    reviews = list(AuditTrailReview._base_manager.defer(*later).order_by("pk"))
    if not reviews:
        return
    why = "schema: reviews count the reviewer's own entries they leave out, and record an outcome"
    with change(actor=None, reason=why) as ch:
        for review in reviews:
            ch.event(
                action="schema_migrated",
                record_type=review.record_type(),
                record_id=str(review.pk),
                record_version=review.version,
                changes={
                    "excluded_count": [None, review.excluded_count],
                    "findings": [None, review.findings],
                    "outcome": [None, review.outcome],
                },
                snapshot_hash=review.snapshot_hash(leave_out=later),
            )


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0006_witness_delivery"),
    ]

    operations = [
        migrations.AddField(
            model_name="audittrailreview",
            name="excluded_count",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="audittrailreview",
            name="outcome",
            field=models.CharField(
                blank=True, choices=[("no_findings", "No findings"), ("findings", "Findings")], max_length=20
            ),
        ),
        migrations.AddField(
            model_name="audittrailreview",
            name="findings",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(record_new_snapshots, migrations.RunPython.noop, elidable=False),
    ]
