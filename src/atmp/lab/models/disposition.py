"""A batch's disposition by the Qualified Person, and the alert a late failing result raises (issue 15 item 8).

One `BatchDisposition` per batch, opened by atmp (the system actor, actor=None) the first time a QP decides on the
batch, so that nobody is its author and the QP's signature is independent (ADR 0028). A conditional
release freezes the pending tests with their expected dates into `pending`; a result that arrives for
a conditionally released batch and does not conform raises a `LateResultAlert` at once, listing the
administrations of the batch's product (trace) and e-mailing the QPs and the treating sites.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from atmp.accounts.roles import Role
from atmp.lab.models.results import Result
from atmp.lab.workflows.disposition import DISPOSITION_WORKFLOW
from atmp.ledger.records import GmpRecord
from atmp.manufacturing.models import Batch
from atmp.workflow.machine import Workflow
from atmp.workflow.models import WorkflowRecord

__all__ = ["BatchDisposition", "LateResultAlert"]


class BatchDisposition(WorkflowRecord):
    """The QP's disposition of a batch: open, conditionally released (pending tests frozen), certified or rejected."""

    batch = models.OneToOneField(Batch, on_delete=models.PROTECT, related_name="+")
    # Each pending test of a conditional release: {"attribute": name, "position": n, "expected_on": date}.
    pending = models.JSONField(default=list, blank=True)
    # Each pending test's result as it came after the release: {"attribute", "position", "result",
    # "arrived_on", "conforms"}, written with the result (services.disposition.late_result).
    arrived = models.JSONField(default=list, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, help_text="The QP's note on the decision.")

    workflow: ClassVar[Workflow] = DISPOSITION_WORKFLOW
    system_fields: ClassVar[frozenset[str]] = frozenset({"pending", "decided_at"})
    work_related: ClassVar[tuple[str, ...]] = ("batch",)
    # Certifying and releasing conditionally are the QP's alone (Directive 2001/83/EC Art. 51; Part IV ch. 11);
    # a rejection is signed 'approved' by the QP too.
    signing_meanings: ClassVar[dict[str, frozenset[str]]] = {
        "qp_certified": frozenset({Role.QUALIFIED_PERSON}),
        "approved": frozenset({Role.QUALIFIED_PERSON}),
    }
    site_path: ClassVar[str | None] = "batch__site_id"
    batch_id: int

    class Meta:
        ordering = ["-pk"]
        verbose_name = "batch disposition"

    def __str__(self) -> str:
        return f"disposition of batch {self.batch.number}"

    def work_title(self) -> str:
        """Return the title My work shows."""
        return f"Disposition of batch {self.batch.number}"


class LateResultAlert(GmpRecord):
    """A result that failed after the batch was released conditionally: what was administered, who was told."""

    disposition = models.ForeignKey(BatchDisposition, on_delete=models.PROTECT, related_name="alerts")
    result = models.ForeignKey(Result, on_delete=models.PROTECT, related_name="+")
    # The administrations of the batch's product lots at the time: {"record", "lot", "patient_coi", "at", "site"}.
    administrations = models.JSONField(default=list, blank=True)
    notified = models.PositiveIntegerField(default=0, help_text="How many people were e-mailed.")
    message = models.TextField()

    site_path: ClassVar[str | None] = "disposition__batch__site_id"
    disposition_id: int
    result_id: int

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"late failing result {self.result_id} for {self.disposition}"
