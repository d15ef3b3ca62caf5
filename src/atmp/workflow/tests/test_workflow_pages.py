"""The workflow's form posts from a record page: they act, or return to the page with the rule named."""

from __future__ import annotations

import pytest

from atmp.testing import PASSWORD, make_site
from atmp.web.tests.conftest import signed_in
from atmp.workflow import links

pytestmark = pytest.mark.django_db


def test_a_transition_from_the_page_moves_the_record(case, author):
    client = signed_in(author)
    answer = client.post(
        f"/workflow/{case.record_type()}/{case.pk}/transitions/submit/",
        {"reason": "ready", "version": case.version},
        follow=True,
    )
    case.refresh_from_db()
    assert case.status == "in_review"
    assert "is now In review" in answer.content.decode()


def test_a_refused_transition_names_the_rule_on_the_page(in_review, author):
    client = signed_in(author)
    answer = client.post(
        f"/workflow/{in_review.record_type()}/{in_review.pk}/transitions/approve/",
        {"reason": "ok", "password": PASSWORD},
        follow=True,
    )
    in_review.refresh_from_db()
    assert in_review.status == "in_review"
    assert "segregation of duties" in answer.content.decode()


def test_a_refusal_reopens_the_form_with_what_was_typed_and_the_rule(case, author):
    client = signed_in(author)
    typed = "closing it now because the batch left"

    answer = client.post(
        f"/workflow/{case.record_type()}/{case.pk}/transitions/submit/",
        {"reason": typed, "version": case.version + 5},
    )

    page = answer.content.decode()
    case.refresh_from_db()
    assert answer.status_code == 409 and case.status == "draft"
    assert 'data-testid="refused"' in page and typed in page
    assert 'data-transition="submit" open' in page


def test_a_refused_link_keeps_the_typed_target(case, author):
    answer = signed_in(author).post(
        f"/workflow/{case.record_type()}/{case.pk}/links/",
        {"relation": "concerns", "target": "quality.deviation:999999", "note": "typed note", "reason": "r"},
    )
    page = answer.content.decode()
    assert answer.status_code == 400 or answer.status_code == 404
    assert 'data-testid="refused"' in page and "quality.deviation:999999" in page and "typed note" in page
    assert links.for_record(case) == []


def test_a_link_is_added_and_removed_from_the_page(case, author):
    client = signed_in(author)
    site = make_site()
    client.post(f"/workflow/{case.record_type()}/{case.pk}/links/", {"relation": "concerns", "target": site.record_key})
    (shown,) = links.for_record(case)
    client.post(f"/workflow/links/{shown.link.pk}/remove/", {"reason": "wrong", "back": case.record_key})
    assert links.for_record(case) == []


def test_a_get_is_not_allowed(case, author):
    assert signed_in(author).get(f"/workflow/{case.record_type()}/{case.pk}/transitions/submit/").status_code == 405


def test_the_record_page_shows_the_status_and_links_panels(in_review, author, qa_approver):
    links.link(actor=author, source=in_review, target=make_site(), relation="concerns")
    page = signed_in(qa_approver).get(f"/records/{in_review.record_type()}/{in_review.pk}/").content.decode()
    assert 'data-testid="workflow-state"' in page and "In review" in page
    assert 'data-transition="approve"' in page and "signed “Approved”" in page
    assert 'data-testid="links"' in page and "concerns" in page
    mine = signed_in(author).get(f"/records/{in_review.record_type()}/{in_review.pk}/").content.decode()
    assert "is not possible" in mine and "segregation of duties" in mine
