from atmp.accounts import signing
from atmp.ledger.models import Signature
from atmp.testing import PASSWORD, rename_site


def _url(site) -> str:
    return f"/records/accounts.site/{site.pk}/"


def test_it_shows_the_fields_history_and_the_reason(as_approver, site, qa_reviewer):
    rename_site(site, "Leiden Bio Science Park", actor=qa_reviewer, reason="name as on the licence")
    page = as_approver.get(_url(site)).content.decode()
    assert "Leiden Bio Science Park" in page and "Time zone" in page
    assert "name as on the licence" in page
    assert "<del>Leiden</del> → <ins>Leiden Bio Science Park</ins>" in page
    assert "Rita Reviewer" in page and " UTC" in page and " CET" in page  # UTC and the site's zone


def test_an_unknown_type_or_id_is_not_found(as_approver, site):
    assert as_approver.get("/records/nope.nope/1/").status_code == 404
    assert as_approver.get("/records/accounts.site/999999/").status_code == 404


def test_the_approver_signs_with_the_password(as_approver, site, qa_approver):
    response = as_approver.post(_url(site) + "sign/", {"meaning": "approved", "password": PASSWORD, "version": 1})
    assert response.status_code == 302
    sig = Signature.objects.get(record_id=str(site.pk))
    assert (sig.meaning, sig.signer_name, sig.record_version) == ("approved", "Alex Approver", 1)
    page = as_approver.get(_url(site)).content.decode()
    assert "Approved" in page and "Alex Approver" in page and "superseded" not in page


def test_a_wrong_password_is_shown_in_the_dialog_and_nothing_is_signed(as_approver, site):
    response = as_approver.post(
        _url(site) + "sign/", {"meaning": "approved", "password": "wrong password", "version": 1}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "the password is wrong" in page and "data-autoopen" in page
    assert not Signature.objects.exists()


def test_signing_a_version_that_moved_on_is_refused(as_approver, site, qa_reviewer):
    rename_site(site, "Leiden 2", actor=qa_reviewer)
    response = as_approver.post(_url(site) + "sign/", {"meaning": "approved", "password": PASSWORD, "version": 1})
    assert "version 2 is current" in response.content.decode()
    assert not Signature.objects.exists()


def test_the_dialog_offers_only_the_meanings_the_role_allows(as_approver, site):
    page = as_approver.get(_url(site)).content.decode()
    assert 'value="approved"' in page and 'value="qp_certified"' not in page
    assert 'value="audit_trail_reviewed"' not in page


def test_a_later_change_shows_the_signature_superseded(as_approver, site, qa_approver, qa_reviewer):
    signing.sign(signer=qa_approver, record=site, meaning="approved", password=PASSWORD)
    rename_site(site, "Leiden 2", actor=qa_reviewer)
    page = as_approver.get(_url(site)).content.decode()
    assert 'data-testid="superseded"' in page


def test_the_inspector_sees_no_edit_or_sign_button(as_inspector, site):
    page = as_inspector.get(_url(site)).content.decode()
    assert "Leiden" in page
    assert 'data-testid="sign-button"' not in page and "/edit/" not in page and "<dialog" not in page
    assert (
        as_inspector.post(_url(site) + "sign/", {"meaning": "approved", "password": PASSWORD, "version": 1}).status_code
        == 403
    )


def test_the_administrator_sees_no_gmp_write_or_sign_button(as_sysadmin, site):
    page = as_sysadmin.get(_url(site)).content.decode()
    assert 'data-testid="sign-button"' not in page and "/edit/" not in page
    assert as_sysadmin.get("/users/").status_code == 200


def test_role_assignments_have_record_pages(as_sysadmin, qa_reviewer):
    assignment = qa_reviewer.assignments.get()
    page = as_sysadmin.get(f"/records/accounts.roleassignment/{assignment.pk}/").content.decode()
    assert "QA Reviewer" in page and "Rita Reviewer" in page


def test_the_history_pages_with_an_older_link(as_approver, site, qa_reviewer, monkeypatch):
    from atmp.ledger import trail

    monkeypatch.setattr(trail.history, "__kwdefaults__", {"before": None, "limit": 2})
    for n in range(3):
        rename_site(site, f"Leiden {n}", actor=qa_reviewer)
    first = as_approver.get(_url(site))
    assert [r.entry.record_version for r in first.context["history"]] == [4, 3]
    older = as_approver.get(_url(site), {"before": first.context["next_before"]})
    assert [r.entry.record_version for r in older.context["history"]] == [2, 1]
    assert "Newest" in older.content.decode()


def test_a_user_with_mfa_must_give_the_code_to_sign(as_approver, site, qa_approver, monkeypatch):
    import datetime as dt

    import pyotp

    from atmp.accounts import auth
    from atmp.ledger import clock

    secret = auth.new_totp_secret()
    auth.enable_mfa(user=qa_approver, secret=secret, code=pyotp.TOTP(secret).now(), password=PASSWORD)
    page = as_approver.get(_url(site)).content.decode()
    assert 'name="otp"' in page
    data = {"meaning": "approved", "password": PASSWORD, "version": 1}
    assert "code is wrong" in as_approver.post(_url(site) + "sign/", {**data, "otp": "000000"}).content.decode()
    later = clock.now() + dt.timedelta(minutes=2)  # the enrolment spent the current steps
    monkeypatch.setattr(clock, "now", lambda: later)
    response = as_approver.post(_url(site) + "sign/", {**data, "otp": pyotp.TOTP(secret).at(later)})
    assert response.status_code == 302
    assert Signature.objects.filter(meaning="approved").count() == 1


def test_the_dialog_chooses_no_meaning_for_the_signer(as_approver, site):
    page = as_approver.get(_url(site)).content.decode()
    assert '<option value="" selected>— choose what your signature means —</option>' in page
    assert "selected>Reviewed" not in page and "selected>Approved" not in page
    response = as_approver.post(_url(site) + "sign/", {"meaning": "", "password": PASSWORD, "version": 1})
    assert response.status_code == 400 and not Signature.objects.exists()


def test_authored_is_offered_to_the_author_only(as_approver, as_reviewer, site):
    assert 'value="authored"' in as_reviewer.get(_url(site)).content.decode()  # Rita created the site
    reviewer_page = as_reviewer.get(_url(site)).content.decode()
    assert 'value="reviewed"' not in reviewer_page and 'value="approved"' not in reviewer_page
    approver_page = as_approver.get(_url(site)).content.decode()
    assert 'value="authored"' not in approver_page and 'value="approved"' in approver_page
