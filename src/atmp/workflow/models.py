"""Records that move through a declared workflow, and links between any two GMP records."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models

from atmp.ledger.errors import Conflict, LedgerBypass
from atmp.ledger.records import GmpRecord, RecordStatus, model_for
from atmp.ledger.signatures import IMPORTED, WORKFLOW_ACTIONS
from atmp.workflow.machine import Workflow

# The fields only the workflow engine writes (a transition or an assignment), never an edit.
WORKFLOW_FIELDS = frozenset({"status", "last_transition", "finished_at", "assignee_id", "assigned_role", "due_date"})


class WorkflowRecord(GmpRecord):
    """A GMP record whose status moves only through its type's declared workflow.

    It can be assigned to a person or a role and carry a due date; it is overdue when the date has
    passed and it is not in a final state.
    """

    workflow: ClassVar[Workflow]

    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assignee_id: int | None
    assigned_role = models.CharField(max_length=32, blank=True)
    due_date = models.DateField(null=True, blank=True)
    last_transition = models.CharField(max_length=40, blank=True)
    # When it entered a final state (closed, cancelled…): what "open on a date" is computed from.
    finished_at = models.DateTimeField(null=True, blank=True)

    # Fields atmp computes when a transition is taken (never typed by a person), which the
    # transition may therefore write besides status: a management review's KPIs, frozen as it is
    # approved. A transition's `computes` functions set them before the version is saved and signed.
    system_fields: ClassVar[frozenset[str]] = frozenset()
    # The relations work_title reads, loaded with the record in lists of work (atmp.workflow.work),
    # so that a list of 500 items is not 500 more queries.
    work_related: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    def check_change(self, old: dict[str, Any] | None, action: str) -> None:
        """Refuse a status that no transition wrote, and a transition that changes content."""
        if old is None:
            if self.status == RecordStatus.ACTIVE and self.workflow.state(RecordStatus.ACTIVE) is None:
                self.status = self.workflow.initial
            if action == IMPORTED and self.workflow.state(self.status) is not None:
                # A record migrated from another system starts in the state it had there; the
                # entry says so by its action and its reason names the import (docs/adr/0016).
                return
            if self.status != self.workflow.initial:
                raise Conflict(
                    f"{self.record_type()}: a new record starts in {self.workflow.initial!r}, not {self.status!r}"
                )
            return
        new = self.snapshot()
        changed = {k for k, v in new.items() if old.get(k) != v and k != "version"}
        if action in WORKFLOW_ACTIONS:
            content = changed - WORKFLOW_FIELDS - (self.system_fields if action == "transition" else frozenset())
            if content:
                fields = ", ".join(sorted(content))
                raise LedgerBypass(f"{self.record_key}: a {action} changes only status and assignment, not {fields}")
        elif changed & (WORKFLOW_FIELDS | self.system_fields):
            raise Conflict(
                f"{self.record_key}: status, assignment and computed fields change only through the "
                "workflow (atmp.workflow.transition / assign), never by an edit"
            )

    def state_label(self) -> str:
        """Return the current state's label."""
        return self.workflow.label(self.status)

    def work_title(self) -> str:
        """Return how lists of work name the record."""
        return str(self)


class Relation(models.TextChoices):
    """How a link's source stands to its target; each reads both ways on the record pages."""

    CONCERNS = "concerns", "concerns"
    ADDRESSES = "addresses", "addresses"
    ORIGINATES_FROM = "originates_from", "originates from"
    REVISES = "revises", "revises"
    SUPPORTS = "supports", "is evidence for"
    FOLLOWS_UP = "follows_up", "follows up"
    RELATES_TO = "relates_to", "relates to"


# How the target reads the link back (the page of the target lists its links too).
INVERSE_LABELS: dict[str, str] = {
    Relation.CONCERNS: "is concerned by",
    Relation.ADDRESSES: "is addressed by",
    Relation.ORIGINATES_FROM: "gave rise to",
    Relation.REVISES: "is revised by",
    Relation.SUPPORTS: "is supported by",
    Relation.FOLLOWS_UP: "is followed up by",
    Relation.RELATES_TO: "relates to",
}


class Link(GmpRecord):
    """A named relation from one GMP record to another; removing it voids it, with a reason."""

    source_type = models.CharField(max_length=100)
    source_id = models.CharField(max_length=40)
    relation = models.CharField(max_length=32, choices=Relation.choices)
    target_type = models.CharField(max_length=100)
    target_id = models.CharField(max_length=40)
    note = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["source_type", "source_id"], name="workflow_link_source"),
            models.Index(fields=["target_type", "target_id"], name="workflow_link_target"),
        ]

    def __str__(self) -> str:
        return f"{self.source_type}:{self.source_id} {self.relation} {self.target_type}:{self.target_id}"

    def ends(self) -> tuple[GmpRecord | None, GmpRecord | None]:
        """Return the source and target records (None where the type or row is gone)."""
        return _load(self.source_type, self.source_id), _load(self.target_type, self.target_id)

    def concerned_site_ids(self) -> frozenset[int] | None:
        """Return the sites of both ends: whoever handles the link must see both records."""
        sites: set[int] = set()
        for end in self.ends():
            if end is None:
                continue
            concerned = end.concerned_site_ids()
            if concerned is None:
                return None
            sites |= concerned
        return frozenset(sites)


def _load(record_type: str, record_id: str) -> GmpRecord | None:
    model = model_for(record_type)
    if model is None or not record_id.isdecimal():
        return None
    return model._base_manager.filter(pk=int(record_id)).first()


class Reminder(models.Model):
    """That a reminder about an overdue record went out on a day: `atmp tick` sends one a day, not one a tick.

    Not a GMP record (it changes nothing of the record and is not evidence of anything): a delivery log.
    """

    record_type = models.CharField(max_length=100)
    record_id = models.CharField(max_length=40)
    day = models.DateField()
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record_type", "record_id", "day"], name="workflow_reminder_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.record_type}:{self.record_id} reminded on {self.day}"
