"""The record page's PDF: /records/<type>/<id>/pdf, the same file `atmp print` writes."""

import io

import pypdf

from atmp.printing import proofs
from atmp.testing import make_signed_history, make_site


def test_every_record_page_links_to_its_pdf(as_inspector, site):
    page = as_inspector.get(f"/records/accounts.site/{site.pk}/").content.decode()
    assert f'href="/records/accounts.site/{site.pk}/pdf"' in page


def test_the_pdf_carries_the_record_and_its_proofs(as_inspector, site, qa_reviewer, qa_approver):
    make_signed_history(site, editor=qa_reviewer, signer=qa_approver, changes=2, signatures=1)
    response = as_inspector.get(f"/records/accounts.site/{site.pk}/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f"atmp-accounts.site-{site.pk}-v3.pdf" in response["Content-Disposition"]
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    assert set(reader.attachments) == {
        proofs.MANIFEST, proofs.SNAPSHOT, proofs.ENTRIES, proofs.PROOFS, proofs.CHECKPOINT
    }  # fmt: skip
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Alex Approver" in text and "Approved" in text and " CET" in text  # the signature's manifestation
    assert "change 2" in text and "Page 1 of" in text and "printed at" in text and "Ines Inspector" in text


def test_a_site_limited_user_gets_no_pdf_of_another_site(qa_reviewer, db):
    from atmp.testing import PASSWORD, make_user
    from atmp.web.tests.conftest import signed_in

    mine, other = make_site(actor=qa_reviewer), make_site(actor=qa_reviewer)
    local = signed_in(make_user("inspector", username="local", password=PASSWORD, site=mine))
    assert local.get(f"/records/accounts.site/{mine.pk}/pdf").status_code == 200
    assert local.get(f"/records/accounts.site/{other.pk}/pdf").status_code == 404


def test_an_unknown_record_has_no_pdf(as_inspector, db):
    assert as_inspector.get("/records/accounts.site/999999/pdf").status_code == 404
    assert as_inspector.get("/records/nope.nope/1/pdf").status_code == 404


def test_the_print_has_the_whole_history_where_the_page_has_one_page(as_inspector, inspector, site, qa_reviewer):
    import datetime as dt

    from atmp.web import record_page

    make_signed_history(site, editor=qa_reviewer, signer=qa_reviewer, changes=55, signatures=0)
    page = as_inspector.get(f"/records/accounts.site/{site.pk}/").content.decode()
    printed = record_page.print_html(inspector, site, printed_at=dt.datetime.now(dt.UTC))
    assert page.count('data-testid="history-row"') == 50 and 'data-testid="older"' in page
    assert printed.count('data-testid="history-row"') == 56 and 'data-testid="older"' not in printed
    assert "<form" not in printed and "<script" not in printed and "<nav" not in printed
