"""The QC laboratory's tables (one file per area, re-exported here)."""

from atmp.lab.models.disposition import BatchDisposition, LateResultAlert
from atmp.lab.models.methods import Method, MethodType, MethodValidation, Phase, ValidationStatus
from atmp.lab.models.potency import PotencyCriteria, PotencyModel, PotencyResult, PotencyRun
from atmp.lab.models.results import (
    OosConclusion,
    OosInvestigation,
    Result,
    Sample,
    SampleCustody,
    SamplePurpose,
    SampleStatus,
)
from atmp.lab.models.specifications import (
    AttributeKind,
    BatchSpecification,
    ProductPhase,
    Specification,
    SpecificationAttribute,
)
from atmp.lab.models.stability import (
    ConditionKind,
    PullState,
    StabilityAttribute,
    StabilityBatch,
    StabilityCondition,
    StabilityPull,
    StabilityStudy,
    StorageCondition,
)
from atmp.lab.models.viral import Mechanism, TitreUnit, ViralClearanceStep, ViralClearanceStudy

__all__ = [
    "AttributeKind",
    "BatchDisposition",
    "BatchSpecification",
    "ConditionKind",
    "LateResultAlert",
    "Mechanism",
    "Method",
    "MethodType",
    "MethodValidation",
    "OosConclusion",
    "OosInvestigation",
    "Phase",
    "PotencyCriteria",
    "PotencyModel",
    "PotencyResult",
    "PotencyRun",
    "ProductPhase",
    "PullState",
    "Result",
    "Sample",
    "SampleCustody",
    "SamplePurpose",
    "SampleStatus",
    "Specification",
    "SpecificationAttribute",
    "StabilityAttribute",
    "StabilityBatch",
    "StabilityCondition",
    "StabilityPull",
    "StabilityStudy",
    "StorageCondition",
    "TitreUnit",
    "ValidationStatus",
    "ViralClearanceStep",
    "ViralClearanceStudy",
]
