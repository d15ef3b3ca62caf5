"""A room's workflow: in use, out of service (no results taken as in use), back in use, or retired."""

from __future__ import annotations

from atmp.workflow.machine import State, Transition, Workflow

ROOM_WORKFLOW = Workflow(
    states=(
        State("in_use", "In use"),
        State("out_of_service", "Out of service"),
        State("retired", "Retired", final=True),
    ),
    initial="in_use",
    transitions=(
        Transition("suspend", "Take out of service", ("in_use",), "out_of_service", permission="quality.decide"),
        Transition("reinstate", "Put back in use", ("out_of_service",), "in_use", permission="quality.decide"),
        Transition("retire", "Retire", ("in_use", "out_of_service"), "retired", permission="quality.decide"),
    ),
)
