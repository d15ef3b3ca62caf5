"""The kernel's lists, declared once (atmp.lists): sites and user accounts, as each viewer may see them."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from atmp.accounts import visibility
from atmp.accounts.models import RoleAssignment
from atmp.accounts.roles import Role
from atmp.lists import ChoiceFilter, Column, DateRangeFilter, ListSpec, TextFilter, UserFilter
from atmp.web import display


def _record_url(row: Any) -> str:
    return reverse("web:record", args=[row.record_type(), row.pk])


def _status_badge(site: Any) -> str:
    if site.voided:
        return mark_safe('<span class="badge voided">voided</span>')
    return format_html('<span class="badge status-{}">{}</span>', site.status, site.status)


def _site_state(rows: QuerySet[Any], value: str, viewer: Any) -> QuerySet[Any]:
    return rows.filter(voided=value == "voided")


SITES = ListSpec(
    name="sites",
    title="Sites",
    rows=visibility.visible_sites,
    default_sort="code",
    columns=(
        Column("code", "Code", sort="code", link=_record_url),
        Column("name", "Name", sort="name"),
        Column("timezone", "Time zone", sort="timezone"),
        Column("address", "Address", html=lambda s: linebreaksbr(s.address or "—", autoescape=True)),
        Column("version", "Version", value=lambda s: f"v{s.version}", sort="version"),
        Column("status", "Status", value=lambda s: "voided" if s.voided else s.status, html=_status_badge),
        Column("created", "Created (UTC)", value="created_at", sort="created_at"),
    ),
    filters=(
        TextFilter("q", "Code, name or address", fields=("code", "name", "address")),
        ChoiceFilter("state", "State", choices=(("active", "in use"), ("voided", "voided")), narrow=_site_state),
        DateRangeFilter("created", "Created", lookup="created_at"),
        UserFilter("created_by", "Created by", lookup="created_by"),
    ),
)


def _private(viewer: Any) -> bool:
    """Return True for a viewer who may see accounts' private fields (MFA, sign-ins, lockouts)."""
    return bool(viewer.can("accounts.manage"))


def _attach_roles(viewer: Any, users: list[Any]) -> None:
    """Fetch, in one query, the role assignments of the page's users that the viewer may see."""
    shown: dict[int, list[RoleAssignment]] = {u.pk: [] for u in users}
    rows = visibility.visible_assignments(viewer).filter(voided=False, user_id__in=list(shown))
    for a in rows.select_related("site").order_by("role"):
        shown[a.user_id].append(a)
    private = _private(viewer)
    for u in users:
        u.shown_assignments = shown[u.pk]
        u.shown_private = private


def _role_text(a: RoleAssignment) -> str:
    where = a.site.code if a.site else "all sites"
    return f"{a.get_role_display()} · {where}" + (" · awaiting approval" if a.status == RoleAssignment.PENDING else "")


def _roles_html(u: Any) -> str:
    if not u.shown_assignments:
        return mark_safe('<span class="muted">none</span>')
    return format_html_join(
        " ",
        '<a class="badge role" href="{}">{}</a>',
        ((_record_url(a), _role_text(a)) for a in u.shown_assignments),
    )


def _state(u: Any) -> str:
    if not u.is_active:
        return "disabled"
    if u.shown_private and u.locked_until:
        return f"locked until {display.utc(u.locked_until)}"
    return "active"


def _state_html(u: Any) -> str:
    state = _state(u)
    if state == "disabled":
        return mark_safe('<span class="badge voided">disabled</span>')
    if state != "active":
        return format_html('<span class="muted" data-testid="locked">{}</span>', state)
    return "active"


def _mfa_html(u: Any) -> str:
    if u.mfa_enabled:
        return mark_safe('<span class="badge current">on</span>')
    return mark_safe('<span class="muted">off</span>')


def _with_role(rows: QuerySet[Any], value: str, viewer: Any) -> QuerySet[Any]:
    # Only the assignments the viewer sees: a role held at another site must not show through.
    holders = visibility.visible_assignments(viewer).filter(voided=False, role=value).values("user_id")
    return rows.filter(pk__in=holders)


def _account_state(rows: QuerySet[Any], value: str, viewer: Any) -> QuerySet[Any]:
    return rows.filter(is_active=value == "active")


USERS = ListSpec(
    name="users",
    title="Users",
    rows=visibility.visible_users,
    default_sort="username",
    prepare=_attach_roles,
    columns=(
        Column("username", "Username", sort="username", link=lambda u: reverse("web:user", args=[u.pk])),
        Column("full_name", "Printed name", sort="full_name"),
        Column(
            "roles",
            "Roles (site)",
            value=lambda u: [_role_text(a) for a in u.shown_assignments],
            html=_roles_html,
        ),
        Column("mfa", "MFA", value="mfa_enabled", html=_mfa_html, shown=_private),
        Column("state", "State", value=_state, html=_state_html),
        Column("last_login", "Last sign-in (UTC)", sort="last_login", shown=_private),
    ),
    filters=(
        TextFilter("q", "Username or name", fields=("username", "full_name")),
        ChoiceFilter("role", "Role", choices=tuple((r.value, r.label) for r in Role), narrow=_with_role),
        ChoiceFilter("state", "State", choices=(("active", "active"), ("disabled", "disabled")), narrow=_account_state),
    ),
)
