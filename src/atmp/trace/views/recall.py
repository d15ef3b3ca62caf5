"""The recall page: what recalling a lot, donor or patient reaches, and the one action that recalls it.

The impact is the selector the API and `atmp trace recall` answer from; the action is the API's own
operation (POST /api/v1/trace/recall/{root}, ADR 0013), drawn as a form on this page and posted to
/trace/recall/<root>/open/, which runs it with its permission (quality.decide) and its refusals.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from atmp.accounts.access import requires
from atmp.accounts.models import User
from atmp.ledger.errors import LedgerError, NotFound
from atmp.quality.models.recalls import RecallClass
from atmp.trace.api.recall import open_recall
from atmp.trace.selectors import recall as selectors
from atmp.trace.selectors.lookups import root_named
from atmp.trace.services.recalls import open_recall_of
from atmp.web.operations import OperationForm, build_form, operation_view

OPEN = OperationForm(
    title="Open the recall",
    operation=open_recall,
    fields=("classification", "mock", "reason"),
    choices={"classification": RecallClass.choices},
    labels={"mock": "Mock recall (exercises the procedure)", "reason": "Why the product is recalled"},
    submit="Open the recall and recall every lot",
    intro=(
        "Opens a recall of the quality module with every affected lot in its scope and every patient "
        "(by COI) and consignee to reach, and moves every affected lot to recalled (one in quarantine to "
        "rejected): from then on it is never used, administered nor shipped. One audited change."
    ),
    back="trace:recall",
)
open_page = operation_view(OPEN)


class RootForm(forms.Form):
    """The lot number or COI to recall from."""

    root = forms.CharField(
        label="Lot number or COI",
        max_length=60,
        help_text="A lot (a reagent, a batch, a product) or a donor's or patient's COI.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


def _impact_context(user: User, root: str) -> dict[str, Any]:
    """Return the page's impact, the open recall already concerning the root, and the action's form."""
    found_root = root_named(root, user)
    found, elapsed = selectors.timed(found_root)
    visible = found.visible_to(user.site_ids())
    return {
        "impact": visible,
        "hidden": len(found.lots) - len(visible.lots),
        "elapsed_ms": elapsed,
        "already": open_recall_of(found_root),
        "open_form": build_form(OPEN, user) if OPEN.may(user) else None,
        "open_url": reverse("trace:recall-open", args=[found.root]),
        "rows": [(x, reverse("web:record", args=["trace.lot", x.facts.id])) for x in visible.lots],
    }


@requires("records.view")
def recall(request: HttpRequest) -> HttpResponse:
    """Show what recalling a lot or person reaches: each lot and where its units are, the patients, the consignees."""
    user: User = request.user  # type: ignore[assignment]
    form = RootForm(request.GET if "root" in request.GET else None)
    context: dict[str, Any] = {"form": form, "impact": None, "error": ""}
    status = 200
    if form.is_bound and form.is_valid():
        try:
            context |= _impact_context(user, form.cleaned_data["root"])
        except NotFound as exc:
            context["error"], status = str(exc), 404
        except LedgerError as exc:
            context["error"], status = str(exc), 400
    elif form.is_bound:
        status = 400
    return render(request, "trace/recall.html", context, status=status)
