"""The record page's workflow panels: status with the transitions open to the user, and links."""

from __future__ import annotations

from atmp.accounts.models import User
from atmp.accounts.roles import Role
from atmp.ledger.records import GmpRecord
from atmp.modules import Panel
from atmp.workflow import engine, links
from atmp.workflow.models import Relation, WorkflowRecord


def status_panel(user: User | None, record: GmpRecord, *, for_print: bool = False) -> Panel | None:
    """Return the status panel of a workflow record: state, assignment, due date and transitions."""
    if not isinstance(record, WorkflowRecord):
        return None
    assignee = User.objects.filter(pk=record.assignee_id).first() if record.assignee_id else None
    # In print there is nothing to do, and `atmp print` without --as has no user (atmp.modules.Panel).
    options = [] if for_print or user is None else engine.available(user, record)
    return Panel(
        title="Status",
        template="workflow/status_panel.html",
        slug="status",
        order=20,
        context={
            "state_label": record.state_label(),
            "final": record.workflow.is_final(record.status),
            "assignee": assignee,
            "assigned_role": dict(Role.choices).get(record.assigned_role, record.assigned_role),
            "due_date": record.due_date,
            "overdue": engine.is_overdue(record),
            "options": [o for o in options if o.allowed],
            "blocked": [o for o in options if not o.allowed],
            "may_assign": not for_print
            and user is not None
            and not record.voided
            and not record.workflow.is_final(record.status)
            and user.can(record.write_permission),
            "roles": [(v, label) for v, label in Role.choices if v != Role.SYSTEM_ADMIN],
            "mfa": user is not None and user.mfa_enabled,
        },
    )


def links_panel(user: User | None, record: GmpRecord, *, for_print: bool = False) -> Panel | None:
    """Return the links panel: the record's links both ways, and a form to add one."""
    shown = links.for_record(record, user=user)
    may_link = not for_print and user is not None and not record.voided and user.can("records.write")
    if not shown and not may_link:
        return None
    return Panel(
        title="Links",
        template="workflow/links_panel.html",
        slug="links",
        order=40,
        context={
            "links": shown,
            "may_link": may_link,
            "relations": Relation.choices,
            "targets": _link_targets(user, record) if may_link and user is not None else [],
        },
    )


def _link_targets(user: User, record: GmpRecord) -> list[tuple[str, str]]:
    """Return the records to suggest as a link's target: the open ones of the types modules declare."""
    from atmp.modules import installed
    from atmp.workflow.pickers import open_records

    types = [t for module in installed() for t in module.link_targets]
    return [found for t in types for found in open_records(user, t, near=record) if found[0] != record.record_key]
