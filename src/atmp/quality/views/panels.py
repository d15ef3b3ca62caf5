"""Record-page panels of the quality records that have parts: a CAPA's actions, a recall's scope, …

Each part is a record of its own (with its page, history and signatures); the panel lists them on
the page of the record they belong to, with a link to each. A table of more than STACK_FROM
columns is drawn to stack: where its panel is narrow (a third of a laptop's page, a tablet, a
phone) each row becomes a block of values under their columns' names instead of scrolling sideways
(atmp.css, a container query on the panel; the PDF keeps the table).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse

from atmp.accounts.models import User
from atmp.modules import Panel

PANEL_ORDER = 30  # after the status panel (20), before links and files
STACK_FROM = 5  # columns: a table this wide stacks its rows in a narrow panel


@dataclass(frozen=True)
class Parts:
    """A table of one relation's records: its heading, the relation and the columns (attribute, label).

    texts: the columns of long text, which take a stacked row's whole width.
    """

    title: str
    relation: str
    columns: tuple[tuple[str, str], ...]
    texts: tuple[str, ...] = ()


WORKFLOW = (("state_label", "Status"), ("assignee", "Owner"), ("due_date", "Due"))

# record type -> (panel title, the tables)
DECLARED: dict[str, tuple[str, tuple[Parts, ...]]] = {
    "quality.capa": ("Actions", (Parts("Actions", "actions", (("description", "Action"), *WORKFLOW)),)),
    "quality.changecontrol": (
        "Implementation tasks",
        (
            Parts(
                "Tasks", "tasks", (("title", "Task"), ("owner", "Owner"), ("due_date", "Due"), ("done_on", "Done on"))
            ),
        ),
    ),
    "quality.document": (
        "Versions and training",
        (
            Parts(
                "Versions",
                "versions",
                (("label", "Version"), ("effective_date", "Effective"), ("state_label", "Status")),
            ),
            Parts(
                "Training requirements",
                "requirements",
                (("role", "Role"), ("user", "Person"), ("grace_days", "Grace days")),
            ),
        ),
    ),
    "quality.documentversion": (
        "Read and understood",
        (Parts("Training records", "training_records", (("user", "Person"), ("signed_at", "Signed (UTC)"))),),
    ),
    "quality.recall": (
        "Scope and recipients",
        (
            Parts(
                "Scope",
                "scope",
                (
                    ("record", "Batch or lot"),
                    ("description", "Description"),
                    ("quantity_distributed", "Distributed"),
                    ("quantity_returned", "Returned"),
                    ("quantity_destroyed", "Destroyed"),
                    ("quantity_administered", "Administered"),
                ),
                texts=("description",),
            ),
            Parts(
                "Consignees and patients",
                "recipients",
                (("reference", "Reference"), ("kind", "Kind"), ("notified_at", "Notified (UTC)")),
            ),
        ),
    ),
    "quality.selfinspection": (
        "Findings",
        (Parts("Findings", "findings", (("classification", "Class"), ("description", "Finding"))),),
    ),
    "quality.supplier": (
        "Approvals, agreements and audits",
        (
            Parts(
                "Approvals",
                "approvals",
                (
                    ("kind", "Kind"),
                    ("scope", "Material or service"),
                    ("valid_until", "Valid until"),
                    ("state_label", "Status"),
                ),
            ),
            Parts(
                "Quality agreements",
                "agreements",
                (("number", "Number"), ("title", "Title"), ("expiry_date", "Expires"), ("state_label", "Status")),
            ),
            Parts(
                "Audits",
                "audits",
                (("number", "Number"), ("audit_date", "Date"), ("outcome", "Outcome"), ("state_label", "Status")),
            ),
        ),
    ),
    "quality.supplieraudit": (
        "Findings",
        (Parts("Findings", "findings", (("classification", "Class"), ("description", "Finding"))),),
    ),
    "quality.riskassessment": (
        "FMEA worksheet",
        (
            Parts(
                "Failure modes",
                "rows",
                (
                    ("position", "#"),
                    ("failure_mode", "Failure mode"),
                    ("severity", "S"),
                    ("occurrence", "O"),
                    ("detectability", "D"),
                    ("rpn", "RPN"),
                    ("risk_class", "Class"),
                    ("residual_rpn", "Residual RPN"),
                ),
                texts=("failure_mode",),
            ),
        ),
    ),
}


def _cell(row: Any, attribute: str) -> Any:
    display = getattr(row, f"get_{attribute}_display", None)
    value = display() if callable(display) else getattr(row, attribute, None)
    value = value() if callable(value) else value
    if isinstance(value, User):
        return value.username
    return "—" if value in (None, "") else value


def _is_relation(model: Any, attribute: str) -> bool:
    try:
        return bool(model._meta.get_field(attribute).is_relation)
    except FieldDoesNotExist:  # a method or property of the row, not a field
        return False


def parts(user: User | None, record: Any, *, for_print: bool = False) -> Panel | None:
    """Return the panel listing the record's parts, or None for a record that has none declared."""
    declared = DECLARED.get(record.record_type())
    if declared is None:
        return None
    title, tables = declared
    shown = []
    for table in tables:
        rows = getattr(record, table.relation).all()
        # The people the columns name, in the same query (not one query a row).
        people = [a for a, _ in table.columns if _is_relation(rows.model, a)]
        rows = rows.select_related(*people).order_by("pk")
        shown.append(
            {
                "title": table.title,
                "slug": table.relation,
                "headers": [label for _, label in table.columns],
                "stack": len(table.columns) >= STACK_FROM,
                "rows": [
                    {
                        "url": reverse("web:record", args=[row.record_type(), row.pk]),
                        "cells": [
                            {"value": _cell(row, attribute), "label": label, "text": attribute in table.texts}
                            for attribute, label in table.columns
                        ],
                    }
                    for row in rows
                ],
            }
        )
    return Panel(title, "quality/panels/parts.html", {"tables": shown}, order=PANEL_ORDER, slug="parts")
