"""Sites (list, create, edit with a reason, void with a reason), user accounts (list, detail, recovery,
role approvals) and your own account (API tokens)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout as end_session
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from atmp.accounts import approvals, auth, services, visibility
from atmp.accounts.access import public, requires
from atmp.accounts.models import RoleAssignment, Site, User
from atmp.ledger import trail
from atmp.ledger.errors import LedgerError
from atmp.web import display
from atmp.web.forms import SiteEditForm, SiteForm, VoidForm
from atmp.web.forms_accounts import ApproveForm, ReasonForm, ResetPasswordForm, TokenForm
from atmp.web.lists import list_page
from atmp.web.lists_accounts import SITES, USERS
from atmp.web.pages import add_service_error, message_of, signed_in
from atmp.web.views_records import load_record


def _site_page(site: Site) -> HttpResponse:
    return redirect("web:record", record_type=site.record_type(), record_id=site.pk)


@requires("records.view")
def sites(request: HttpRequest) -> HttpResponse:
    """List the sites the user may see: filtered, sorted, paged, or as CSV."""
    return list_page(request, SITES, template="web/sites.html", context={"empty_text": "No sites you may see."})


@requires("sites.manage")
def site_create(request: HttpRequest) -> HttpResponse:
    """Create a site."""
    form = SiteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            site = services.create_site(actor=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except LedgerError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Site {site.code} created.")
            return _site_page(site)
    return render(request, "web/site_form.html", {"form": form, "title": "New site"})


@requires("sites.manage")
def site_edit(request: HttpRequest, site_id: str) -> HttpResponse:
    """Change a site's name, time zone or address, with a reason."""
    site: Site = load_record(request, Site.record_type(), site_id)  # type: ignore[assignment]
    if site.voided:
        messages.error(request, f"{site.code} is voided: a voided record cannot be changed.")
        return _site_page(site)
    initial = {"name": site.name, "timezone": site.timezone, "address": site.address, "version": site.version}
    form = SiteEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reason, version = data.pop("reason"), data.pop("version")
        changed = {k: v for k, v in data.items() if v != getattr(site, k)}
        if not changed:
            form.add_error(None, "nothing changed: change a field, or cancel")
        else:
            # The version the user edited: the ledger refuses the save if someone changed it since.
            site.version = version
            try:
                services.update_site(actor=request.user, site=site, reason=reason, **changed)  # type: ignore[arg-type]
            except LedgerError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, f"Site {site.code} changed (version {site.version}).")
                return _site_page(site)
    return render(request, "web/site_form.html", {"form": form, "title": f"Edit site {site.code}", "site": site})


@requires("sites.manage")
def site_void(request: HttpRequest, site_id: str) -> HttpResponse:
    """Void a site with a reason; it stays, marked void, with its history."""
    site: Site = load_record(request, Site.record_type(), site_id)  # type: ignore[assignment]
    form = VoidForm(request.POST or None, initial={"version": site.version})
    if request.method == "POST" and form.is_valid():
        site.version = form.cleaned_data["version"]
        try:
            services.void_site(actor=request.user, site=site, reason=form.cleaned_data["reason"])  # type: ignore[arg-type]
        except LedgerError as exc:
            add_service_error(form, exc, aliases={"site": "reason"})
        else:
            messages.success(request, f"Site {site.code} voided.")
            return _site_page(site)
    return render(request, "web/site_void.html", {"form": form, "site": site})


@requires("accounts.view")
def users(request: HttpRequest) -> HttpResponse:
    """List the accounts the user may see, with their roles there (filtered, sorted, paged, or as CSV);
    show an approver what awaits them."""
    viewer: User = request.user  # type: ignore[assignment]  # @requires: a signed-in User
    awaiting = [a for a in services.pending_assignments() if approvals.can_decide(viewer, a)]
    return list_page(request, USERS, template="web/users.html", context={"awaiting": awaiting})


@requires("accounts.view")
def user(request: HttpRequest, user_id: str) -> HttpResponse:
    """Show an account the user may see: its state, its role assignments (GMP records), history and actions."""
    me: User = request.user  # type: ignore[assignment]  # @requires: a signed-in User
    account = _account(user_id, viewer=me)
    before = request.GET.get("before", "")
    page = trail.history(services.USER_TYPE, str(account.pk), before=int(before) if before.isdecimal() else None)
    assignments = list(
        visibility.visible_assignments(me).filter(user=account).select_related("site").order_by("voided", "role")
    )
    context = {
        "account": account,
        "assignments": assignments,
        "decidable": {a.pk for a in assignments if approvals.can_decide(me, a)},
        "approve_form": ApproveForm(mfa=me.mfa_enabled),
        "reject_form": ReasonForm(),
        "actions": _recovery_actions(me, account),
        "locked": auth.is_locked(account),
        "private": me.can("accounts.manage"),
        "history": display.entry_rows(page.entries) if me.can("audit.view") else [],
        "next_before": page.next_before,
        "paged": bool(before),
    }
    return render(request, "web/user.html", context)


def _account(user_id: str, *, viewer: User) -> User:
    shown = visibility.visible_users(viewer)
    account = shown.filter(pk=int(user_id)).first() if user_id.isdecimal() else None
    if account is None:
        raise Http404("no such user")
    return account


# An administrator's recovery actions: (label, the service, whether it applies now). Each needs a reason.
RECOVERY: dict[str, tuple[str, Callable[..., Any], Callable[[User], bool]]] = {
    "unlock": ("Unlock", services.unlock_user, lambda u: auth.is_locked(u) or u.failed_logins > 0),
    "disable": ("Disable", services.disable_user, lambda u: u.is_active),
    "enable": ("Re-enable", services.enable_user, lambda u: not u.is_active),
    "reset-password": ("Reset password", services.reset_password, lambda u: True),
    "reset-mfa": ("Reset MFA", auth.disable_mfa, lambda u: u.mfa_enabled),
}


def _recovery_actions(me: User, account: User) -> list[dict[str, Any]]:
    """Return the recovery forms the page offers: to an administrator, for someone else's account."""
    if not me.can("accounts.manage") or me.pk == account.pk:
        return []
    return [
        {"name": name, "label": label, "form": ResetPasswordForm(prefix=name) if name == "reset-password"
         else ReasonForm(prefix=name)}
        for name, (label, _service, applies) in RECOVERY.items()
        if applies(account)
    ]  # fmt: skip


@requires("accounts.manage")
@require_POST
def user_action(request: HttpRequest, user_id: str, action: str) -> HttpResponse:
    """Run one recovery action on an account, with a reason (unlock, disable, re-enable, reset password or MFA)."""
    account = _account(user_id, viewer=request.user)  # type: ignore[arg-type]  # @requires: a signed-in User
    if action not in RECOVERY:
        raise Http404("no such action")
    label, service, _applies = RECOVERY[action]
    form = (ResetPasswordForm if action == "reset-password" else ReasonForm)(request.POST, prefix=action)
    if not form.is_valid():
        errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        messages.error(request, f"{label}: {errors}")
        return redirect("web:user", user_id=account.pk)
    try:
        service(actor=request.user, user=account, **form.cleaned_data)
    except LedgerError as exc:
        messages.error(request, f"{label}: {message_of(exc)}")
    else:
        messages.success(request, f"{label}: done for {account.username}, recorded with your reason.")
    return redirect("web:user", user_id=account.pk)


@requires("records.sign")
@require_POST
def decide_role(request: HttpRequest, user_id: str, assignment_id: str, decision: str) -> HttpResponse:
    """Approve (with a signature) or reject (with a reason) a pending role assignment."""
    account = _account(user_id, viewer=request.user)  # type: ignore[arg-type]  # @requires: a signed-in User
    assignment = RoleAssignment.objects.filter(pk=int(assignment_id) if assignment_id.isdecimal() else 0, user=account)
    found = assignment.select_related("user", "site").first()
    if found is None or decision not in ("approve", "reject"):
        raise Http404("no such role assignment")
    me: User = request.user  # type: ignore[assignment]
    try:
        if decision == "approve":
            form: Any = ApproveForm(request.POST, mfa=me.mfa_enabled)
            if form.is_valid():
                approvals.approve_role_assignment(
                    actor=me, assignment=found, password=form.cleaned_data["password"],
                    otp=form.cleaned_data.get("otp"), reason=form.cleaned_data["reason"],
                )  # fmt: skip
        else:
            form = ReasonForm(request.POST)
            if form.is_valid():
                approvals.reject_role_assignment(actor=me, assignment=found, reason=form.cleaned_data["reason"])
    except LedgerError as exc:
        messages.error(request, f"{found.get_role_display()} for {account.username}: {message_of(exc)}")
        if not me.is_active or auth.is_locked(me):
            end_session(request)
            return redirect("web:login")
    else:
        if form.is_valid():
            done = "approved: it is in force" if decision == "approve" else "rejected"
            messages.success(request, f"{found.get_role_display()} for {account.username} {done}.")
        else:
            errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
            messages.error(request, f"{decision}: {errors}")
    return redirect("web:user", user_id=account.pk)


# --- your own account: API tokens ---------------------------------------------------------------


@public
@never_cache
def account(request: HttpRequest) -> HttpResponse:
    """Show your account: password, MFA and your API tokens; create one (password again) or revoke one."""
    signed_in(request)
    me: User = request.user  # type: ignore[assignment]
    form = TokenForm(request.POST or None, mfa=me.mfa_enabled)
    created = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = auth.issue_token(
                actor=me, user=me, name=data["name"], scope=data["scope"], days=data["days"],
                password=data["password"], otp=data.get("otp"),
            )  # fmt: skip
        except LedgerError as exc:
            if not me.is_active or auth.is_locked(me):
                end_session(request)
                return redirect("web:login")
            add_service_error(form, exc)
        else:
            form = TokenForm(mfa=me.mfa_enabled)
    tokens = [(t, auth.token_state(t)) for t in me.api_tokens.order_by("-created_at", "-pk")]
    # The new token is in this response only (never stored, never in a redirect's session).
    context = {"form": form, "tokens": tokens, "created": created, "max_days": auth.TOKEN_MAX_DAYS}
    return render(request, "web/account.html", context)


@public
@require_POST
def revoke_token(request: HttpRequest, token_id: str) -> HttpResponse:
    """Revoke one of your API tokens."""
    signed_in(request)
    me: User = request.user  # type: ignore[assignment]
    try:
        token = auth.find_token(me, token_id)
        auth.revoke_token(actor=me, token=token, reason=request.POST.get("reason", "")[:1000])
    except LedgerError as exc:
        messages.error(request, message_of(exc))
    else:
        messages.success(request, f"Token {token.prefix}… ({token.name}) revoked.")
    return redirect("web:account")
