"""REST operations of the statistics engine: one pair per analysis of the catalogue, generated from it.

`POST /api/v1/stats/<name>` takes JSON (the CSV text in `csv`, the options by name) and
`POST /api/v1/stats/<name>/upload` a multipart form (the CSV as `file`, the options as fields); both
answer the document `atmp stats <name> --json` prints, with the SVG text in `plot` when `plot` is
true. These are computations, not GMP records: nothing is stored and nothing enters the ledger
(each operation says so in the OpenAPI document with `x-atmp-computation`).

This module sits in the API shell because `atmp.stats` imports no Django.
"""

from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from pydantic import Field, StrictBool, StrictFloat, StrictInt, create_model

from atmp.accounts.access import requires
from atmp.api.schemas import answers, bounded
from atmp.stats.analyses import ANALYSES
from atmp.stats.catalogue import Analysis, Param, run
from atmp.stats.errors import TooLarge
from atmp.stats.table import Table
from atmp.web.upload_limits import refuse

router = Router(tags=["stats"])

COMPUTATION = {"x-atmp-computation": True}  # not a write: the fuzz test expects no ledger entry
NOT_STORED = "Not a GMP record: the result is computed, returned and not stored."
ColumnName = Annotated[str, bounded(200)]


class AnalysisParamOut(Schema):
    """One option of an analysis, as the CLI (`--name`), the API and the web page offer it."""

    name: str
    kind: str
    help: str
    required: bool
    default: Any = None
    choices: list[str] = []


class AnalysisOut(Schema):
    """An analysis the engine offers: how to call it and what it needs."""

    name: str
    title: str
    summary: str
    source: str
    file: str
    plots: bool
    params: list[AnalysisParamOut]


@router.get("/stats", response=answers({200: list[AnalysisOut]}))
@requires("stats.use")
def list_analyses(request: HttpRequest) -> list[dict[str, Any]]:
    """Return every analysis with its options."""
    return [describe(a) for a in ANALYSES.values()]


def describe(analysis: Analysis) -> dict[str, Any]:
    """Return an analysis and its options as the listing shows them."""
    return {
        "name": analysis.name,
        "title": analysis.title,
        "summary": analysis.summary,
        "source": analysis.source,
        "file": analysis.file,
        "plots": analysis.plots,
        "params": [
            {
                "name": p.name,
                "kind": p.kind,
                "help": p.help,
                "required": p.required,
                "default": p.default,
                "choices": list(p.choices),
            }
            for p in analysis.params
        ],
    }


def _field_type(param: Param, *, form: bool) -> Any:
    """Return the pydantic type of an option: bounded as the catalogue bounds it, so the schema documents it."""
    # The JSON body is strict (0 is not a flag, "0.5" not a number), as its schema says; a form sends
    # text, which the form model parses.
    if param.kind == "flag":
        return bool if form else StrictBool
    if param.kind == "choice":
        return Literal[param.choices]
    if param.kind in ("float", "int"):
        limits: dict[str, float] = {}
        if param.low is not None:
            limits["gt" if param.open_low else "ge"] = param.low
        if param.high is not None:
            limits["lt" if param.open_high else "le"] = param.high
        if param.kind == "int":
            limits.setdefault("le", 10**9)
            limits.setdefault("ge", -(10**9))
        if param.kind == "int":
            return Annotated[int if form else StrictInt, Field(**limits)]
        return Annotated[float if form else StrictFloat, Field(allow_inf_nan=False, **limits)]
    if param.kind == "floats" and not form:
        return Annotated[list[Annotated[StrictFloat, Field(allow_inf_nan=False)]], Field(max_length=1_000_000)]
    return Annotated[str, bounded(100_000 if param.kind == "floats" else 200)]


def _options_model(analysis: Analysis, *, form: bool) -> type[Schema]:
    fields: dict[str, Any] = {}
    for p in analysis.params:
        kind = _field_type(p, form=form)
        default = False if p.kind == "flag" else (... if p.required else None)
        fields[p.name] = (kind if p.required or p.kind == "flag" else kind | None, Field(default, description=p.help))
    fields["plot"] = (
        bool if form else StrictBool,
        Field(False, description="Also return the plot as SVG text in `plot`."),
    )
    if not form and analysis.file != "none":
        description = "The CSV file's text, header row first." + (" Required." if analysis.file == "required" else "")
        fields["csv"] = (
            Annotated[str, Field(max_length=analysis.max_bytes)] | None,
            Field(None, description=description + f" At most {analysis.limits()}."),
        )
    suffix = "Form" if form else "Request"
    name = "".join(part.capitalize() for part in analysis.name.split("-")) + suffix
    model = create_model(name, __base__=Schema, __doc__=f"Options of {analysis.name}. {NOT_STORED}", **fields)
    if not form:
        model.model_config["extra"] = "forbid"  # a misspelt option must not be silently ignored
        model.model_rebuild(force=True)
    return model


def _compute(analysis: Analysis, options: Schema, data: bytes | None) -> dict[str, Any]:
    raw = {k: v for k, v in options.dict().items() if k not in ("plot", "csv") and v is not None}
    if data is not None:
        analysis.check_upload_size(len(data))
        analysis.check_upload_rows(data)
    table = Table.from_bytes(data) if data is not None else None
    result = run(analysis, raw, table, plot=bool(getattr(options, "plot", False)))
    document = dict(result.document)
    if result.svg is not None:
        document["plot"] = result.svg
    return document


def _read_upload(analysis: Analysis, upload: UploadedFile | None) -> bytes | None:
    if upload is None:
        return None
    # Django streamed a file over FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file: it is read into
    # memory only once its size is known to be within the analysis's limit.
    analysis.check_upload_size(upload.size)
    return upload.read()


def _too_large(request: HttpRequest, exc: TooLarge) -> HttpResponse:
    return refuse(request, 413, str(exc), limit_bytes=exc.limit_bytes, limit_rows=exc.limit_rows)


def _register(analysis: Analysis) -> None:
    body_model = _options_model(analysis, form=False)
    form_model = _options_model(analysis, form=True)
    slug = analysis.name.replace("-", "_")
    summary = f"{analysis.title}: {analysis.summary} {NOT_STORED}"

    @router.post(
        f"/stats/{analysis.name}",
        response=answers({200: dict[str, Any]}),
        operation_id=f"stats_{slug}",
        summary=analysis.title,
        description=f"{summary} Source: {analysis.source}.",
        openapi_extra=COMPUTATION,
    )
    @requires("stats.use")
    def compute(request: HttpRequest, body: body_model) -> dict[str, Any] | HttpResponse:  # type: ignore[valid-type]
        text = getattr(body, "csv", None)
        try:
            return _compute(analysis, body, text.encode("utf-8") if text is not None else None)
        except TooLarge as exc:
            return _too_large(request, exc)

    if analysis.file == "none":
        return

    @router.post(
        f"/stats/{analysis.name}/upload",
        response=answers({200: dict[str, Any]}),
        operation_id=f"stats_{slug}_upload",
        summary=f"{analysis.title} (CSV upload)",
        description=f"{summary} The CSV goes in the multipart field `file`. Source: {analysis.source}.",
        openapi_extra=COMPUTATION,
    )
    @requires("stats.use")
    def upload(
        request: HttpRequest,
        options: Form[form_model],  # type: ignore[valid-type]
        file: UploadedFile = File(None),  # noqa: B008 - django-ninja's way to declare an optional file
    ) -> dict[str, Any] | HttpResponse:
        try:
            return _compute(analysis, options, _read_upload(analysis, file))
        except TooLarge as exc:
            return _too_large(request, exc)


for _analysis in ANALYSES.values():
    _register(_analysis)
