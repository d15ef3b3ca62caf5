"""The identifier check page: type or scan an identifier, see what it holds or the rule it breaks.

It runs the same pure functions as `atmp trace id …` and /api/v1/trace/identifiers/…, so the three
accept and refuse the same input in the same words.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from atmp.accounts.access import requires
from atmp.trace.identifiers import IdentifierError, gs1, isbt128, sec

KINDS = (
    ("isbt128", "ISBT 128 DIN: compute or check the check character"),
    ("isbt128-parse", "ISBT 128 scan: read its data structures"),
    ("sec", "Single European Code (SEC): check its fields"),
    ("gs1", "GS1 key (GTIN, SSCC): compute or check the check digit"),
    ("gs1-parse", "GS1 element string: read its AIs (scanned, or (01)…(17)…)"),
)


class IdentifierForm(forms.Form):
    """What to check: the kind of identifier, and the identifier as typed or scanned."""

    kind = forms.ChoiceField(label="What it is", choices=KINDS)
    value = forms.CharField(
        label="Identifier",
        max_length=200,
        strip=False,  # a scanned element string may end in data that matters; the readers trim
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "spellcheck": "false"}),
        help_text="Type it, or scan it with a barcode reader acting as a keyboard.",
    )


def answer(kind: str, value: str) -> tuple[dict[str, Any], str]:
    """Return the document the CLI and the API give for the identifier, and why it is refused ("" if not).

    Raises IdentifierError for malformed input.
    """
    if kind == "isbt128":
        din = isbt128.check_din(value)
        return din.document(), din.refusal()
    if kind == "isbt128-parse":
        return {"structures": [d.document() for d in isbt128.read_data_structures(value)]}, ""
    if kind == "sec":
        result = sec.check_sec(value)
        return result.document(), "; ".join(result.errors)
    if kind == "gs1":
        key = gs1.check_key(value.strip())
        return key.document(), key.refusal()
    return gs1.parse_element_string(value).document(), ""


def rows(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Return a document as (path, text) rows for a two-column table: "fields › country", "NL"."""
    if isinstance(value, dict):
        found: list[tuple[str, str]] = []
        for key, item in value.items():
            found.extend(rows(item, f"{path} › {key}" if path else str(key)))
        return found
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return [(path, "; ".join(str(v) for v in value) or "–")]
        found = []
        for n, item in enumerate(value, 1):
            found.extend(rows(item, f"{path} {n}"))
        return found
    text = "–" if value is None else ("yes" if value is True else "no" if value is False else str(value))
    return [(path, text)]


@requires("records.view")
def identifiers(request: HttpRequest) -> HttpResponse:
    """Check or read an identifier and show what it holds, or the part and the rule it breaks."""
    form = IdentifierForm(request.GET or None)
    document: dict[str, Any] | None = None
    refusal = ""
    if form.is_bound and form.is_valid():
        try:
            document, refusal = answer(form.cleaned_data["kind"], form.cleaned_data["value"])
        except IdentifierError as exc:
            form.add_error("value", str(exc))
    context = {"form": form, "document": document, "refusal": refusal, "rows": rows(document) if document else []}
    return render(request, "trace/identifiers.html", context, status=400 if form.is_bound and form.errors else 200)
