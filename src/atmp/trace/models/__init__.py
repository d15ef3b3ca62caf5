"""The traceability tables, one module per area (each re-exported here for Django's loader)."""

from atmp.trace.models.banks import CellBank
from atmp.trace.models.custody import Handover, HandoverOutcome, Shipment, ShipmentLot, Stage, TemperatureLog
from atmp.trace.models.genealogy import Administration, Use
from atmp.trace.models.identities import Identity
from atmp.trace.models.labels import LabelSetup
from atmp.trace.models.lots import Lot
from atmp.trace.models.materials import Material, MaterialType
from atmp.trace.models.persons import Person, PersonKind

__all__ = [
    "Administration",
    "CellBank",
    "Handover",
    "HandoverOutcome",
    "Identity",
    "LabelSetup",
    "Lot",
    "Material",
    "MaterialType",
    "Person",
    "PersonKind",
    "Shipment",
    "ShipmentLot",
    "Stage",
    "TemperatureLog",
    "Use",
]
