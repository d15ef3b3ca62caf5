"""Factories for tests and benchmarks: users with roles, sites, and audited changes."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any, TypeVar

from django.db import transaction

from atmp.accounts.attest import account_event
from atmp.accounts.hashers import Argon2idHasher
from atmp.accounts.models import RoleAssignment, Site, User
from atmp.accounts.roles import Role
from atmp.ledger import writer

_counter = itertools.count(1)
PASSWORD = "correct horse battery staple 42"  # noqa: S105 - test personas only


class QuickArgon2idHasher(Argon2idHasher):
    """Argon2id at argon2's smallest cost: the test settings' hasher (atmp.test_settings).

    Every persona and signature hashes or checks a password; at OWASP's 19 MiB and two passes
    that was ~50 ms each, minutes of the suite. The code path is the same (same algorithm, same
    encoded form, Django's check and rehash); the production parameters are checked on their own
    (accounts/tests/test_password_hashing.py), and every subprocess test (CLI, server, browser,
    crash) runs atmp.settings, so the real hasher.
    """

    time_cost = 1
    memory_cost = 8  # KiB: argon2's minimum for one lane
    parallelism = 1


def make_user(
    *roles: str,
    username: str | None = None,
    full_name: str | None = None,
    password: str | None = None,
    site: Site | None = None,
) -> User:
    """Create an active user holding the given roles (assigned by the system through the ledger)."""
    n = next(_counter)
    if username is None:
        # Another process may have made users in the same database (the browser tests' server, built
        # by one subprocess per test module): skip the numbers it took.
        while User.objects.filter(username=f"user{n}").exists():
            n = next(_counter)
        username = f"user{n}"
    user = User(username=username, full_name=full_name or f"Test User {n}", email=f"{username}@example.org")
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    with writer.change(actor=None, reason="test set-up") as ch:
        user.save()
        account_event(ch, user, action="user_created")
        for role in roles:
            RoleAssignment(user=user, role=role, site=site).save()
    user.forget_roles()
    return user


def make_site(*, actor: User | None = None, code: str | None = None, **fields: Any) -> Site:
    """Create a site through the ledger."""
    n = next(_counter)
    site = Site(code=code or f"S{n:03d}", name=fields.pop("name", f"Site {n}"), **fields)
    with writer.change(actor=actor, reason=""):
        site.save()
    return site


def rename_site(site: Site, name: str, *, actor: User | None = None, reason: str = "correct the name") -> Site:
    """Change a site's name through the ledger."""
    with writer.change(actor=actor, reason=reason):
        site.name = name
        site.save()
    return site


def make_signed_history(
    site: Site, *, editor: User, signer: User, changes: int, signatures: int, password: str = PASSWORD
) -> Site:
    """Rename a site `changes` times and have `signer` approve `signatures` of its versions, spread over them."""
    from atmp.accounts import signing

    signed_after = {round((i + 1) * changes / signatures) for i in range(signatures)} if signatures else set()
    if signatures and 0 in signed_after:
        signed_after = {i + 1 for i in range(signatures)}
    for i in range(1, changes + 1):
        rename_site(site, f"{site.name.split(' #')[0]} #{i}", actor=editor, reason=f"change {i}")
        site.refresh_from_db()
        if i in signed_after:
            signing.sign(signer=signer, record=site, meaning="approved", password=password)
            site.refresh_from_db()
    return site


ALL_ROLES = [r.value for r in Role]

T = TypeVar("T")


def rolled_back_at_the_end(django_db_blocker: Any, make: Callable[[], T]) -> Iterator[T]:
    """Yield make()'s data, made once in a transaction that is rolled back after the last test using it.

    For a module- or session-scoped fixture (pass pytest-django's django_db_blocker): as Django's
    TestCase.setUpTestData, each test's own transaction (its `db`) is a savepoint inside this one,
    so a test sees the shared data and none of the writes of the tests before it.
    """
    with django_db_blocker.unblock():
        shared = transaction.atomic()
        shared.__enter__()
        try:
            data = make()
        except BaseException:
            transaction.set_rollback(True)
            shared.__exit__(None, None, None)
            raise
    try:
        yield data
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            shared.__exit__(None, None, None)


def make_role_assignment(*, actor: User | None = None, role: str = "operator") -> RoleAssignment:
    """Create a role assignment through the ledger."""
    user = make_user()
    assignment = RoleAssignment(user=user, role=role)
    with writer.change(actor=actor, reason=""):
        assignment.save()
    return assignment


def make_review(*, actor: User) -> Any:
    """Create an audit-trail review over the whole trail."""
    from atmp.ledger import reviews, trail

    return reviews.start_review(actor=actor, filter=trail.TrailFilter())


def make_stored_file(
    *, actor: User, content: bytes = b"%PDF-1.7\n% a test file\n", name: str = "report.pdf", site: Site | None = None
) -> Any:
    """Store a small file through the files service."""
    import io

    from atmp.files import services

    return services.store(actor=actor, stream=io.BytesIO(content), name=name, site=site, reason="")


def make_attachment(
    *, actor: User, record: Any = None, content: bytes = b"plain text\n", name: str = "note.txt"
) -> Any:
    """Store a small file and attach it to a record (a new site by default)."""
    import io

    from atmp.files import services

    target = record if record is not None else make_site(actor=actor)
    return services.store_and_attach(
        actor=actor, record=target, stream=io.BytesIO(content), name=name, reason="the signed protocol"
    )


def make_link(*, actor: User, relation: str = "relates_to") -> Any:
    """Link two new sites through the workflow's link service."""
    from atmp.workflow import links

    return links.link(actor=actor, source=make_site(), target=make_site(), relation=relation, reason="test set-up")


def make_sample_case(*, actor: User | None = None, **fields: Any) -> Any:
    """Create the test-only workflow record (atmp.workflow.tests.sample) in its initial state."""
    from atmp.workflow.tests.sample.models import SampleCase

    fields.setdefault("summary", "what happened")
    case = SampleCase(title=fields.pop("title", f"Case {next(_counter)}"), **fields)
    with writer.change(actor=actor, reason=""):
        case.save()
    return case


def _q() -> Any:
    from atmp.quality import factories

    return factories


def signed_in(user: User) -> Any:
    """Return a Django test client signed in as the user through /login/ (audited like a real sign-in)."""
    from django.test import Client

    client = Client()
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


class ApiClient:
    """A test client that speaks JSON to /api/v1/ with one persona's bearer token (or none)."""

    def __init__(self, token: str | None = None, **kwargs: Any) -> None:
        from django.test import Client

        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = Client(headers=headers, **kwargs)

    def get(self, path: str, **params: Any) -> Any:
        """GET an API path with query parameters."""
        return self.client.get(f"/api/v1{path}", params)

    def post(self, path: str, body: Any = None) -> Any:
        """POST a JSON body."""
        return self._send("post", path, body)

    def patch(self, path: str, body: Any = None) -> Any:
        """PATCH a JSON body."""
        return self._send("patch", path, body)

    def put(self, path: str, body: Any = None) -> Any:
        """PUT a JSON body."""
        return self._send("put", path, body)

    def _send(self, method: str, path: str, body: Any) -> Any:
        import json

        data = body if isinstance(body, str | bytes) else json.dumps(body if body is not None else {})
        return getattr(self.client, method)(f"/api/v1{path}", data=data, content_type="application/json")


class _FormReader(HTMLParser):
    """Collect what a browser would post for the first form with the given data-testid."""

    def __init__(self, testid: str) -> None:
        super().__init__()
        self.testid = testid
        self.inside = False
        self.values: dict[str, str] = {}
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "form" and found.get("data-testid") == self.testid:
            self.inside = True
        if not self.inside:
            return
        if tag == "option" and self.select is not None and ("selected" in found or self.select not in self.values):
            self.values[self.select] = found.get("value", "")
        if "name" not in found:
            return
        name = found["name"]
        if tag == "input":
            if found.get("type") in ("checkbox", "radio"):
                if "checked" in found:
                    self.values[name] = found.get("value") or "on"
            elif found.get("type") not in ("submit", "button", "file"):
                self.values[name] = found.get("value", "")
        elif tag == "select":
            self.select = name
        elif tag == "textarea":
            self.textarea = name
            self.values[name] = ""

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            # Browsers drop the one newline that follows <textarea>.
            self.values[self.textarea] += data.removeprefix("\n") if not self.values[self.textarea] else data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def drawn_form(page: str, testid: str = "operation-form") -> dict[str, str]:
    """Return what a browser posts for a page's form as drawn (its values, ticked boxes, chosen options)."""
    reader = _FormReader(testid)
    reader.feed(page)
    return reader.values


def token_for(user: User) -> str:
    """Return a fresh API token of the user (made by the user, as POST /tokens would)."""
    from atmp.accounts import auth

    return auth.issue_token(actor=None, user=user, name="api tests").raw  # issued as `atmp user token` does


def quality_factory(name: str) -> Any:
    """Return atmp.quality.factories.make_<name>, imported when a test first needs it."""
    from atmp.quality import factories

    return getattr(factories, f"make_{name}")


def _signed_at() -> Any:
    import datetime as dt

    return dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


# One factory per GmpRecord model and a field it can change: the contract test in
# ledger/tests/test_record_contract.py fails for any GmpRecord model missing here.
RECORD_FACTORIES: dict[str, tuple[Any, str, Any]] = {
    "accounts.site": (lambda actor: make_site(actor=actor), "name", "Renamed"),
    "accounts.roleassignment": (lambda actor: make_role_assignment(actor=actor), "role", "qc_analyst"),
    "ledger.audittrailreview": (lambda actor: make_review(actor=actor), "comment", "Re-read"),
    "files.storedfile": (lambda actor: make_stored_file(actor=actor), "name", "renamed.pdf"),
    "files.attachment": (lambda actor: make_attachment(actor=actor), "note", "Re-read"),
    "workflow.link": (lambda actor: make_link(actor=actor), "note", "Re-worded"),
    "sample.samplecase": (lambda actor: make_sample_case(actor=actor), "summary", "Re-worded"),
    "quality.deviation": (lambda actor: _quality("make_deviation", actor), "title", "Re-titled"),
    "quality.planneddeviation": (lambda actor: _quality("make_planned_deviation", actor), "title", "Re-titled"),
    "quality.capa": (lambda actor: _quality("make_capa", actor), "title", "Re-titled"),
    "quality.capaaction": (lambda actor: _quality("make_capa_action", actor), "description", "Re-worded"),
    "quality.managementreview": (lambda actor: _quality("make_management_review", actor), "title", "Re-titled"),
    "quality.riskscale": (lambda actor: quality_factory("riskscale")(actor=actor), "severity_levels", "1\n2\n3\n4\n5"),
    "quality.riskassessment": (lambda actor: quality_factory("riskassessment")(actor=actor), "scope", "Re-scoped"),
    "quality.fmearow": (lambda actor: quality_factory("fmearow")(actor=actor), "actions", "Re-worded"),
    "quality.changecontrol": (lambda actor: quality_factory("changecontrol")(actor=actor), "description", "Re-worded"),
    "quality.changetask": (lambda actor: quality_factory("changetask")(actor=actor), "evidence", "Re-worded"),
    "quality.supplier": (lambda actor: _q().make_supplier(actor=actor), "name", "Renamed"),
    "quality.supplierapproval": (lambda actor: _q().make_supplier_approval(actor=actor), "conditions", "Re-worded"),
    "quality.qualityagreement": (lambda actor: _q().make_quality_agreement(actor=actor), "title", "Re-worded"),
    "quality.supplieraudit": (lambda actor: _q().make_supplier_audit(actor=actor), "summary", "Re-worded"),
    "quality.auditfinding": (lambda actor: _q().make_audit_finding(actor=actor), "description", "Re-worded"),
    "quality.complaint": (lambda actor: _q().make_complaint(actor=actor), "investigation", "Re-worded"),
    "quality.recall": (lambda actor: _q().make_recall(actor=actor, with_scope=True), "title", "Re-worded"),
    "quality.recallscope": (lambda actor: _q().make_recall_scope(actor=actor), "description", "Re-worded"),
    "quality.recallrecipient": (lambda actor: _q().make_recall_recipient(actor=actor), "response", "Re-worded"),
    "quality.selfinspection": (lambda actor: _q().make_self_inspection(actor=actor), "scope", "Re-worded"),
    "quality.inspectionfinding": (lambda actor: _q().make_inspection_finding(actor=actor), "description", "Re-worded"),
    "quality.document": (lambda actor: _quality("make_document", actor), "title", "Re-titled"),
    "quality.documentversion": (lambda actor: _quality("make_document_version", actor), "change_summary", "Re-worded"),
    "quality.trainingrequirement": (lambda actor: _quality("make_training_requirement", actor), "note", "Re-worded"),
    "quality.trainingrecord": (
        lambda actor: _quality("make_unsigned_training_record", actor),
        "signed_at",
        _signed_at(),
    ),
    "trace.material": (lambda actor: _t().make_material(actor=actor), "name", "Renamed"),
    "trace.person": (lambda actor: _t().make_person(actor=actor), "kind", "donor"),
    "trace.lot": (lambda actor: _t().make_lot(actor=actor), "location", "Freezer 2, rack B"),
    "trace.use": (lambda actor: _t().make_use(actor=actor), "made_by", "trace.material:1"),
    "trace.cellbank": (lambda actor: _t().make_cell_bank(actor=actor), "storage", "LN2 vapour phase, dewar D2"),
    # Past its retention end, so that the contract may void it (a live one is kept: trace.retention).
    "trace.administration": (lambda actor: _t().make_administration_past_retention(actor=actor), "at", _signed_at()),
    # Sealed by a Chain-of-Identity Coordinator (the only role that may), whoever the actor is.
    "trace.identity": (lambda actor: _t().make_person_with_identity().identity, "ciphertext_sha256", "0" * 64),
    "trace.labelsetup": (lambda actor: _t().make_label_setup(actor=actor), "isbt128", True),
    "trace.shipment": (lambda actor: _t().make_shipment(actor=actor), "courier", "Cryoport"),
    "trace.shipmentlot": (lambda actor: _t().make_shipment(actor=actor).items.get(), "packaging", "Dry shipper 2"),
    "trace.handover": (lambda actor: _t().make_handover(actor=actor), "condition", "Seal intact"),
    "trace.temperaturelog": (lambda actor: _t().make_temperature_log(actor=actor), "range_from", "Re-read"),
    "environment.room": (lambda actor: _e().make_room(actor=actor), "name", "Renamed"),
    "environment.samplepoint": (lambda actor: _e().make_point(actor=actor), "location", "Moved"),
    "environment.alertlimit": (lambda actor: _e().make_alert_limit(actor=actor), "value", Decimal("2")),
    "environment.result": (lambda actor: _e().make_result(actor=actor), "batch", "B-2"),
    "environment.trendalert": (lambda actor: _e().make_trend_alert(actor=actor), "detail", "Re-worded"),
    "environment.trendpolicy": (lambda actor: _e().make_trend_policy(actor=actor), "window_days", 60),
    "manufacturing.product": (lambda actor: _m().make_product(actor=actor), "name", "Renamed"),
    "manufacturing.processversion": (lambda actor: _m().make_processversion(actor=actor), "title", "Re-titled"),
    "manufacturing.equipment": (lambda actor: _m().make_equipment(actor=actor), "location", "Room 3.02"),
    "manufacturing.logbookentry": (lambda actor: _m().make_logbookentry(actor=actor), "note", "Re-worded"),
    "manufacturing.masterbatchrecord": (lambda actor: _m().make_masterbatchrecord(actor=actor), "title", "Re-titled"),
    "manufacturing.mbrstep": (lambda actor: _m().make_mbrstep(actor=actor), "instructions", "Re-worded"),
    "manufacturing.mbrstepsop": (lambda actor: _m().make_mbrstepsop(actor=actor), "position", 9),
    "manufacturing.mbrparameter": (lambda actor: _m().make_mbrparameter(actor=actor), "name", "Renamed"),
    "manufacturing.mbrcontrol": (lambda actor: _m().make_mbrcontrol(actor=actor), "name", "Renamed"),
    "manufacturing.mbrmaterial": (lambda actor: _m().make_mbrmaterial(actor=actor), "tolerance_percent", Decimal("2")),
    "manufacturing.roomcleaning": (lambda actor: _m().make_roomcleaning(actor=actor), "note", "Re-worded"),
    "manufacturing.lineclearance": (lambda actor: _m().make_lineclearance(actor=actor), "note", "Re-worded"),
    "manufacturing.roomuse": (lambda actor: _m().make_roomuse(actor=actor), "note", "Re-worded"),
    "manufacturing.batch": (lambda actor: _m().make_batch(actor=actor), "note", "Re-worded"),
    "manufacturing.batchstep": (lambda actor: _m().make_batchstep(actor=actor), "note", "Re-worded"),
    "manufacturing.batchentry": (lambda actor: _m().make_batchentry(actor=actor), "note", "Re-worded"),
    "lab.method": (lambda actor: _lab().make_method(actor=actor), "title", "Re-titled"),
    "lab.methodvalidation": (lambda actor: _lab().make_methodvalidation(actor=actor), "note", "Re-worded"),
    "lab.specification": (lambda actor: _lab().make_specification(actor=actor), "title", "Re-titled"),
    "lab.specificationattribute": (lambda actor: _lab().make_specificationattribute(actor=actor), "name", "Renamed"),
    # A product's phase is QA's to move: the factory's QA Approver moves it whoever the actor is.
    "lab.productphase": (lambda actor: _lab().make_productphase(actor=actor), "since", _signed_at().date()),
    "lab.batchspecification": (lambda actor: _lab().make_batchspecification(actor=actor), "phase", "ii"),
    "lab.viralclearancestudy": (lambda actor: _lab().make_viralclearancestudy(actor=actor), "title", "Re-titled"),
    "lab.viralclearancestep": (lambda actor: _lab().make_viralclearancestep(actor=actor), "count_reason", "Why"),
    "lab.sample": (lambda actor: _lab().make_sample(actor=actor), "note", "Re-worded"),
    "lab.samplecustody": (lambda actor: _lab().make_samplecustody(actor=actor), "note", "Re-worded"),
    "lab.result": (lambda actor: _lab().make_result(actor=actor), "note", "Re-worded"),
    "lab.oosinvestigation": (lambda actor: _lab().make_oosinvestigation(actor=actor), "phase_1_finding", "Found"),
    "lab.potencycriteria": (lambda actor: _lab().make_potencycriteria(actor=actor), "note", "Re-worded"),
    "lab.potencyrun": (lambda actor: _lab().make_potencyrun(actor=actor), "note", "Re-worded"),
    "lab.potencyresult": (lambda actor: _lab().make_potencyresult(actor=actor), "note", "Re-worded"),
    "lab.stabilitystudy": (lambda actor: _lab().make_stabilitystudy(actor=actor), "title", "Re-titled"),
    "lab.stabilitycondition": (lambda actor: _lab().make_stabilitycondition(actor=actor), "time_points", "0,6,12"),
    "lab.stabilityattribute": (lambda actor: _lab().make_stabilityattribute(actor=actor), "limit", ">=75"),
    "lab.stabilitybatch": (
        lambda actor: _lab().make_stabilitybatch(actor=actor),
        "placed_on",
        _signed_at().date(),
    ),
    "lab.stabilitypull": (lambda actor: _lab().make_stabilitypull(actor=actor), "note", "Re-worded"),
    "lab.batchdisposition": (lambda actor: _lab().make_batchdisposition(actor=actor), "note", "Re-worded"),
    "lab.lateresultalert": (lambda actor: _lab().make_lateresultalert(actor=actor), "message", "Re-worded"),
}


# Where a record needs content before its workflow can move (a deviation is classified before its
# investigation starts), the random walks (workflow/tests/test_random_walk.py) start from these.
WALK_FACTORIES: dict[str, Any] = {
    "quality.deviation": lambda actor: _quality("make_investigated_deviation", actor),
    "quality.capa": lambda actor: _quality("make_capa_ready_for_check", actor),
    "quality.capaaction": lambda actor: _quality("make_evidenced_action", actor),
    "quality.managementreview": lambda actor: _quality("make_reviewed_management_review", actor),
    # From quarantine a walk is rejected (final) long before it draws a signed release by QA with a
    # password; from released it moves on to consumed and recalled. Release: trace/tests/test_lots_release.py.
    "trace.lot": lambda actor: _t().make_released_lot(actor=actor),
    # Effective only once its process version and SOPs are: the plain factory's draft stays a draft.
    "manufacturing.masterbatchrecord": lambda actor: _m().make_mbr_ready_for_approval(actor=actor),
    # Approved only with an attribute whose method is fit for its phase.
    "lab.specification": lambda actor: _lab().make_specification_ready_for_approval(actor=actor),
    # As the service does, the assessment is written by the signed step that assesses the alert.
    "environment.trendalert": lambda actor: _e().make_trend_alert_with_assessment(actor=actor),
    # Submitted with a counted step and its final report: the walk may reach approval and beyond.
    "lab.viralclearancestudy": lambda actor: _lab().make_study_ready_for_approval(actor=actor),
    # Phase I finding written and the result retested: a walk may escalate it, and close it invalidated.
    "lab.oosinvestigation": lambda actor: _lab().make_oos_retested(actor=actor),
    # Evaluated: the walk may reach the second person's review.
    "lab.potencyrun": lambda actor: _lab().make_evaluated_potencyrun(actor=actor),
    # A protocol with a long-term condition and an attribute: the walk may reach its signed approval.
    "lab.stabilitystudy": lambda actor: _lab().make_stabilitystudy_ready_for_approval(actor=actor),
    # Of a batch every certification check passes for: a walk may certify it (or reject it).
    "lab.batchdisposition": lambda actor: _lab().make_certifiable_disposition(actor=actor),
}

# Random walks drawn per workflow (besides the two explicit ones) in `make test`; `make soak` sets
# ATMP_WALK_EXAMPLES for more. A walk whose factory builds a whole executed, tested batch (about a
# second each) draws fewer: its machine has four states, and the explicit walks try every transition
# by every persona forwards and backwards whatever the draw.
WALK_EXAMPLES = 40
COSTLY_WALK_EXAMPLES: dict[str, int] = {"lab.batchdisposition": 10}


def walk_examples(record_type: str) -> int:
    """Return how many random walks to draw for a workflow (ATMP_WALK_EXAMPLES overrides every one)."""
    import os

    wanted = os.environ.get("ATMP_WALK_EXAMPLES", "")
    if wanted.isdecimal():
        return int(wanted)
    return COSTLY_WALK_EXAMPLES.get(record_type, WALK_EXAMPLES)


# `make test`'s two passes share the random searches that use the test database (scripts/test.sh
# sets ATMP_SEARCH_SHARE to 0 in the PostgreSQL pass, 1 in the SQLite one): each pass draws half of
# the search's examples, from its own seed, so the two together draw as many different examples as
# one pass did, each database half of them. A search's explicit @example cases still run in both
# passes, on both databases. Run alone (`pytest`, `make soak`), a search draws all its examples.
def shared_search(test: T) -> T:
    """Make a Hypothesis test that uses the test database draw its pass's half of its examples.

    Put it above the test's @settings and @given. Under a derandomized profile (CI's) each pass
    replays a fixed sequence of its own; otherwise each pass draws at random, as any run does.
    """
    import math
    import os

    from hypothesis import seed, settings

    share = os.environ.get("ATMP_SEARCH_SHARE", "all")
    if share not in ("all", "0", "1"):
        raise ValueError(f"ATMP_SEARCH_SHARE={share!r}: give all, 0 or 1")
    if share == "all":
        return test
    wrapped: Any = test
    # The test's own settings (deadline, health checks) stand; only the number of examples halves.
    own = getattr(wrapped, "_hypothesis_internal_use_settings", None) or settings.default
    wrapped._hypothesis_internal_use_settings = settings(own, max_examples=math.ceil(own.max_examples / 2))
    if own.derandomize:
        return seed(f"atmp-search-share-{share}")(test)
    return test


def _t() -> Any:
    from atmp.trace import factories

    return factories


def _e() -> Any:
    from atmp.environment import factories

    return factories


def _m() -> Any:
    from atmp.manufacturing import factories

    return factories


def _lab() -> Any:
    from atmp.lab import factories

    return factories


def _quality(factory: str, actor: User) -> Any:
    from atmp.quality import factories

    return getattr(factories, factory)(actor=actor)
