"""Forms of the web UI: they check the shape of the input; the services check the rules."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from typing import Any

from django import forms

from atmp.accounts.models import User
from atmp.ledger import trail
from atmp.ledger.reviews import OUTCOMES as REVIEW_OUTCOMES
from atmp.ledger.signatures import MEANINGS
from atmp.web import display

REASON_HELP = "Required: it is recorded with the change in the audit trail (Annex 11 §9)."


@functools.cache
def _zones() -> list[tuple[str, str]]:
    return [(z, z) for z in sorted(zoneinfo.available_timezones()) if "/" in z or z == "UTC"]


class LoginForm(forms.Form):
    username = forms.CharField(
        max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True})
    )
    password = forms.CharField(
        max_length=1024, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class CodeForm(forms.Form):
    code = forms.RegexField(
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        label="Authenticator code",
        error_messages={"invalid": "enter the 6 digits your authenticator app shows"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "pattern": r"[0-9 ]{6,7}",
                "maxlength": 7,
            }
        ),
    )


class SiteForm(forms.Form):
    code = forms.CharField(max_length=20, help_text="2–20 capital letters, digits or '-'; it cannot change later.")
    name = forms.CharField(max_length=200)
    timezone = forms.ChoiceField(label="Time zone", initial="Europe/Amsterdam", choices=_zones)
    address = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))


class SiteEditForm(forms.Form):
    name = forms.CharField(max_length=200)
    timezone = forms.ChoiceField(label="Time zone", choices=_zones)
    address = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(max_length=1000, help_text=REASON_HELP, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class VoidForm(forms.Form):
    reason = forms.CharField(max_length=1000, help_text=REASON_HELP, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class SignForm(forms.Form):
    meaning = forms.ChoiceField(choices=())
    password = forms.CharField(
        max_length=1024, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    otp = forms.CharField(
        label="Authenticator code",
        max_length=7,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, meanings: list[str], mfa: bool, review: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A blank first choice: the signer chooses the meaning, nothing chooses it for them.
        choices = [("", "— choose what your signature means —"), *((m, MEANINGS[m]) for m in meanings)]
        self.fields["meaning"].choices = choices  # type: ignore[attr-defined]
        if review:
            # An audit-trail review is signed with what the reviewer concluded (atmp.ledger.reviews).
            self.fields["outcome"] = forms.ChoiceField(
                label="Outcome", choices=[("", "— what did the review find? —"), *REVIEW_OUTCOMES.items()]
            )
            self.fields["findings"] = forms.CharField(
                label="Findings",
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text="Required when there are findings: what, and the deviation or CAPA that follows.",
            )
        if not mfa:
            del self.fields["otp"]
        else:
            self.fields["otp"].required = True


class TrailFilterForm(forms.Form):
    """The reviewer's selection of the audit trail; every field optional."""

    record_type = forms.CharField(
        required=False,
        label="Record type",
        max_length=100,
        widget=forms.TextInput(attrs={"list": "record-types", "placeholder": "Site"}),
    )
    record_id = forms.CharField(required=False, label="Record id", max_length=64)
    with_parts = forms.BooleanField(
        required=False,
        label="With its parts",
        help_text="The record and the records it is made of: a batch with its steps and entries.",
    )
    user = forms.CharField(
        required=False,
        label="User",
        max_length=150,
        widget=forms.TextInput(attrs={"list": "usernames", "placeholder": "name or username"}),
    )
    action = forms.CharField(
        required=False, max_length=40, widget=forms.TextInput(attrs={"list": "actions", "placeholder": "Changed"})
    )
    sign_ins = forms.BooleanField(
        required=False, label="Include sign-ins", help_text="Sign-ins and sign-outs are not GMP changes."
    )
    since = forms.CharField(
        required=False,
        label="From (UTC)",
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "2026-11-25"}),
    )
    until = forms.CharField(
        required=False, label="Before (UTC)", max_length=40, widget=forms.TextInput(attrs={"placeholder": "2026-11-26"})
    )

    def _time(self, name: str) -> dt.datetime | None:
        value = self.cleaned_data.get(name, "").strip()
        if not value:
            return None
        try:
            return trail.parse_time(value, name)
        except ValueError as exc:
            raise forms.ValidationError(str(exc).split(": ", 1)[-1]) from None

    def clean_since(self) -> dt.datetime | None:
        return self._time("since")

    def clean_until(self) -> dt.datetime | None:
        return self._time("until")

    def _code(self, name: str, code_of: Any, what: str) -> str:
        """Return the stored code of the label (or code) typed into the field, or refuse it."""
        value = self.cleaned_data.get(name, "").strip()
        if not value:
            return ""
        code = code_of(value)
        if code is None:
            raise forms.ValidationError(f"no {what} {value!r}: choose one of the list")
        return str(code)

    def clean_record_type(self) -> str:
        return self._code("record_type", display.type_code, "record type")

    def clean_action(self) -> str:
        return self._code("action", display.action_code, "action")

    def clean_user(self) -> User | None:
        """Return the user named by username or by printed name, as the table shows them."""
        value = self.cleaned_data.get("user", "").strip()
        if not value:
            return None
        user = User.objects.filter(username=value.lower()).first()
        if user is None:
            named = list(User.objects.filter(full_name__iexact=value)[:2])
            if len(named) > 1:
                raise forms.ValidationError(f"more than one user is called {value!r}: give the username")
            user = named[0] if named else None
        if user is None:
            raise forms.ValidationError(f"no user {value!r}")
        return user

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until <= since:
            self.add_error("until", "must be after 'From'")
        try:
            self._filter(data)
        except trail.FilterRefused as exc:
            words = {"with_parts": "give the record type and id of the record whose parts to include"}
            self.add_error(exc.field if exc.field in self.fields else None, words.get(exc.field, str(exc)))
        return data

    def trail_filter(self) -> trail.TrailFilter:
        """Return the selection as the ledger's TrailFilter (call after is_valid())."""
        return self._filter(self.cleaned_data)

    @staticmethod
    def _filter(d: dict[str, Any]) -> trail.TrailFilter:
        user = d.get("user")
        return trail.TrailFilter(
            record_type=d.get("record_type", "").strip() or None,
            record_id=d.get("record_id", "").strip() or None,
            with_parts=bool(d.get("with_parts")),
            actor_id=user.pk if user is not None else None,
            action=d.get("action") or (None if d.get("sign_ins") else trail.WITHOUT_SIGN_INS),
            since=d.get("since"),
            until=d.get("until"),
        )


class ReviewForm(TrailFilterForm):
    """Start a review of the selection shown, with a comment."""

    comment = forms.CharField(
        max_length=4000, widget=forms.Textarea(attrs={"rows": 2}), help_text="What you reviewed and what you found."
    )


def analysis_form(analysis: Any, data: Any = None, files: Any = None, initial: Any = None) -> forms.Form:
    """Return the form of a statistical analysis, one field per declared option (atmp.stats.catalogue.Param).

    Every value is taken as text and parsed by the catalogue, so the page refuses bad input with
    the same words as the CLI and the API.
    """
    fields: dict[str, forms.Field] = {}
    if analysis.file != "none":
        fields["file"] = forms.FileField(
            required=False,
            label="CSV file",
            help_text="A CSV file with a header row (comma, semicolon or tab separated, UTF-8).",
            widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv", "data-csv-columns": "stats-columns"}),
        )
        if analysis.example:
            fields["use_example"] = forms.BooleanField(
                required=False, label=f"Use the example data ({analysis.example}) instead of a file"
            )
    for p in analysis.params:
        # The page's fields are named as the options are; the CLI flag shows after the help.
        label = p.name.replace("_", " ").capitalize() + (" *" if p.required else "")
        if p.kind == "flag":
            fields[p.name] = forms.BooleanField(required=False, label=label, help_text=f"{p.help} ({p.flag})")
        elif p.kind == "choice":
            blank = [] if p.default is not None else [("", "—")]
            fields[p.name] = forms.ChoiceField(
                required=False,
                label=label,
                choices=blank + [(c, c) for c in p.choices],
                help_text=f"{p.help} ({p.flag})",
            )
        else:
            attrs = {"list": "stats-columns", "autocomplete": "off"} if p.kind == "column" else {}
            default = f" Default: {p.default}." if p.default is not None else ""
            fields[p.name] = forms.CharField(
                required=False,
                label=label,
                max_length=100_000,
                help_text=f"{p.help} ({p.flag}).{default}",
                widget=forms.TextInput(attrs=attrs),
            )
    fields["plot"] = forms.BooleanField(required=False, initial=True, label="Draw the plot") if analysis.plots else None
    form_class = type("AnalysisForm", (forms.Form,), {k: v for k, v in fields.items() if v is not None})
    return form_class(data, files, initial=initial)  # type: ignore[no-any-return]
