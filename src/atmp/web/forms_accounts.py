"""Forms of the account pages: your password, MFA and API tokens; an administrator's recovery actions."""

from __future__ import annotations

from typing import Any

from django import forms

from atmp.accounts import auth
from atmp.web.forms import REASON_HELP


def _password(label: str = "Your password", autocomplete: str = "current-password") -> forms.CharField:
    return forms.CharField(
        label=label, max_length=1024, strip=False, widget=forms.PasswordInput(attrs={"autocomplete": autocomplete})
    )


def _otp() -> forms.CharField:
    return forms.CharField(
        label="Authenticator code",
        max_length=7,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class ReauthForm(forms.Form):
    """A form that asks for the password again, and the code when the user is enrolled in MFA."""

    def __init__(self, *args: Any, mfa: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"] = _password()
        if mfa:
            self.fields["otp"] = _otp()


class PasswordChangeForm(forms.Form):
    current = _password("Current password")
    new = _password("New password", "new-password")
    again = _password("New password, again", "new-password")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new") and data.get("again") and data["new"] != data["again"]:
            self.add_error("again", "the two new passwords differ")
        return data


class TokenForm(ReauthForm):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. 'LIMS interface'.")
    scope = forms.ChoiceField(choices=list(auth.TOKEN_SCOPES.items()), initial="read")
    days = forms.IntegerField(
        label="Valid for (days)", min_value=1, max_value=auth.TOKEN_MAX_DAYS, initial=auth.TOKEN_DAYS
    )
    field_order = ["name", "scope", "days", "password", "otp"]

    def __init__(self, *args: Any, mfa: bool, **kwargs: Any) -> None:
        super().__init__(*args, mfa=mfa, **kwargs)
        self.order_fields(self.field_order)


class MfaForm(ReauthForm):
    code = forms.RegexField(
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        label="Code from the app",
        error_messages={"invalid": "enter the 6 digits your authenticator app shows"},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 7}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, mfa=False, **kwargs)
        self.order_fields(["password", "code"])


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=1000, help_text=REASON_HELP, widget=forms.Textarea(attrs={"rows": 2}))


class ResetPasswordForm(ReasonForm):
    password = _password("Temporary password", "new-password")
    field_order = ["password", "reason"]


class ApproveForm(ReauthForm):
    reason = forms.CharField(label="Comment", max_length=1000, required=False)
