"""Sites (list, create, edit with a reason, void with a reason) and user accounts (list, detail)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from atmp.accounts import services, visibility
from atmp.accounts.access import requires
from atmp.accounts.models import RoleAssignment, Site, User
from atmp.ledger import trail
from atmp.ledger.errors import LedgerError
from atmp.web import display
from atmp.web.forms import SiteEditForm, SiteForm, VoidForm
from atmp.web.pages import add_service_error
from atmp.web.views_records import load_record


def _site_page(site: Site) -> HttpResponse:
    return redirect("web:record", record_type=site.record_type(), record_id=site.pk)


@requires("records.view")
def sites(request: HttpRequest) -> HttpResponse:
    """List the sites the user may see."""
    return render(request, "web/sites.html", {"sites": services.visible_sites(request.user)})  # type: ignore[arg-type]


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
    """List the accounts the user may see, with their roles there; e-mail, MFA and lock state to administrators."""
    viewer: User = request.user  # type: ignore[assignment]  # @requires: a signed-in User
    assignments: dict[int, list[RoleAssignment]] = {}
    for a in visibility.visible_assignments(viewer).filter(voided=False).select_related("site").order_by("role"):
        assignments.setdefault(a.user_id, []).append(a)
    rows = [(u, assignments.get(u.pk, [])) for u in visibility.visible_users(viewer).order_by("username")]
    return render(request, "web/users.html", {"rows": rows, "private": viewer.can("accounts.manage")})


@requires("accounts.view")
def user(request: HttpRequest, user_id: str) -> HttpResponse:
    """Show an account: its state, its role assignments (each a GMP record) and its history."""
    viewer: User = request.user  # type: ignore[assignment]  # @requires: a signed-in User
    shown = visibility.visible_users(viewer)
    account = shown.filter(pk=int(user_id)).first() if user_id.isdigit() else None
    if account is None:
        raise Http404("no such user")
    before = request.GET.get("before", "")
    page = trail.history(services.USER_TYPE, str(account.pk), before=int(before) if before.isdigit() else None)
    context = {
        "account": account,
        "assignments": visibility.visible_assignments(viewer)
        .filter(user=account)
        .select_related("site")
        .order_by("voided", "role"),
        "private": viewer.can("accounts.manage"),
        "history": display.entry_rows(page.entries) if request.user.can("audit.view") else [],  # type: ignore[union-attr]
        "next_before": page.next_before,
        "paged": bool(before),
    }
    return render(request, "web/user.html", context)
