"""Workflows, links, assignments and due dates: what every domain module's records share.

The public API (docs/workflow.md):
    Workflow, State, Transition         declare a record type's machine (atmp.workflow.machine)
    WorkflowRecord                      the model base of records that have one (atmp.workflow.models)
    transition(actor, record, name, *, reason, password=None, otp=None, version=None)
    available(actor, record)            what the user may do now, and why not the rest
    assign(actor, record, *, reason, assignee=None, role="", due_date=None)
    link(actor=, source=, target=, relation=, reason=) and links.for_record(record)
Imports stay lazy here so that Django can load the app before its models are ready.
"""

from __future__ import annotations

from typing import Any

from atmp.workflow.machine import State, Transition, Workflow

__all__ = ["State", "Transition", "Workflow", "assign", "available", "link", "transition"]


def transition(*args: Any, **kwargs: Any) -> Any:
    """Take a transition (atmp.workflow.engine.transition)."""
    from atmp.workflow import engine

    return engine.transition(*args, **kwargs)


def available(*args: Any, **kwargs: Any) -> Any:
    """List the transitions a user may take now (atmp.workflow.engine.available)."""
    from atmp.workflow import engine

    return engine.available(*args, **kwargs)


def assign(*args: Any, **kwargs: Any) -> Any:
    """Assign a record to a person or role with a due date (atmp.workflow.engine.assign)."""
    from atmp.workflow import engine

    return engine.assign(*args, **kwargs)


def link(*args: Any, **kwargs: Any) -> Any:
    """Link two records (atmp.workflow.links.link)."""
    from atmp.workflow import links

    return links.link(*args, **kwargs)
