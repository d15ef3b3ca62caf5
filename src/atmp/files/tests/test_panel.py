"""The record page's Files panel: the attachments, and an upload form for those who may change the record."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from atmp.files.panels import files_panel
from atmp.testing import make_attachment

pytestmark = pytest.mark.django_db


def rendered(user, record, **kwargs):
    panel = files_panel(user, record, **kwargs)
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string(panel.template, {"panel": panel}, request=request)


def test_it_lists_the_attachments_with_type_size_hash_and_who(qa_reviewer, site):
    attachment = make_attachment(actor=qa_reviewer, record=site)
    html = rendered(qa_reviewer, site)
    stored = attachment.stored_file
    assert stored.name in html and stored.media_type in html and stored.sha256[:12] in html
    assert "Rita Reviewer" in html and f"/files/{stored.pk}/download/" in html
    assert 'data-testid="upload-form"' in html and 'enctype="multipart/form-data"' in html


def test_a_user_who_may_not_change_the_record_gets_no_form(operator, inspector, site):
    assert 'data-testid="upload-form"' not in rendered(operator, site)  # sites need sites.manage
    assert 'data-testid="upload-form"' not in rendered(inspector, site)
    assert 'data-testid="no-attachments"' in rendered(inspector, site)


def test_the_printed_panel_has_no_form_and_no_link(qa_reviewer, site):
    make_attachment(actor=qa_reviewer, record=site)
    html = rendered(qa_reviewer, site, for_print=True)
    assert "<form" not in html and "/download/" not in html and "note.txt" in html


def test_an_attachment_page_has_no_files_panel(qa_reviewer, site):
    assert files_panel(qa_reviewer, make_attachment(actor=qa_reviewer, record=site)) is None


def test_a_stored_files_own_page_shows_its_download_and_where_it_is_attached(qa_reviewer, site):
    attachment = make_attachment(actor=qa_reviewer, record=site)
    html = rendered(qa_reviewer, attachment.stored_file)
    assert f"/files/{attachment.stored_file.pk}/download/" in html
    assert f"/records/accounts.site/{site.pk}/" in html and "<form" not in html
