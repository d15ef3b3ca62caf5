"""The upload and detach forms of the record page's Files panel."""

from django import forms


class UploadForm(forms.Form):
    """A file to attach, a note about it and the reason (recorded in the ledger)."""

    file = forms.FileField(allow_empty_file=True)
    note = forms.CharField(required=False, max_length=2000, widget=forms.TextInput)
    reason = forms.CharField(max_length=2000, widget=forms.TextInput)


class DetachForm(forms.Form):
    """Why the file is detached (the attachment is voided; the file stays)."""

    reason = forms.CharField(max_length=2000, widget=forms.TextInput)
