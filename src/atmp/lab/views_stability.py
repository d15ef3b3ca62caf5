"""The stability pages: the list, a study (protocol, pull schedule, results table, the shelf-life
estimate with its plot, and the signed report), the forms drawn from the API operations (ADR 0013) for
the study, its conditions, attributes and batches, and a pull's page (take the sample, enter results),
a Django form calling the service as the viral report page does."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse

from atmp.accounts.access import requires
from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import User
from atmp.api.errors import status_of
from atmp.lab.api import stability as api
from atmp.lab.models.stability import ConditionKind, PullState, StabilityStudy, StorageCondition
from atmp.lab.selectors.stability import STABILITY_STUDIES
from atmp.lab.selectors.viral import site_choices
from atmp.lab.services import stability as svc
from atmp.ledger.errors import LedgerError
from atmp.stats.errors import StatsInputError
from atmp.web.lists import list_page
from atmp.web.operations import OperationForm, operation_view
from atmp.web.pages import add_service_error, page
from atmp.workflow import engine

STUDY = StabilityStudy.record_type()
NEW_STUDY = OperationForm(
    title="Open a stability study",
    operation=api.add_stability_study,
    choices={"site": site_choices},
    intro="A protocol draft of a product at a site, against an approved specification of the product (its id "
    "is on the specification's page): its attributes are the ones tested at every pull.",
    submit="Open",
    back="lab:stability_studies",
)
ADD_CONDITION = OperationForm(
    title="Add a storage condition",
    operation=api.add_stability_condition,
    record_type=STUDY,
    path="study_id",
    choices={"condition": StorageCondition.choices, "kind": ConditionKind.choices},
    intro="A storage condition of ICH Q1A(R2) §2.2.7 (or a frozen one) and its time points in months, "
    "ascending, at least three. Only long-term data set the shelf life.",
    submit="Add",
    returns="record",
)
ADD_ATTRIBUTE = OperationForm(
    title="Add an attribute",
    operation=api.add_stability_attribute,
    record_type=STUDY,
    path="study_id",
    intro="An attribute of the study's specification (its position or name), and the limit its shelf life is "
    "judged against (blank: the attribute's own criterion; a 'report' attribute needs one).",
    submit="Add",
    returns="record",
)
PLACE_BATCH = OperationForm(
    title="Place a batch on study",
    operation=api.place_stability_batch,
    record_type=STUDY,
    path="study_id",
    intro="Its pulls are scheduled, one per condition and time point, due the placed-on date plus the months "
    "(the same day of the month, or the month's last day).",
    submit="Place",
    returns="record",
)


@requires("records.view")
def study_list(request: HttpRequest) -> Any:  # a page, or its CSV as a stream
    """Show the stability studies, filtered by state or site."""
    may_write = request.user.can("records.write")  # type: ignore[union-attr]
    context = {"new_url": reverse("lab:stability_new") if may_write else None}
    return list_page(request, STABILITY_STUDIES, template="lab/stability_list.html", context=context)


def chart(entry: dict[str, Any]) -> str | None:
    """Return a data: URL of the entry's shelf-life plot (atmp.stats' drawing of the entry's data), or None."""
    from atmp.stats.analyses.shelf_life import draw

    if entry.get("model") is None or not entry.get("data"):
        return None
    rows = [(str(b), int(m), float(v)) for b, m, v in entry["data"]]
    try:
        lower, upper = svc.limits_of(entry["limit"])
        result = svc.fit(rows, lower=lower, upper=upper)
    except (InvalidInput, StatsInputError):
        return None
    times = np.asarray([m for _b, m, _v in rows], dtype=np.float64)
    values = np.asarray([v for _b, _m, v in rows], dtype=np.float64)
    unit = f" ({entry['unit']})" if entry.get("unit") else ""
    svg = draw(
        result, times, values, [b for b, _m, _v in rows], time_name="Months", value_name=entry["attribute"] + unit
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _study(request: HttpRequest, record_id: int) -> StabilityStudy:
    try:
        return svc.find_study(str(record_id), user=request.user)  # type: ignore[arg-type]
    except InvalidInput:
        raise Http404("there is no such stability study") from None


@requires("records.view")
def study_page(request: HttpRequest, record_id: int) -> HttpResponse:
    """Show a study: protocol, batches, pull schedule, results, the estimate with its plots, the report."""
    user: User = request.user  # type: ignore[assignment]
    study = _study(request, record_id)
    doc = api.study_document(study)
    writes = user.can("records.write") and not study.voided
    draft = writes and study.status == "draft"
    placing = writes and study.status in ("approved", "running")
    attributes = [a["attribute"] for a in doc["attributes"]]
    pulls = [
        {**p, "values": {r["attribute"]: r for r in p["results"]}, "url": reverse("lab:stability_pull", args=[p["id"]])}
        for p in doc["pulls"]
    ]
    entries = [{**e, "chart": chart(e)} for e in doc["estimate"]["entries"]]
    signature = None
    if study.status == "reported":
        from atmp.ledger.models import Signature

        signature = (
            Signature.objects.filter(record_type=STUDY, record_id=str(study.pk), meaning="approved")
            .order_by("-pk")
            .first()
        )
    context = {
        "study": study,
        "doc": doc,
        "attributes": attributes,
        "pulls": pulls,
        "entries": entries,
        "signature": signature,
        "options": engine.available(user, study),
        "record_url": reverse("web:record", args=[STUDY, study.pk]),
        "condition_url": reverse("lab:stability_condition_new", args=[study.pk]) if draft else None,
        "attribute_url": reverse("lab:stability_attribute_new", args=[study.pk]) if draft else None,
        "place_url": reverse("lab:stability_place", args=[study.pk]) if placing else None,
    }
    return render(request, "lab/stability_study.html", context)


class PullForm(forms.Form):
    """The sample taken at a pull."""

    quantity = forms.CharField(max_length=20, initial="1")
    unit = forms.CharField(max_length=20, initial="mL")
    location = forms.CharField(max_length=200, initial="QC stability store")
    taken_at = forms.DateTimeField(
        required=False, help_text="YYYY-MM-DD HH:MM (now if empty); outside the window, a deviation is opened."
    )
    reason = forms.CharField(label="Reason", max_length=2000, required=False)


class ResultForm(forms.Form):
    """A result of the pull's sample for a protocol attribute."""

    attribute = forms.ChoiceField()
    value = forms.CharField(max_length=100)
    unit = forms.CharField(max_length=20, required=False)
    tested_on = forms.DateField(required=False, help_text="YYYY-MM-DD (today if empty).")
    reason = forms.CharField(label="Reason", max_length=2000, required=False)


class MissForm(forms.Form):
    """Why the pull was missed."""

    reason = forms.CharField(label="Why was it missed", max_length=2000)


@requires("records.view")
def pull_page(request: HttpRequest, pull_id: int) -> HttpResponse:
    """Show a pull; take its sample, enter its results or record it missed (each form calls the service)."""
    user: User = request.user  # type: ignore[assignment]
    try:
        pull = svc.find_pull(str(pull_id), user=user)
    except InvalidInput:
        raise Http404("there is no such stability pull") from None
    choices = [(a.attribute.name, a.attribute.name) for a in svc.attributes(pull.study)]
    action = request.POST.get("action") if request.method == "POST" else None
    pull_form = PullForm(request.POST if action == "pull" else None, prefix="pull")
    result_form = ResultForm(request.POST if action == "result" else None, prefix="result")
    result_form.fields["attribute"].choices = choices  # type: ignore[attr-defined]
    miss_form = MissForm(request.POST if action == "miss" else None, prefix="miss")
    status = 200
    if action:
        if not user.can("records.write"):
            raise PermissionDenied("you may not record stability pulls")
        form = {"pull": pull_form, "result": result_form, "miss": miss_form}.get(action)
        status = 400
        if form is not None and form.is_valid():
            data = form.cleaned_data
            try:
                if action == "pull":
                    svc.pull_sample(actor=user, pull=pull, **data)
                elif action == "result":
                    svc.record(
                        actor=user, pull=pull, attribute=data["attribute"], value=data["value"],
                        unit=data["unit"] or None, tested_on=data["tested_on"], reason=data["reason"],
                    )  # fmt: skip
                else:
                    svc.miss(actor=user, pull=pull, reason=data["reason"])
            except NotAllowed as exc:
                raise PermissionDenied(str(exc)) from None
            except LedgerError as exc:
                add_service_error(form, exc)
                status = status_of(exc)
            else:
                return redirect(reverse("lab:stability_pull", args=[pull.pk]))
    writes = user.can("records.write") and pull.study.status == "running"
    context = {
        "pull": pull,
        "doc": api.pull_document(pull),
        "study": pull.study,
        "pull_form": pull_form if writes and pull.state == PullState.SCHEDULED else None,
        "miss_form": miss_form if writes and pull.state == PullState.SCHEDULED else None,
        "result_form": result_form if writes and pull.state in (PullState.PULLED, PullState.TESTED) else None,
    }
    return render(request, "lab/stability_pull.html", context, status=status)


urlpatterns = [
    path("stability/", page(study_list), name="stability_studies"),
    path("stability/new/", operation_view(NEW_STUDY), name="stability_new"),
    path("stability/<int:record_id>/", page(study_page), name="stability_study"),
    path("stability/<int:record_id>/conditions/new/", operation_view(ADD_CONDITION), name="stability_condition_new"),
    path("stability/<int:record_id>/attributes/new/", operation_view(ADD_ATTRIBUTE), name="stability_attribute_new"),
    path("stability/<int:record_id>/batches/new/", operation_view(PLACE_BATCH), name="stability_place"),
    path("stability/pulls/<int:pull_id>/", page(pull_page), name="stability_pull"),
]


def for_record(user: User, record: Any) -> list[dict[str, str]]:
    """Return the record page's buttons of a study: its page (schedule, results, estimate)."""
    if not isinstance(record, StabilityStudy) or record.voided:
        return []
    return [
        {"label": "Schedule and shelf life", "url": reverse("lab:stability_study", args=[record.pk]), "kind": "button"}
    ]
