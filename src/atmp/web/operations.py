"""Pages that post a form through one API operation (ADR 0013).

A module's page for a write ("Open a deviation", "Classify", "Record the effectiveness check")
declares an `OperationForm`: the API operation it runs, and how to draw the operation's body
(choices for a select, which fields to show). The form is drawn from the operation's own body
schema, the posted values are checked by that schema, and the operation itself runs, with its
permission, its lookups and its service call. So a page cannot accept what the API refuses, or
the reverse, and a rule lives in the service whatever entry point reaches it. A refusal comes back
on the same page, beside the field it names, with what the user typed kept.

An edit (a PATCH body) is drawn with the record's current values, and only the fields the user
changed are sent: the same body a client of the API would send. "Changed" is judged as the form
shows a value: a time whose minute the user left alone is not sent again cut to the minute.
A blank field means "unchanged", so an optional field that holds a value has a Clear box beside
it: ticked, the field is sent empty (null; an empty list or text where the column is never NULL),
and the API accepts that or refuses it, beside the field, as for any other value.
"""

from __future__ import annotations

import datetime as dt
import inspect
import types
import typing
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import annotated_types
import pydantic
from django import forms
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from ninja import Status

from atmp.accounts.access import requires
from atmp.accounts.models import User
from atmp.api.schemas import RECORD_TYPE
from atmp.ledger.errors import LedgerError
from atmp.ledger.records import GmpRecord
from atmp.web.forms import REASON_HELP
from atmp.web.pages import add_service_error, page
from atmp.web.views_records import load_record
from atmp.workflow.pickers import open_records

Choices = Sequence[tuple[str, str]] | Callable[[User], Sequence[tuple[str, str]]]
LONG_TEXT = 200  # a bounded string longer than this is drawn as a text area
SIGNING_FIELDS = ("password", "otp")
CLEAR = "__clear"  # the suffix of a field's Clear box
EMPTY: tuple[Any, ...] = ("", None, [])


@dataclass(frozen=True)
class OperationForm:
    """A page that draws an API operation's body as a form and runs the operation when it is posted.

    operation: the API operation (a function of the module's router, with its @requires).
    record_type: for an operation on a record: the type the URL's `record_id` names (the page
      shows the record and returns to it); None for one that makes a record.
    path: the operation's parameter that receives the URL's record id (default "record_id").
    fields: the body fields to draw, in order (default: all, in the schema's order); `reason`,
      `version`, `password` and `otp` are placed by the form itself.
    choices: a select's options per field, or a function of the viewer returning them.
    initial: for an edit, the record's current values per field (the API's document of it);
      only the fields the user changes are sent.
    labels, help: per field, what the form shows beside the schema's own description.
    submit: the button's text.
    clearable: for an edit, the fields offered a Clear box when they hold a value; None (the
      default): the optional ones whose column on the record may be empty (NULL or blank). Leave
      out a field whose null the API reads as "keep" or "now" (a notification's time).
    """

    title: str
    operation: Callable[..., Any]
    record_type: str | None = None
    path: str = "record_id"
    fields: tuple[str, ...] | None = None
    choices: Mapping[str, Choices] = field(default_factory=dict)
    initial: Callable[[Any], Mapping[str, Any]] | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    help: Mapping[str, str] = field(default_factory=dict)
    submit: str = "Save"
    intro: str = ""
    # Where success leads: "result", the record the operation answers with (a new one), or
    # "record", back to the page's record (to add another action, task or finding).
    returns: str = "result"
    # The URL name Cancel leads to when the page is not about a record (e.g. the area's list).
    back: str = ""
    clearable: tuple[str, ...] | None = None

    @property
    def schema(self) -> type[pydantic.BaseModel]:
        """Return the operation's body schema."""
        return body_parameter(self.operation)[1]

    @property
    def permission(self) -> str | None:
        """Return the permission the operation declares."""
        return getattr(self.operation, "atmp_permission", None)

    def may(self, user: User) -> bool:
        """Return True when the user holds the operation's permission (the page offers it)."""
        return bool(self.permission and user.can(self.permission))


def body_parameter(operation: Callable[..., Any]) -> tuple[str, type[pydantic.BaseModel]]:
    """Return the name and schema of the operation's body parameter."""
    for name, parameter in inspect.signature(operation).parameters.items():
        annotation = parameter.annotation
        if inspect.isclass(annotation) and issubclass(annotation, pydantic.BaseModel):
            return name, annotation
    raise TypeError(f"{operation.__name__} takes no body schema")


# --- the form, drawn from the schema ------------------------------------------------------------


def _unwrap(annotation: Any) -> tuple[Any, bool, list[Any]]:
    """Return (the base type, whether None is allowed, the constraints) of a field's annotation."""
    optional = False
    metadata: list[Any] = []
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            metadata.extend(extra)
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            optional = optional or len(args) < len(typing.get_args(annotation))
            annotation = args[0]
        else:
            return annotation, optional, metadata


def _limits(metadata: list[Any]) -> dict[str, Any]:
    """Return max_length / min_value / max_value from pydantic's constraints."""
    found: dict[str, Any] = {}
    for item in metadata:
        for constraint in getattr(item, "metadata", None) or [item]:
            if getattr(constraint, "max_length", None) is not None:
                found["max_length"] = constraint.max_length
            if isinstance(constraint, annotated_types.Ge):
                found["min_value"] = constraint.ge
            if isinstance(constraint, annotated_types.Le):
                found["max_value"] = constraint.le
    return found


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


class RecordKeyInput(forms.TextInput):
    """A record key, typed or picked from the records offered: an HTML datalist bound to the input.

    The browser's own suggestion list (keyboard: type, or Down arrow): no script, nothing fetched,
    and any other key may still be typed.
    """

    def __init__(self, records: Sequence[tuple[str, str]], attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.records = list(records)

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> str:
        """Return the input bound to its list of suggestions, then the list."""
        listed = f"{(attrs or {}).get('id') or f'id_{name}'}-records"
        field = super().render(name, value, {**(attrs or {}), "list": listed, "autocomplete": "off"}, renderer)
        options = format_html_join("", '<option value="{}">{}</option>', self.records)
        return format_html('{}<datalist id="{}">{}</datalist>', field, listed, options)


def refers_to(info: Any, metadata: Sequence[Any] = ()) -> str | None:
    """Return the record type a body field holds a key of (atmp.api.schemas.refers_to), or None."""
    for extra in (info.json_schema_extra, *(getattr(m, "json_schema_extra", None) for m in metadata)):
        if isinstance(extra, dict) and isinstance(extra.get(RECORD_TYPE), str):
            return str(extra[RECORD_TYPE])
    return None


def form_field(
    name: str,
    info: Any,
    *,
    choices: Sequence[tuple[str, str]] | None,
    label: str,
    help: str,
    records: Sequence[tuple[str, str]] | None = None,
) -> Any:
    """Return the Django form field that draws one body field (its shape; the schema checks the rest).

    records: for a field holding a record key, the (key, label) pairs it offers to pick.
    """
    base, optional, metadata = _unwrap(info.annotation)
    metadata = [*metadata, *info.metadata]
    limits = _limits(metadata)
    required = info.is_required() and not optional
    common: dict[str, Any] = {"label": label, "required": required, "help_text": help or info.description or ""}
    if name == "reason":
        return forms.CharField(
            max_length=limits.get("max_length"),
            widget=forms.Textarea(attrs={"rows": 2}),
            **{**common, "help_text": REASON_HELP, "required": required},
        )
    if name == "version":
        return forms.IntegerField(widget=forms.HiddenInput, required=False)
    if name == "password":
        return forms.CharField(
            max_length=1024,
            strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
            **common,
        )
    if name == "otp":
        return forms.CharField(
            max_length=7,
            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
            **common,
        )
    if choices is not None:
        return forms.ChoiceField(choices=[("", "—"), *choices] if not required else list(choices), **common)
    if base is bool:
        return forms.BooleanField(**{**common, "required": False})
    if base is int:
        return forms.IntegerField(min_value=limits.get("min_value"), max_value=limits.get("max_value"), **common)
    if base is Decimal:
        return forms.DecimalField(min_value=limits.get("min_value"), **common)
    if base is dt.datetime:
        return LocalDateTimeField(
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
            **common,
        )
    if base is dt.date:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common)
    if typing.get_origin(base) is list:
        return forms.CharField(
            widget=forms.Textarea(attrs={"rows": 3}),
            **{**common, "required": required, "help_text": (common["help_text"] + " One per line.").strip()},
        )
    length = limits.get("max_length")
    if records is not None:
        return forms.CharField(max_length=length, widget=RecordKeyInput(records), strip=True, **common)
    widget = forms.Textarea(attrs={"rows": 4}) if length is None or length > LONG_TEXT else forms.TextInput()
    return forms.CharField(max_length=length, widget=widget, strip=True, **common)


class LocalDateTimeField(forms.DateTimeField):
    """A date and time typed as the site's local time: kept naive here, read in the site's zone later."""

    def to_python(self, value: Any) -> dt.datetime | None:
        """Return the typed time without a zone (Django would read it in the server's zone)."""
        result = super().to_python(value)
        return None if result is None else timezone.make_naive(result, timezone.get_current_timezone())


def _ordered(spec: OperationForm, names: list[str]) -> list[str]:
    """Return the fields to draw: the declared ones (or all), then the signature, then reason and version."""
    chosen = [n for n in (spec.fields or names) if n in names and n not in ("reason", "version", *SIGNING_FIELDS)]
    return [*chosen, *(n for n in SIGNING_FIELDS if n in names), *(n for n in ("reason", "version") if n in names)]


class DrawnForm(forms.Form):
    """A form drawn from a body schema: a field's Clear box is drawn with the field, not as a row."""

    def visible_fields(self) -> list[forms.BoundField]:
        """Return the fields drawn as rows, each with `clear`, its Clear box (None without one)."""
        rows = []
        for bound in super().visible_fields():
            if bound.name.endswith(CLEAR):
                continue
            box = bound.name + CLEAR
            bound.clear = self[box] if box in self.fields else None  # type: ignore[attr-defined]
            rows.append(bound)
        return rows


def build_form(
    spec: OperationForm,
    user: User,
    data: Any = None,
    initial: Mapping[str, Any] | None = None,
    *,
    clear: Sequence[str] = (),
    record: Any = None,
) -> forms.Form:
    """Return the form for the operation's body, bound to the posted data when there is some.

    clear: the fields drawn with a Clear box (clearable_fields).
    record: the page's record; a field holding a record key offers the open records of its sites.
    """
    schema = spec.schema
    form = DrawnForm(data=data, initial=dict(initial or {}))
    for name in _ordered(spec, list(schema.model_fields)):
        info = schema.model_fields[name]
        offered = spec.choices.get(name)
        options = offered(user) if callable(offered) else offered
        label = spec.labels.get(name, _label(name))
        record_type = refers_to(info, _unwrap(info.annotation)[2])
        form.fields[name] = form_field(
            name,
            info,
            choices=list(options) if options is not None else None,
            label=label,
            help=spec.help.get(name, ""),
            records=open_records(user, record_type, near=record) if record_type and options is None else None,
        )
        if name in clear:
            form.fields[name + CLEAR] = forms.BooleanField(required=False, label=f"Clear {label.lower()}")
    return form


def _column(record: Any, name: str) -> Any:
    """Return the record's model field of this name, or None."""
    try:
        return type(record)._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def clearable_fields(spec: OperationForm, record: Any, shown: Mapping[str, Any]) -> list[str]:
    """Return the fields an edit draws with a Clear box: optional, clearable, and holding a value now."""
    if spec.initial is None or record is None:
        return []
    schema = spec.schema
    found = []
    for name in _ordered(spec, list(schema.model_fields)):
        info = schema.model_fields[name]
        base, optional, _ = _unwrap(info.annotation)
        if name in ("reason", "version", *SIGNING_FIELDS) or base is bool or shown.get(name) in EMPTY:
            continue
        if info.is_required() and not optional:
            continue
        column = _column(record, name)
        may = name in spec.clearable if spec.clearable is not None else bool(column and (column.null or column.blank))
        if may:
            found.append(name)
    return found


def _empty(record: Any, name: str, base: Any) -> Any:
    """Return the value a cleared field is sent as: an empty list, null, or empty text for a never-NULL column."""
    if typing.get_origin(base) is list:
        return []
    column = _column(record, name)
    return "" if column is not None and not column.null and base is str else None


def _shown(value: Any, zone: zoneinfo.ZoneInfo | None = None) -> Any:
    """Return a document's value as the form shows it: lists one per line, times in the zone given."""
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    moment = value if isinstance(value, dt.datetime) else None
    if isinstance(value, str) and len(value) > 10 and value[4:5] == "-" and value[10:11] == "T":
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if moment is None:
        return value
    return moment.astimezone(zone).replace(tzinfo=None) if zone is not None and moment.tzinfo else moment


def _unchanged(value: Any, before: Any) -> bool:
    """Return True when a posted value is the one the form showed, so an edit does not send it.

    A local date-time input shows minutes: a time whose minute is unchanged is the stored one, not
    a new time truncated to the minute (editing a notification's response keeps its seconds).
    """
    if isinstance(value, dt.datetime) and isinstance(before, dt.datetime):
        if (value.tzinfo is None) != (before.tzinfo is None):
            return False
        if value.tzinfo is not None:
            before = before.astimezone(value.tzinfo)
        return value.replace(second=0, microsecond=0) == before.replace(second=0, microsecond=0)
    return bool(value == before or (value in EMPTY and before in EMPTY))


def _zone(user: User, values: Mapping[str, Any], record: Any) -> zoneinfo.ZoneInfo:
    """Return the zone a typed local time is read in: the chosen site's, else the record's, else UTC."""
    from atmp.accounts.models import Site
    from atmp.web import display

    code = values.get("site")
    site = Site.objects.filter(code=code).first() if isinstance(code, str) and code else None
    name = site.timezone if site is not None else (display.site_zone(record) if record is not None else None)
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def body_values(
    form: forms.Form, schema: type[pydantic.BaseModel], *, initial: Mapping[str, Any] | None, user: User, record: Any
) -> dict[str, Any]:
    """Return the JSON body the cleaned form stands for (for an edit: the changed fields only).

    A field whose Clear box is ticked is sent empty; ticked beside a newly typed value, it is
    refused beside the field (the form then has errors, and the body is not to be sent).
    """
    cleaned = form.cleaned_data
    zone = _zone(user, cleaned, record)
    cleared = {n.removesuffix(CLEAR) for n, ticked in cleaned.items() if n.endswith(CLEAR) and ticked}
    both: list[str] = []
    body: dict[str, Any] = {}
    for name, value in cleaned.items():
        if name.endswith(CLEAR):
            continue
        info = schema.model_fields[name]
        base, optional, _ = _unwrap(info.annotation)
        if typing.get_origin(base) is list:
            value = [line.strip() for line in (value or "").splitlines() if line.strip()]
        elif isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        unchanged = False
        if initial is not None and name not in ("reason", "version", *SIGNING_FIELDS):
            before = initial.get(name)
            # A list is compared as the lines it was drawn as, anything else as the form shows it.
            before = [str(v) for v in before] if isinstance(before, list) else _shown(before)
            unchanged = _unchanged(value, before)
        if name in cleared:
            if unchanged or value in EMPTY:
                body[name] = _empty(record, name, base)
            else:
                both.append(name)
            continue
        if unchanged:
            continue
        if value in ("", None) and (optional or not info.is_required()) and base is not bool:
            continue
        body[name] = value
    for name in both:
        form.add_error(name, "type a new value or tick Clear, not both")
    return body


def _schema_errors(form: forms.Form, exc: pydantic.ValidationError) -> None:
    """Show the schema's refusals beside their fields."""
    for error in exc.errors():
        where = str(error["loc"][0]) if error.get("loc") else None
        form.add_error(where if where in form.fields else None, str(error["msg"]))


# --- the view ------------------------------------------------------------------------------------


def _result_url(result: Any, record: GmpRecord | None) -> str:
    """Return where a successful operation leads: the record it made or changed, else the page's record."""
    document = result.value if isinstance(result, Status) else result
    key = document.get("record") if isinstance(document, dict) else None
    if isinstance(key, str) and ":" in key:
        record_type, _, record_id = key.partition(":")
        return reverse("web:record", args=[record_type, record_id])
    if record is not None:
        return reverse("web:record", args=[record.record_type(), record.pk])
    return "/"


def operation_page(request: HttpRequest, spec: OperationForm, **kwargs: Any) -> HttpResponse:
    """Draw the operation's form (GET) or run the operation with the posted form (POST)."""
    user: User = request.user  # type: ignore[assignment]
    record: GmpRecord | None = None
    record_id = kwargs.get("record_id")
    if spec.record_type is not None:
        record = load_record(request, spec.record_type, str(record_id))
    initial = dict(spec.initial(record)) if spec.initial is not None and record is not None else None
    zone = _zone(user, {}, record)
    shown_initial = {k: _shown(v, zone) for k, v in (initial or {}).items()}
    if record is None:
        # A new record's form may be prefilled by its link (e.g. "Raise a CAPA" from a deviation:
        # ?source=quality.deviation:5&site=LEI); the values are only shown, and checked when posted.
        shown_initial |= {k: v[:LONG_TEXT] for k, v in request.GET.items() if k in spec.schema.model_fields}
    if record is not None and "version" in spec.schema.model_fields:
        shown_initial["version"] = record.version
    clear = clearable_fields(spec, record, shown_initial)
    if request.method == "POST":
        form = build_form(spec, user, data=request.POST, initial=shown_initial, clear=clear, record=record)
        if form.is_valid():
            body = body_values(form, spec.schema, initial=initial, user=user, record=record)
        if form.is_valid():  # body_values refuses a Clear box ticked beside a new value
            try:
                result = run(request, spec, body, kwargs)
            except pydantic.ValidationError as exc:
                _schema_errors(form, exc)
            except LedgerError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, f"{spec.title}: done.")
                return redirect(_result_url(None if spec.returns == "record" else result, record))
        status = 400
    else:
        form = build_form(spec, user, initial=shown_initial, clear=clear, record=record)
        status = 200
    context = {
        "spec": spec,
        "form": form,
        "record": record,
        "record_url": reverse("web:record", args=[record.record_type(), record.pk]) if record is not None else None,
        "back_url": reverse(spec.back) if spec.back else "/",
        "signing": any(n in form.fields for n in SIGNING_FIELDS),
    }
    return render(request, "web/operation_form.html", context, status=status)


def run(request: HttpRequest, spec: OperationForm, body: dict[str, Any], kwargs: Mapping[str, Any]) -> Any:
    """Check the body against the operation's schema and run the operation as the signed-in user."""
    name, schema = body_parameter(spec.operation)
    validated = schema.model_validate(body)
    request.auth_user = request.user  # type: ignore[attr-defined]  # what the API's auth sets
    arguments = {spec.path: kwargs["record_id"]} if "record_id" in kwargs else {}
    arguments.update({k: v for k, v in kwargs.items() if k != "record_id"})
    return spec.operation(request, **arguments, **{name: validated})


def operation_view(spec: OperationForm) -> Callable[..., HttpResponse]:
    """Return the page's view: it declares the operation's permission, for the access contract too."""
    if not spec.permission:
        raise ValueError(f"{spec.operation.__name__} declares no permission")

    @requires(spec.permission)
    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return operation_page(request, spec, **kwargs)

    view.__name__ = view.__qualname__ = f"{spec.operation.__name__}_page"
    view.__doc__ = spec.title
    return page(view)
