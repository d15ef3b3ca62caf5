"""The Statistics page: choose an analysis, upload a CSV, set its options, see the result and its plot.

Results computed here are not GMP records (the modules that use them store and sign them), so the
page writes nothing to the ledger and says so. The analyses, their options and their rules come
from the one catalogue (atmp.stats.analyses) that `atmp stats` and the API use.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from atmp.accounts.access import requires
from atmp.stats.analyses import ANALYSES
from atmp.stats.catalogue import Analysis, example_files, run
from atmp.stats.errors import StatsInputError, TooLarge
from atmp.stats.report import ComputationError
from atmp.stats.table import FILE, Table
from atmp.web import result_view
from atmp.web.forms import analysis_form

MAX_DOWNLOAD = 20 * 1024 * 1024  # larger results are offered through the API and the CLI


def _analysis(name: str) -> Analysis:
    try:
        return ANALYSES[name]
    except KeyError:
        raise Http404("no such analysis") from None


@requires("stats.use")
def index(request: HttpRequest) -> HttpResponse:
    """List the analyses the engine offers."""
    return render(request, "web/stats.html", {"analyses": list(ANALYSES.values())})


@requires("stats.use")
def example(request: HttpRequest, name: str) -> HttpResponse:
    """Download an analysis's example CSV."""
    analysis = _analysis(name)
    if not analysis.example:
        raise Http404("this analysis has no example file")
    response = HttpResponse(example_files()[analysis.example], content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{analysis.example}"'
    return response


@requires("stats.use")
def analysis_page(request: HttpRequest, name: str) -> HttpResponse:
    """Show an analysis's form; on POST compute it and show the result, its plot and the downloads."""
    analysis = _analysis(name)
    context: dict[str, Any] = {"analysis": analysis}
    if request.method != "POST":
        initial = {"plot": True}
        if request.GET.get("example") and analysis.example:
            initial.update({k: _as_field(v) for k, v in analysis.example_options.items()}, use_example=True)
        context["form"] = analysis_form(analysis, initial=initial)
        return render(request, "web/stats_analysis.html", context)
    form = analysis_form(analysis, request.POST, request.FILES)
    context["form"] = form
    status = 200
    if form.is_valid():
        try:
            options, table = _options(analysis, form.cleaned_data), _table(analysis, form.cleaned_data)
            result = run(analysis, options, table, plot=bool(form.cleaned_data.get("plot")))
        except StatsInputError as exc:
            status = 413 if isinstance(exc, TooLarge) else 200
            form.add_error(exc.field if exc.field in form.fields else None, _message(analysis, exc))
        except ComputationError as exc:
            form.add_error(None, f"internal error, please report it: {exc}")
        else:
            context.update(_result_context(analysis, result.document, result.svg))
            context["input_name"] = _input_name(analysis, form.cleaned_data)
    return render(request, "web/stats_analysis.html", context, status=status)


def _as_field(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return value


def _options(analysis: Analysis, cleaned: dict[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for p in analysis.params:
        value = cleaned.get(p.name)
        if p.kind == "flag":
            options[p.name] = bool(value)
        elif value not in (None, ""):
            options[p.name] = value
    return options


def _table(analysis: Analysis, cleaned: dict[str, Any]) -> Table | None:
    if analysis.file == "none":
        return None
    upload = cleaned.get("file")
    if cleaned.get("use_example") and analysis.example:
        if upload:
            raise StatsInputError(FILE, "choose either a file or the example data, not both")
        return Table.from_bytes(example_files()[analysis.example])
    if not upload:
        return None
    # Django streamed a large file to a temporary file; it is read only once it is within the limit.
    analysis.check_upload_size(upload.size)
    data = upload.read()
    analysis.check_upload_rows(data)
    return Table.from_bytes(data)


def _input_name(analysis: Analysis, cleaned: dict[str, Any]) -> str | None:
    if cleaned.get("use_example"):
        return f"{analysis.example} (example data)"
    upload = cleaned.get("file")
    return str(upload.name) if upload else None


def _message(analysis: Analysis, exc: StatsInputError) -> str:
    names = {p.name: p.flag for p in analysis.params}
    return exc.message if exc.field in names or exc.field == FILE else str(exc)


def _result_context(analysis: Analysis, document: dict[str, Any], svg: str | None) -> dict[str, Any]:
    text = json.dumps(document, indent=2, ensure_ascii=False)
    encoded = text.encode("utf-8")
    context: dict[str, Any] = {
        "result": result_view.sections(document, time=_time_column(document)),
        "provenance": document.get("provenance", {}),
        "parameters": json.dumps(document.get("provenance", {}).get("parameters", {}), ensure_ascii=False),
        "json_bytes": len(encoded),
        "json_href": _data_uri("application/json", encoded) if len(encoded) <= MAX_DOWNLOAD else None,
        "json_name": f"{analysis.name}.json",
    }
    if svg is not None:
        context["plot_src"] = _data_uri("image/svg+xml", svg.encode("utf-8"))
        context["plot_name"] = f"{analysis.name}.svg"
    return context


def _time_column(document: dict[str, Any]) -> str | None:
    """Return the name of the study's time column (its unit), if the analysis has one."""
    time = document.get("provenance", {}).get("parameters", {}).get("time")
    return time if isinstance(time, str) else None


def _data_uri(content_type: str, data: bytes) -> str:
    # An <img> and a download link from the same page: the result is not stored, so there is no URL to fetch it
    # from later. SVG in an <img> cannot run script.
    return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"
