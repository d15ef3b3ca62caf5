"""What the quality areas' pages share: list columns and filters of workflow records, record actions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from atmp.accounts.models import User
from atmp.accounts.visibility import visible_records, visible_sites
from atmp.lists import ChoiceFilter, Column, DateRangeFilter, ListSpec, UserFilter, VoidedFilter
from atmp.web.lists import list_page
from atmp.web.operations import OperationForm, operation_view
from atmp.web.pages import page
from atmp.workflow.machine import Workflow

# A field that holds a CAPA's key (atmp.api.schemas.refers_to) is drawn with the open CAPAs to pick.
CAPA_HELP = "Pick one of the site's open CAPAs from the list (Down arrow), or type any CAPA's key, e.g. quality.capa:7."


def record_url(row: Any) -> str:
    """Return the record page of a row."""
    return reverse("web:record", args=[row.record_type(), row.pk])


def status_badge(row: Any) -> str:
    """Return the row's workflow state as a badge, after a "voided" one on a voided record."""
    state = format_html('<span class="badge status-{}">{}</span>', row.status, row.state_label())
    return format_html("{} {}", voided_badge(row), state) if row.voided else state


VOIDED_BADGE = mark_safe('<span class="badge voided" data-testid="voided">voided</span>')


def voided_badge(row: Any) -> str:
    """Return a "voided" badge for a voided record (shown when the list is asked for them), else nothing."""
    return VOIDED_BADGE if row.voided else ""


def status_text(row: Any) -> str:
    """Return the row's workflow state as the CSV and the API have it, "(voided)" after it on a voided record."""
    return f"{row.state_label()} (voided)" if row.voided else row.state_label()


def number_text(row: Any) -> str:
    """Return the row's number as the CSV has it, "(voided)" after it on a voided record (lists without a state)."""
    return f"{row.number} (voided)" if row.voided else row.number


def marked_number(row: Any) -> str:
    """Return the row's number linked to its page, with a "voided" badge on a voided record (lists without a state)."""
    link = format_html('<a href="{}">{}</a>', record_url(row), row.number)
    return format_html("{} {}", link, voided_badge(row)) if row.voided else link


def overdue_badge(row: Any) -> str:
    """Return the due date, marked when it has passed on an unfinished record."""
    from atmp.workflow import engine

    if row.due_date is None:
        return "—"
    if engine.is_overdue(row):
        return format_html('<span class="badge overdue" title="overdue">{}</span>', row.due_date)
    return str(row.due_date)


def visible(model: type[Any], *related: str) -> Callable[[User], QuerySet[Any]]:
    """Return the list's selector: the model's rows of the viewer's sites, voided ones too (VOIDED hides them)."""

    def rows(viewer: User) -> QuerySet[Any]:
        return visible_records(viewer, model.objects.select_related(*related))

    return rows


def site_choices(viewer: User) -> list[tuple[str, str]]:
    """Return (code, name) of the sites the viewer may see, for a select."""
    return [(s.code, f"{s.code}: {s.name}") for s in visible_sites(viewer).filter(voided=False).order_by("code")]


def workflow_columns() -> tuple[Column, ...]:
    """Return the columns every workflow record's list ends with: state, owner, due date."""
    return (
        Column("status", "Status", value=status_text, sort="status", html=status_badge),
        Column("assignee", "Assigned to", value=lambda r: r.assignee.username if r.assignee_id else r.assigned_role),
        Column("due", "Due", value="due_date", sort="due_date", html=overdue_badge),
    )


def workflow_filters(workflow: Workflow) -> tuple[Any, ...]:
    """Return the filters every workflow record's list has: state, site, assignee, due date, voided records."""
    return (
        ChoiceFilter("status", "Status", lookup="status", choices=[(s.name, s.label) for s in workflow.states]),
        ChoiceFilter("site", "Site", lookup="site__code", choices=site_choices),
        UserFilter("assignee", "Assigned to", lookup="assignee"),
        DateRangeFilter("due", "Due", lookup="due_date"),
        VOIDED,
    )


# Every quality list has it (a contract test checks): voided records hidden, `voided=true` shows them, marked.
VOIDED = VoidedFilter()


@dataclass(frozen=True)
class RecordAction:
    """A write offered on a record's page: a label and the operation page it opens."""

    label: str
    name: str  # the URL name in the quality namespace
    form: OperationForm
    when: Callable[[Any], bool] | None = None  # shown only when this holds for the record
    # The page's address for the record, when it is not the action's own URL with the record's id
    # (e.g. a new CAPA's form, prefilled with the deviation as its source).
    url: Callable[[Any], str] | None = None

    def address(self, record: Any) -> str:
        """Return the URL the button opens for this record."""
        return self.url(record) if self.url is not None else reverse(f"quality:{self.name}", args=[record.pk])

    def offered(self, user: User, record: Any) -> bool:
        """Return True when the page shows this action to the user."""
        if record.voided or not self.form.may(user):
            return False
        return self.when(record) if self.when is not None else not _finished(record)


def _finished(record: Any) -> bool:
    """Return True for a workflow record in a final state (a record without a workflow never finishes)."""
    from atmp.workflow.models import WorkflowRecord

    return isinstance(record, WorkflowRecord) and record.workflow.is_final(record.status)


def list_view(spec: ListSpec, *, new: str = "", template: str = "quality/list.html") -> Any:
    """Return the page view of a quality list, with a link to make a new record when `new` is a URL name."""
    from atmp.accounts.access import requires

    @requires("records.view")
    def view(request: Any) -> Any:
        return list_page(request, spec, template=template, context={"new_url": reverse(new) if new else None})

    view.__name__ = view.__qualname__ = f"{spec.name}_list"
    view.__doc__ = f"Show the list of {spec.title.lower()}."
    return page(view)


def operation_path(route: str, form: OperationForm, name: str) -> Any:
    """Return the URL pattern of an operation page."""
    return path(route, operation_view(form), name=name)


def actions_of(user: User, record: Any, declared: Sequence[RecordAction]) -> list[dict[str, str]]:
    """Return the record page's buttons for the declared actions this user may take on this record."""
    return [{"label": a.label, "url": a.address(record), "kind": "button"} for a in declared if a.offered(user, record)]
