"""The manufacturing tables, one module per area (each re-exported here for Django's loader)."""

from atmp.manufacturing.models.batch_pdfs import BatchPdf, PdfState
from atmp.manufacturing.models.batches import Batch, BatchEntry, BatchStep, EntryFlag, StepProgress
from atmp.manufacturing.models.batches import EntryKind as BatchEntryKind
from atmp.manufacturing.models.equipment import CleanStatus, EntryKind, Equipment, LogbookEntry, Outcome
from atmp.manufacturing.models.mbr import (
    MasterBatchRecord,
    MbrControl,
    MbrMaterial,
    MbrParameter,
    MbrStep,
    MbrStepSop,
)
from atmp.manufacturing.models.products import AtmpClass, GmoClass, Origin, ProcessVersion, Product, VectorType
from atmp.manufacturing.models.rooms import CleaningKind, LineClearance, RoomCleaning, RoomUse

__all__ = [
    "AtmpClass",
    "Batch",
    "BatchEntry",
    "BatchEntryKind",
    "BatchPdf",
    "BatchStep",
    "CleanStatus",
    "CleaningKind",
    "EntryFlag",
    "EntryKind",
    "Equipment",
    "GmoClass",
    "LineClearance",
    "LogbookEntry",
    "MasterBatchRecord",
    "MbrControl",
    "MbrMaterial",
    "MbrParameter",
    "MbrStep",
    "MbrStepSop",
    "Origin",
    "Outcome",
    "PdfState",
    "ProcessVersion",
    "Product",
    "RoomCleaning",
    "RoomUse",
    "StepProgress",
    "VectorType",
]
