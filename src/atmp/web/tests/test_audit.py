import base64
import hashlib
import json

from atmp.ledger import checkpoints
from atmp.ledger.models import AuditTrailReview
from atmp.testing import rename_site


def test_the_trail_filters_by_record_and_user(as_inspector, site, qa_reviewer):
    rename_site(site, "Leiden 2", actor=qa_reviewer, reason="why not")
    response = as_inspector.get("/audit/", {"record_type": "accounts.site", "record_id": str(site.pk), "user": "rita"})
    rows = response.context["rows"]
    assert [r.entry.action for r in rows] == ["update", "create"]
    assert 'data-testid="start-review"' not in response.content.decode()  # the inspector does not review


def test_a_bad_filter_is_shown_beside_the_field(as_inspector):
    response = as_inspector.get("/audit/", {"since": "yesterday", "user": "nobody"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="error-since"' in page and 'data-testid="error-user"' in page


def test_the_older_link_continues_below_the_page(as_inspector, site, qa_reviewer, monkeypatch):
    from atmp.ledger import trail

    monkeypatch.setattr(trail, "PAGE", 2)
    monkeypatch.setattr(trail.trail, "__kwdefaults__", {"before": None, "limit": 2})
    for n in range(3):
        rename_site(site, f"Leiden {n}", actor=qa_reviewer)
    first = as_inspector.get("/audit/", {"record_type": "accounts.site"})
    assert len(first.context["rows"]) == 2 and first.context["next_before"]
    second = as_inspector.get("/audit/", {"record_type": "accounts.site", "before": first.context["next_before"]})
    assert second.context["rows"][0].entry.seq < first.context["rows"][-1].entry.seq


def test_the_entry_page_shows_hashes_and_proof_links(as_inspector, site):
    entry = site_entry(site)
    page = as_inspector.get(f"/audit/entries/{entry.seq}/").content.decode()
    assert entry.hash in page and entry.prev_hash in page
    assert f"/audit/entries/{entry.seq}/proof.json" in page and "contrib/atmp_verify.py" in page


def site_entry(site):
    from atmp.ledger.models import AuditEntry

    return AuditEntry.objects.filter(record_type="accounts.site", record_id=str(site.pk)).first()


def root_from_proof(document: dict, entry_hash: str) -> bytes:
    """Recompute the root as docs/user-guide.md tells an inspector to (RFC 9162 §2.1.3.2)."""

    def h(b: bytes) -> bytes:
        return hashlib.sha256(b).digest()

    fn, sn = document["index"], document["size"] - 1
    r = h(b"\x00" + bytes.fromhex(entry_hash))
    assert r == base64.b64decode(document["leaf_hash"])
    for p in map(base64.b64decode, document["proof"]):
        assert sn != 0, "proof too long"
        if fn & 1 or fn == sn:
            r = h(b"\x01" + p + r)
            while fn and not fn & 1:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = h(b"\x01" + r + p)
        fn, sn = fn >> 1, sn >> 1
    assert sn == 0, "proof too short"
    return r


def test_the_proof_downloads_as_json_and_checks_against_the_checkpoint(as_inspector, site, qa_reviewer):
    for n in range(5):
        rename_site(site, f"Leiden {n}", actor=qa_reviewer)
    entry = site_entry(site)
    cp = checkpoints.sign_now()
    response = as_inspector.get(f"/audit/entries/{entry.seq}/proof.json")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    document = json.loads(response.content)
    assert (document["seq"], document["size"]) == (entry.seq, cp.size)
    root = root_from_proof(document, entry.hash)
    assert base64.b64encode(root).decode() == cp.note.splitlines()[2] == document["root"]


def test_the_checkpoint_and_verifier_key_download(as_inspector, site):
    assert as_inspector.get("/ledger/checkpoint.txt").status_code == 404  # none signed yet
    cp = checkpoints.sign_now()
    note = as_inspector.get("/ledger/checkpoint.txt")
    assert note.content.decode() == cp.note and "attachment" in note["Content-Disposition"]
    vkey = as_inspector.get("/ledger/vkey.txt").content.decode()
    assert vkey.startswith("atmp.example/ledger+")


def test_the_reviewer_starts_a_review_and_is_taken_to_sign_it(as_approver, site):
    response = as_approver.post("/audit/reviews/", {"record_type": "accounts.site", "comment": "site changes fine"})
    review = AuditTrailReview.objects.get()
    assert response["Location"] == f"/records/ledger.audittrailreview/{review.pk}/?sign=1"
    page = as_approver.get(response["Location"]).content.decode()
    assert 'value="audit_trail_reviewed"' in page and "data-autoopen" in page
    assert "Show the reviewed entries" in page


def test_a_review_without_a_comment_is_refused(as_approver, site):
    as_approver.post("/audit/reviews/", {"record_type": "accounts.site", "comment": ""})
    assert not AuditTrailReview.objects.exists()


def test_the_inspector_cannot_start_a_review(as_inspector, site):
    response = as_inspector.post("/audit/reviews/", {"comment": "x"})
    assert response.status_code == 403


def test_checkpoints_are_signed_on_demand_by_qa(as_approver, as_inspector, site):
    assert as_inspector.post("/ledger/checkpoints/").status_code == 403
    assert as_approver.post("/ledger/checkpoints/", {"next": "/"}).status_code == 302
    assert checkpoints.latest() is not None


def test_an_unsigned_review_waits_on_the_reviewers_start_page(as_approver, qa_approver, site):
    from atmp.accounts import signing
    from atmp.ledger import reviews, trail
    from atmp.testing import PASSWORD

    review = reviews.start_review(actor=qa_approver, filter=trail.TrailFilter(), comment="all")
    assert review in as_approver.get("/").context["awaiting"]
    signing.sign(
        signer=qa_approver, record=review, meaning="audit_trail_reviewed", password=PASSWORD, outcome="no_findings"
    )
    assert as_approver.get("/").context["awaiting"] == []


def test_a_time_outside_the_utc_calendar_is_a_400_naming_the_field(as_inspector):
    for field, value in [("since", "9999-12-31T23:59:59-14:00"), ("until", "0001-01-01T00:00:00+01:00")]:
        response = as_inspector.get("/audit/", {field: value})
        assert response.status_code == 400
        assert f'data-testid="error-{field}"' in response.content.decode()
