"""Potency assay runs (USP <1032>/<1034>, Ph. Eur. 5.3): a method's run validity criteria, a run with its
reference standard and critical reagent lots and its plate, and a batch's reportable potency combining
valid, reviewed runs.

The plate is kept as uploaded (a stored file with its SHA-256) and, parsed, as a JSON list of wells on
the run (ADR 0027): it is written once with the run, read whole by the computation and never edited
well by well, so 96 child records would add ledger entries without adding control. Computed numbers
are frozen as strings (repr of the float: they read back to the very value atmp.stats returned).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models

from atmp.accounts.models import Site
from atmp.accounts.roles import Role
from atmp.files.models import StoredFile
from atmp.lab.models.methods import Method
from atmp.lab.workflows.potency import POTENCY_RUN_WORKFLOW
from atmp.ledger.errors import Conflict
from atmp.ledger.records import GmpRecord
from atmp.manufacturing.models import Batch
from atmp.trace.models import Lot
from atmp.workflow.machine import Workflow
from atmp.workflow.models import WorkflowRecord

__all__ = ["PotencyCriteria", "PotencyModel", "PotencyResult", "PotencyRun"]


class PotencyModel(models.TextChoices):
    """How the relative potency is computed (atmp.stats.potency)."""

    PARALLEL_LINE = "parallel_line", "Parallel lines (Ph. Eur. 5.3 §3.2)"
    FOUR_PL = "four_pl", "Four-parameter logistic (USP <1034>, Ph. Eur. 5.3 §3.4)"


class PotencyCriteria(GmpRecord):
    """A potency method's run validity criteria (system suitability), changed in place and audited.

    Empty limits are not checked. Parallelism is always checked: the PLA's test for non-parallelism at
    5 % (Ph. Eur. 5.3 §3.2.4), or for the 4PL the equivalence margins when given (USP <1032> §4.3),
    else the F test at 5 %.
    """

    method = models.OneToOneField(Method, on_delete=models.PROTECT, related_name="potency_criteria")
    # The standard's mean response at its highest dose (system suitability: the reference responds).
    reference_low = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    reference_high = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    require_linearity = models.BooleanField(default=True)
    # Upper/lower confidence limit ratio at most this (precision of the run; USP <1033> §4).
    max_ci_ratio = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    slope_ratio_low = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    slope_ratio_high = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    asymptote_margin = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    note = models.TextField(blank=True)

    site_path: ClassVar[str | None] = None
    method_id: int

    class Meta:
        ordering = ["method_id"]

    def __str__(self) -> str:
        return f"Run validity criteria of {self.method.code}"


class PotencyRun(WorkflowRecord):
    """Assay run PR-YYYY-NNNN of a potency method at a site: draft, evaluated (valid or not), reviewed."""

    number = models.CharField(max_length=20, unique=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    method = models.ForeignKey(Method, on_delete=models.PROTECT, related_name="+")
    fit_model = models.CharField("model", max_length=20, choices=PotencyModel.choices)
    transform = models.CharField(max_length=10, default="none")
    analyst = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    run_date = models.DateField()
    reference_lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    # The critical reagent lots' numbers (unique across materials, never deleted: ADR 0014).
    reagent_lots = models.JSONField(default=list, blank=True)
    standard = models.CharField("standard label", max_length=60)
    test = models.CharField("test preparation label", max_length=60)
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    plate_file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    # [["A1", "S", "1", "0.25"], ...]: well, preparation, dose, response, as parsed from the file.
    plate = models.JSONField(default=list)
    note = models.TextField(blank=True)
    # Frozen by 'evaluate' (ADR 0027): the stats document as strings, the verdicts, the provenance.
    results = models.JSONField(default=dict, blank=True)
    valid = models.BooleanField(null=True, blank=True)

    workflow: ClassVar[Workflow] = POTENCY_RUN_WORKFLOW
    system_fields: ClassVar[frozenset[str]] = frozenset({"results", "valid"})
    signing_meanings: ClassVar[dict[str, frozenset[str]]] = {
        "reviewed": frozenset({Role.QC_ANALYST, Role.QA_REVIEWER, Role.QA_APPROVER}),
    }
    site_id: int
    method_id: int
    analyst_id: int
    reference_lot_id: int
    batch_id: int | None
    plate_file_id: int

    class Meta:
        ordering = ["-number"]
        indexes = [models.Index(fields=["batch", "status"], name="lab_potency_run_batch")]

    def __str__(self) -> str:
        return f"{self.number} {self.method.code}"

    def check_change(self, old: dict[str, Any] | None, action: str) -> None:
        """Refuse changing the plate, lots or model once the run is evaluated (its outcome is frozen)."""
        super().check_change(old, action)
        if old is not None and old.get("status") not in (None, "draft"):
            frozen = (
                "plate",
                "plate_file_id",
                "reference_lot_id",
                "reagent_lots",
                "fit_model",
                "transform",
                "standard",
            )
            changed = [f for f in frozen if f in old and old[f] != self.snapshot().get(f)]
            if changed:
                raise Conflict(f"frozen: {self.number} is evaluated; {', '.join(changed)} no longer change")


class PotencyResult(GmpRecord):
    """A batch's reportable potency PP-YYYY-NNNN: one valid reviewed run, or several combined (Ph. Eur. 5.3 §6)."""

    number = models.CharField(max_length=20, unique=True)
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="+")
    method = models.ForeignKey(Method, on_delete=models.PROTECT, related_name="+")
    runs = models.JSONField(default=list)  # the run numbers combined
    # The frozen outcome as canonical JSON text (sorted keys): a JSON column's key order is the
    # database's (PostgreSQL's jsonb sorts by length), text keeps the bytes the ledger hashed.
    results = models.TextField()
    note = models.TextField(blank=True)

    site_path: ClassVar[str | None] = "batch__site_id"
    batch_id: int
    method_id: int

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.number} potency of {self.batch}"
