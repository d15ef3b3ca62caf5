from atmp.accounts.models import Site
from atmp.ledger.models import AuditEntry


def test_the_reviewer_creates_a_site(as_reviewer):
    response = as_reviewer.post("/sites/new/", {"code": "ams", "name": "Amsterdam", "timezone": "Europe/Amsterdam"})
    assert response.status_code == 302
    site = Site.objects.get(code="AMS")
    assert response["Location"] == f"/records/accounts.site/{site.pk}/"


def test_a_bad_code_is_shown_beside_the_field(as_reviewer):
    response = as_reviewer.post("/sites/new/", {"code": "a b", "name": "X", "timezone": "Europe/Amsterdam"})
    assert response.status_code == 200
    assert 'data-testid="error-code"' in response.content.decode()
    assert not Site.objects.exists()


def test_an_edit_needs_a_reason_and_records_it(as_reviewer, site):
    url = f"/sites/{site.pk}/edit/"
    data = {"name": "Leiden BSP", "timezone": site.timezone, "address": "", "version": 1}
    missing = as_reviewer.post(url, data)
    assert 'data-testid="error-reason"' in missing.content.decode()
    response = as_reviewer.post(url, {**data, "reason": "name on the licence"})
    assert response.status_code == 302
    site.refresh_from_db()
    assert (site.name, site.version) == ("Leiden BSP", 2)
    assert AuditEntry.objects.filter(action="update", reason="name on the licence").exists()


def test_an_edit_of_a_version_someone_changed_since_is_refused(as_reviewer, site, qa_reviewer):
    from atmp.testing import rename_site

    rename_site(site, "Leiden 2", actor=qa_reviewer)
    data = {"name": "Leiden BSP", "timezone": site.timezone, "address": "", "version": 1, "reason": "r"}
    response = as_reviewer.post(f"/sites/{site.pk}/edit/", data)
    assert "changed by someone else" in response.content.decode()
    site.refresh_from_db()
    assert site.name == "Leiden 2"


def test_voiding_needs_a_reason(as_reviewer, site):
    url = f"/sites/{site.pk}/void/"
    assert 'data-testid="error-reason"' in as_reviewer.post(url, {"version": 1}).content.decode()
    assert as_reviewer.post(url, {"version": 1, "reason": "site closed"}).status_code == 302
    site.refresh_from_db()
    assert site.voided
    page = as_reviewer.get(f"/records/accounts.site/{site.pk}/").content.decode()
    assert 'data-testid="voided"' in page and "/edit/" not in page


def test_the_inspector_cannot_open_the_edit_page(as_inspector, site):
    assert as_inspector.get(f"/sites/{site.pk}/edit/").status_code == 403


def test_the_users_page_lists_roles(as_inspector, qa_reviewer):
    page = as_inspector.get("/users/").content.decode()
    assert "rita" in page and "QA Reviewer" in page
    assert as_inspector.get(f"/users/{qa_reviewer.pk}/").status_code == 200
