"""A record type that exists only in the test suite, to exercise the workflow engine on its own."""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from atmp.accounts.models import Site
from atmp.workflow.machine import State, Transition, Workflow
from atmp.workflow.models import WorkflowRecord


def _no_blocker(case: SampleCase) -> str | None:
    return "the blocker must be lifted before closing" if case.blocked else None


SAMPLE_WORKFLOW = Workflow(
    states=(
        State("draft", "Draft"),
        State("in_review", "In review"),
        State("approved", "Approved"),
        State("closed", "Closed", final=True),
        State("cancelled", "Cancelled", final=True),
    ),
    initial="draft",
    transitions=(
        Transition("submit", "Submit for review", ("draft",), "in_review", required=("summary",)),
        Transition("reject", "Send back", ("in_review",), "draft", permission="records.sign"),
        Transition("approve", "Approve", ("in_review",), "approved", permission="records.sign", meaning="approved"),
        Transition("close", "Close", ("approved",), "closed", preconditions=(_no_blocker,)),
        Transition("cancel", "Cancel", ("draft", "in_review"), "cancelled"),
    ),
)


class SampleCase(WorkflowRecord):
    """A case with a draft → review → approval → closure workflow."""

    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    blocked = models.BooleanField(default=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    workflow: ClassVar[Workflow] = SAMPLE_WORKFLOW

    def __str__(self) -> str:
        return self.title
