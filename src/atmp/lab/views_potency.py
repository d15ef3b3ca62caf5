"""The potency pages: the run list, a run (plate grid, fitted lines or curves, ANOVA, validity verdicts,
potency with its limits) and the new-run form with the plate CSV upload (a file, so a Django form calling
the service, as the viral report upload does)."""

from __future__ import annotations

import base64
import math
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse

from atmp.accounts import services as accounts
from atmp.accounts.access import requires
from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import User
from atmp.api.errors import status_of
from atmp.lab.api.potency import run_document
from atmp.lab.models import PotencyModel, PotencyRun
from atmp.lab.selectors.potency import POTENCY_RUNS
from atmp.lab.services import potency as svc
from atmp.ledger.errors import LedgerError
from atmp.web.lists import list_page
from atmp.web.pages import add_service_error, page
from atmp.workflow import engine

ROWS = "ABCDEFGH"


@requires("records.view")
def run_list(request: HttpRequest) -> Any:  # a page, or its CSV as a stream
    """Show the potency runs, filtered by state or site."""
    may_write = request.user.can("records.write")  # type: ignore[union-attr]
    context = {"new_url": reverse("lab:potency_new") if may_write else None}
    return list_page(request, POTENCY_RUNS, template="lab/potency_list.html", context=context)


def chart(run: PotencyRun) -> str:
    """Return a data: URL of the run's responses on ln dose with the fitted parallel lines or curves (SVG)."""
    import numpy as np

    from atmp.stats import plotting
    from atmp.stats.potency_pla import transform

    document = (run.results or {}).get("document", {})
    labels = [run.standard, run.test]
    with plotting.figure() as fig:
        ax = fig.add_subplot()
        for i, label in enumerate(labels):
            wells = [w for w in run.plate if w[1] == label]
            x = np.log(np.array([float(w[2]) for w in wells]))
            y = transform(np.array([float(w[3]) for w in wells]), run.transform)
            ax.scatter(x, y, color=plotting.colour(i), label=label, s=14)
            grid = np.linspace(float(x.min()), float(x.max()), 60)
            if run.fit_model == PotencyModel.PARALLEL_LINE and document.get("slope"):
                # The common-slope fit's line of a preparation passes through its means (no blocks).
                slope = float(document["slope"])
                ax.plot(grid, float(y.mean()) + slope * (grid - float(x.mean())), color=plotting.colour(i))
            elif document.get("curves"):
                p = document["curves"]["parallel"][label]
                b, c, d, e = (float(p[k]) for k in ("b", "c", "d", "ed50"))
                ax.plot(grid, c + (d - c) / (1 + np.exp(b * (math.log(e) - grid))), color=plotting.colour(i))
        ax.set_xlabel("ln dose")
        ax.set_ylabel("response" if run.transform == "none" else f"{run.transform}(response)")
        ax.set_title(f"{run.number}: {run.get_fit_model_display()}")
        ax.legend()
        svg = plotting.svg(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def plate_grid(run: PotencyRun) -> list[dict[str, Any]]:
    """Return the plate as 8 rows of 12 wells (empty wells None) for the grid."""
    wells = {w[0]: w for w in run.plate}
    return [{"row": r, "wells": [wells.get(f"{r}{c}") for c in range(1, 13)]} for r in ROWS]


@requires("records.view")
def run_page(request: HttpRequest, record_id: int) -> HttpResponse:
    """Show a run: lots, plate grid, chart, ANOVA or parallelism test, verdicts, potency and its limits."""
    user: User = request.user  # type: ignore[assignment]
    try:
        run = svc.find_run(str(record_id), user=user)
    except InvalidInput:
        raise Http404("there is no such potency run") from None
    doc = run_document(run)
    results = doc["results"]
    context = {
        "run": run,
        "doc": doc,
        "grid": plate_grid(run),
        "chart": chart(run) if results else None,
        "anova": results.get("document", {}).get("anova", []) if results else [],
        "parallelism": results.get("document", {}).get("parallelism") if results else None,
        "options": engine.available(user, run),
        "record_url": reverse("web:record", args=[run.record_type(), run.pk]),
        "criteria": svc.criteria_of(run.method),
    }
    return render(request, "lab/potency_run.html", context)


class RunForm(forms.Form):
    """A new assay run with its plate CSV."""

    site = forms.CharField(max_length=20, help_text="The site's code.")
    method = forms.CharField(max_length=40, help_text="The potency method's code.")
    run_date = forms.DateField(help_text="YYYY-MM-DD")
    reference_lot = forms.CharField(max_length=60, help_text="The reference standard lot's number.")
    reagent_lots = forms.CharField(max_length=2000, required=False, help_text="Critical reagent lots, comma-separated.")
    standard = forms.CharField(max_length=60, initial="S")
    test = forms.CharField(max_length=60, initial="T")
    model = forms.ChoiceField(choices=PotencyModel.choices)
    transform = forms.ChoiceField(choices=[(t, t) for t in ("none", "ln", "log10", "sqrt", "square")])
    batch = forms.CharField(max_length=60, required=False, help_text="The batch the test preparation measures.")
    plate = forms.FileField(help_text="CSV: well,preparation,dose,response (stored and hashed).")
    reason = forms.CharField(max_length=2000, required=False)


@requires("records.write")
def new_run(request: HttpRequest) -> HttpResponse:
    """Record a new assay run from the form and its plate CSV (a refusal shown beside its field)."""
    from atmp.lab.services.methods import find_method
    from atmp.manufacturing.services.batches import find_batch

    user: User = request.user  # type: ignore[assignment]
    form = RunForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                made = svc.add_run(
                    actor=user,
                    site=accounts.find_site(data["site"]),
                    method=find_method(data["method"]),
                    run_date=data["run_date"],
                    reference_lot=data["reference_lot"],
                    reagent_lots=[n.strip() for n in data["reagent_lots"].split(",") if n.strip()],
                    standard=data["standard"],
                    test=data["test"],
                    model=data["model"],
                    transform=data["transform"],
                    batch=find_batch(data["batch"], user=user) if data["batch"].strip() else None,
                    plate=data["plate"],
                    plate_name=data["plate"].name or "plate.csv",
                    reason=data["reason"],
                )
            except NotAllowed as exc:
                raise PermissionDenied(str(exc)) from None
            except LedgerError as exc:
                add_service_error(form, exc)
                status = status_of(exc)
            else:
                return redirect(reverse("lab:potency_run", args=[made.pk]))
    return render(request, "lab/potency_new.html", {"form": form}, status=status)


urlpatterns = [
    path("potency-runs/", page(run_list), name="potency_runs"),
    path("potency-runs/new/", page(new_run), name="potency_new"),
    path("potency-runs/<int:record_id>/", page(run_page), name="potency_run"),
]


def for_record(user: User, record: Any) -> list[dict[str, str]]:
    """Return the record page's button of a run: its page."""
    if not isinstance(record, PotencyRun) or record.voided:
        return []
    return [
        {"label": "Plate, chart and verdicts", "url": reverse("lab:potency_run", args=[record.pk]), "kind": "button"}
    ]
