"""Process values captured over OPC UA instead of typed (issue 14: "with their source and timestamp").

The value is read from the OPC UA server registered on a piece of equipment the step uses (never from
an address the caller gives: the server connects only where QA registered an endpoint), then recorded
as any typed value is (`batch_entries`: NOR, PAR and the deviation, the unit rule), with:

- `value` as the instrument gave it and `amount` rounded half up to the parameter's decimals;
- `observed_at` the DataValue's source timestamp (when the instrument measured it), so a reading taken
  more than 15 minutes before it is recorded is flagged late;
- `source` the node's canonical address (`opc.tcp://host:port#ns=2;s=Name`).

The unit is the node's EngineeringUnits when it reports one; a unit given as well must be the same
(`unit mismatch` otherwise); with neither, the entry is refused (`unit missing`): a number is never
taken to be in the master record's unit silently.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import User
from atmp.manufacturing import opcua
from atmp.manufacturing import units as mu
from atmp.manufacturing.models import BatchEntry, BatchStep, Equipment, MbrParameter
from atmp.manufacturing.services.batch_entries import check_step, record_value


def _endpoint(step: BatchStep, equipment: Equipment) -> str:
    """Return the OPC UA endpoint of equipment the step uses, or refuse naming `equipment`."""
    if equipment.code not in step.equipment:
        raise InvalidInput(
            "equipment", f"{equipment.code} is not used by step {step.number}: values are read from its own equipment"
        )
    if not equipment.opcua_endpoint:
        raise InvalidInput("equipment", f"{equipment.code} has no OPC UA endpoint registered; type the value")
    return equipment.opcua_endpoint


def _unit(reading: opcua.Reading, given: Any) -> str:
    """Return the unit of the reading: the node's own, the one given when it has none, never a silent guess."""
    if reading.unit and given not in (None, ""):
        try:
            same = mu.unit(reading.unit).code == mu.unit(given).code
        except mu.UnitRefused as exc:
            raise InvalidInput("unit", f"unit mismatch: {exc}") from None
        if not same:
            raise InvalidInput("unit", f"unit mismatch: {reading.source} reports {reading.unit}, not {given}")
    unit = reading.unit or (str(given) if given not in (None, "") else "")
    if not unit:
        raise InvalidInput(
            "unit", f"unit missing: {reading.source} reports no engineering unit; give the unit the node is in"
        )
    return unit


def capture_parameter(
    *,
    actor: User,
    step: BatchStep,
    parameter: MbrParameter,
    equipment: Equipment,
    node: str,
    unit: Any = None,
    convert: bool = False,
    acknowledged: bool = False,
    note: str = "",
    reason: str = "",
    credentials: opcua.Credentials | None = None,
) -> BatchEntry:
    """Read the parameter's value from the equipment's OPC UA server and record it with its source and time.

    Without credentials, those the site's file gives for the endpoint (opcua_credentials), else anonymous.
    """
    from atmp.manufacturing.opcua_credentials import credentials_for

    if parameter.step_id != step.mbr_step_id or parameter.voided:
        raise InvalidInput("parameter", f"{parameter.name!r} is not a parameter of step {step.number}")
    check_step(actor, step, correction=False)  # refused before any connection is made
    endpoint = _endpoint(step, equipment)
    reading = opcua.read(endpoint, node, credentials=credentials or credentials_for(endpoint))
    rounded = reading.value.quantize(Decimal(1).scaleb(-parameter.decimals), rounding=ROUND_HALF_UP)
    return record_value(
        actor=actor, step=step, row=parameter, value=rounded, unit=_unit(reading, unit), convert=convert,
        acknowledged=acknowledged, observed_at=reading.source_timestamp, note=note, reason=reason,
        source=reading.source, raw=f"{reading.value:f}",
    )  # fmt: skip
