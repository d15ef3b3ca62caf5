"""The traceability pages' forms: what a person types, before the services check it."""

from __future__ import annotations

from django import forms

from atmp.trace import personal
from atmp.trace.models import PersonKind
from atmp.trace.services.identities import MAX_PURPOSE

PURPOSE_HELP = "Recorded in the audit trail with your name and the COI; never type the person's data here."


class RevealForm(forms.Form):
    """Why the reader needs the personal data."""

    purpose = forms.CharField(max_length=MAX_PURPOSE, help_text=PURPOSE_HELP)


class FindForm(forms.Form):
    """A hospital number, or a name with a birth date, and why."""

    hospital_number = forms.CharField(max_length=personal.MAX_HOSPITAL_NUMBER, required=False)
    name = forms.CharField(max_length=personal.MAX_NAME, required=False)
    birth_date = forms.CharField(max_length=20, required=False, help_text="e.g. 1961-04-17")
    purpose = forms.CharField(max_length=MAX_PURPOSE, help_text=PURPOSE_HELP)


class RegisterForm(forms.Form):
    """A donor or patient to register, with their personal data."""

    site = forms.ChoiceField(choices=())
    kind = forms.ChoiceField(choices=PersonKind.choices)
    name = forms.CharField(max_length=personal.MAX_NAME)
    birth_date = forms.CharField(max_length=20, help_text="e.g. 1961-04-17")
    hospital_number = forms.CharField(max_length=personal.MAX_HOSPITAL_NUMBER)
    not_a_duplicate = forms.BooleanField(
        required=False, label="Another person than one registered with the same name and birth date"
    )
    reason = forms.CharField(
        max_length=2000, required=False, help_text="Why, when it is needed; never the person's data."
    )

    def __init__(self, *args: object, sites: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["site"].choices = sites  # type: ignore[attr-defined]
