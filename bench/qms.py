#!/usr/bin/env python
"""Reads on a generated QMS of 10 years at a busy site: the KPIs, My work and a filtered list, each
beside the bare SQL they rest on, on SQLite and PostgreSQL in one run (issue 12).

    .venv/bin/python bench/qms.py                            # both databases, the issue's full scale
    .venv/bin/python bench/qms.py --quick                    # a tenth of it, fewer samples (~1 min)
    .venv/bin/python bench/qms.py --backend sqlite --json out.json

The data (full scale): 3 sites (LEI busy, ~70 % of everything; GNT; BSL), 500 users with their
roles, 100,000 deviations, 50,000 CAPAs with 150,000 actions, 30,000 change controls, 3,000
complaints, 20 recalls, 5,000 controlled documents with 40,000 versions, ~800 training requirements
(a curriculum per role) and the training records of every user. Created over ten years, mostly
closed: what is still open is recent, with a tail of old records left open (overdue); deviations
are ~72 % minor, ~24 % major, ~4 % critical; about one required training in fifteen is missing.

**The rows are bulk-inserted, not written through the services.** 400,000 audited writes would take
far longer than the reads this measures (the ledger's write path has its own benchmarks:
bench/run.py, bench/workflow.py). So, after `migrate`, the sites and the busy user are made through
the real write path and everything else is inserted with Django's plain `QuerySet.bulk_create`,
which the GMP managers refuse on purpose. The reads that consult the ledger find what they need
in it: a `create` entry for every record still open (My work asks the ledger who authored what it
lists), and the status transitions of every document version (the version in force at a past date
is read from them, atmp.quality.selectors.documents): ~190,000 entries, where a real ten-year
ledger would hold millions (the ledger's own benchmarks read a 1,000,000-entry one). Those entries are
inserted with seq numbers far above the real ones and **do not chain** (placeholder hashes, no
tree nodes): the generated database is a read benchmark's fixture, `atmp verify` would rightly
reject it, and the benchmark never runs it. Each database is fresh and thrown away afterwards.

Measured, as the median and p95 over the samples, each beside its baseline in the same process:

* KPIs: atmp.quality.selectors.kpis.kpis (what `atmp quality kpis` and GET /api/v1/quality/kpis
  run), for all sites and for the busy site, and the API call itself; baseline: the bare SQL
  counts they rest on (open deviations by class, open over 30 days, open and overdue CAPAs, open
  change controls, complaints and recalls, required and trained (user, document) pairs), one
  statement each, through a cursor.
* My work: GET /workflow/work/ through Django's test Client signed in as the busy QA Approver
  (work_for and the page render), and work_for alone; baseline: the bare SQL selects of the rows
  it lists (the open records assigned to them or their role, and those waiting for their signature).
* A filtered list: GET /api/v1/quality/deviations?status=…&classification=…&site=… (first page of
  50), for a common filter and a rare one; baseline: the same page as one SQL select.
  (The quality list pages are timed too if they exist: /quality/deviations/.)

The issue's target: p95 under 200 ms each. Figures are reported, never asserted; docs/performance.md
keeps them.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import log, page_getter, percentile, queries_of, run_backends

FULL = {
    "deviations": 100_000,
    "capas": 50_000,
    "capa_actions": 150_000,
    "changes": 30_000,
    "complaints": 3_000,
    "recalls": 20,
    "documents": 5_000,
    "versions": 40_000,
    "users": 500,
}
QUICK = {k: max(10, v // 10) for k, v in FULL.items()} | {"users": 200}
TARGET_MS = 200.0
PASSWORD = "correct horse battery staple 42"
SITES = (("LEI", "Leiden (busy site)", 0.70), ("GNT", "Gent", 0.20), ("BSL", "Basel", 0.10))
# (role, share of the users)
STAFF = [
    ("operator", 0.60),
    ("qc_analyst", 0.16),
    ("qa_reviewer", 0.10),
    ("qa_approver", 0.06),
    ("qualified_person", 0.02),
    ("pv_officer", 0.02),
    ("inspector", 0.02),
    ("system_admin", 0.02),
]
# The share of the documents each role's curriculum requires (150 of 5,000 for an operator).
CURRICULUM = {
    "operator": 0.03,
    "qc_analyst": 0.024,
    "qa_reviewer": 0.04,
    "qa_approver": 0.04,
    "qualified_person": 0.02,
    "pv_officer": 0.008,
}
ENTRY_SEQ_BASE = 1_000_000_000  # generated entries sit far above the real ones (see the docstring)
WORDS = (
    "filter integrity failure on fill line 2",
    "temperature excursion in cold room CR-04",
    "missing signature on batch record step",
    "particle count above action limit in grade A",
    "label reconciliation discrepancy",
    "late transfer of cell culture to bioreactor",
    "out-of-trend vector genome titre",
    "environmental monitoring plate lost",
    "wrong lot of buffer dispensed",
    "pressure differential alarm in suite 3",
    "training not current for operator",
    "calibration overdue on balance B-17",
    "deviation from sampling plan",
    "media fill interrupted",
)


# --- generation (inside the worker) ------------------------------------------------------------


def _bulk(model: Any, objs: list[Any]) -> list[Any]:
    """Insert rows with a plain QuerySet: the GMP manager's bulk_create refusal is the ledger's guard,
    and this fixture deliberately goes around it (see the module docstring)."""
    from django.db.models import QuerySet

    return QuerySet(model=model).bulk_create(objs, batch_size=2000)


class Generator:
    """Build the QMS: real writes for the sites and the busy user, bulk rows for the rest."""

    def __init__(self, scale: dict[str, int], seed: int = 20261205) -> None:
        import datetime as dt
        import random

        from atmp.ledger import clock

        self.scale = scale
        self.rng = random.Random(seed)
        self.now = clock.now()
        self.today = self.now.date()
        self.start = self.now - dt.timedelta(days=3652)
        self.entries: list[tuple[Any, ...]] = []  # (at, actor_id, action, record_type, record_id, version, changes)
        self.users_by_site_role: dict[tuple[int | None, str], list[int]] = {}
        self.all_users: list[int] = []

    # helpers
    def when(self, n: int, *, before_days: int = 0) -> list[Any]:
        """Return n sorted creation times spread over the ten years (slightly more recent ones)."""
        import datetime as dt

        span = (self.now - self.start).total_seconds() - before_days * 86400
        # sqrt skews towards the end: a site that grew over the decade
        return sorted(self.start + dt.timedelta(seconds=span * (self.rng.random() ** 0.8)) for _ in range(n))

    def pick_site(self) -> Any:
        r = self.rng.random()
        acc = 0.0
        for site, share in zip(self.sites, (s[2] for s in SITES), strict=True):
            acc += share
            if r < acc:
                return site
        return self.sites[0]

    def worker_at(self, site: Any, roles: tuple[str, ...] = ("operator", "qc_analyst")) -> int:
        pool: list[int] = []
        for role in roles:
            pool += self.users_by_site_role.get((site.pk, role), [])
        return self.rng.choice(pool or self.all_users)

    def entry(self, at: Any, actor: int | None, action: str, record: Any, version: int, changes: str = "{}") -> None:
        # Never after the run's now: a real ledger holds no entry from the future, and today's KPIs
        # would read one as a change since the day's end (the slow, as-of-the-past path).
        self.entries.append((min(at, self.now), actor, action, record.record_type(), str(record.pk), version, changes))

    # the parts
    def people(self) -> None:
        import datetime as dt

        from atmp.accounts.models import RoleAssignment, User
        from atmp.testing import make_site, make_user

        self.sites = [make_site(code=code, name=name) for code, name, _ in SITES]
        lei = self.sites[0]
        # The busy QA Approver at the busy site, through the real write path (it signs in with a password).
        self.busy = make_user(
            "qa_approver", username="busy.qa", full_name="Busy QA Approver", password=PASSWORD, site=lei
        )
        rng, n = self.rng, self.scale["users"] - 1
        users = []
        for i in range(n):
            joined = self.start + dt.timedelta(days=rng.randint(0, 3000))
            users.append(
                User(
                    username=f"user{i:04d}",
                    full_name=f"Generated User {i:04d}",
                    email=f"user{i:04d}@example.org",
                    password="!bulk",  # unusable: only the busy user signs in
                    date_joined=joined,
                )
            )
        users = User.objects.bulk_create(users, batch_size=1000)
        assignments = []
        roles = [r for r, share in STAFF for _ in range(round(share * n))]
        roles += ["operator"] * (n - len(roles))
        for user, role in zip(users, roles, strict=False):
            # QA and QP mostly work at one site, a few at every site; others at one site.
            site = (
                None
                if role in ("qualified_person", "system_admin", "inspector") and rng.random() < 0.5
                else self.pick_site()
            )
            assignments.append(
                RoleAssignment(user=user, role=role, site=site, status="active", version=2, created_at=user.date_joined)
            )
            self.users_by_site_role.setdefault((site.pk if site else None, role), []).append(user.pk)
        _bulk(RoleAssignment, assignments)
        self.users_by_site_role.setdefault((lei.pk, "qa_approver"), []).append(self.busy.pk)
        self.all_users = [u.pk for u in users]
        self.roles_of = {a.user_id: (a.role, a.site_id) for a in assignments}
        self.roles_of[self.busy.pk] = ("qa_approver", lei.pk)

    def deviations(self) -> None:
        import datetime as dt

        from atmp.quality.models import Deviation

        rng, busy = self.rng, self.busy.pk
        rows, years = [], {}
        for created in self.when(self.scale["deviations"]):
            age = (self.now - created).days
            r = rng.random()
            if age > 120:
                status = (
                    "closed"
                    if r < 0.97
                    else "cancelled"
                    if r < 0.99
                    else rng.choice(("investigation",) * 6 + ("qa_review",) * 3 + ("open",))
                )
            elif age > 30:
                status = (
                    "closed"
                    if r < 0.70
                    else "cancelled"
                    if r < 0.72
                    else "investigation"
                    if r < 0.87
                    else "qa_review"
                    if r < 0.97
                    else "open"
                )
            else:
                status = (
                    "open"
                    if r < 0.35
                    else "investigation"
                    if r < 0.75
                    else "qa_review"
                    if r < 0.85
                    else "closed"
                    if r < 0.98
                    else "cancelled"
                )
            c = rng.random()
            classification = "minor" if c < 0.72 else "major" if c < 0.96 else "critical"
            if (status == "open" and rng.random() < 0.5) or (status == "cancelled" and rng.random() < 0.5):
                classification = ""
            site = self.pick_site()
            years[created.year] = years.get(created.year, 0) + 1
            final = status in ("closed", "cancelled")
            finished = min(self.now, created + dt.timedelta(days=rng.randint(5, 90))) if final else None
            assignee, role = None, ""
            if status == "qa_review" and rng.random() < 0.5:
                role = "qa_approver"
            elif status in ("open", "investigation") and site.pk == self.sites[0].pk and rng.random() < 0.04:
                assignee = busy
            else:
                assignee = self.worker_at(site)
            s, o, d = (
                (rng.randint(1, 5), rng.randint(1, 5), rng.randint(1, 5)) if classification else (None, None, None)
            )
            rows.append(
                Deviation(
                    number=f"DEV-{created.year}-{years[created.year]:05d}",
                    site=site,
                    title=rng.choice(WORDS),
                    description="Found during routine processing; immediate containment applied.",
                    occurred_at=created - dt.timedelta(hours=rng.randint(1, 48)),
                    discovered_at=created,
                    area=f"Suite {rng.randint(1, 6)}",
                    severity=s,
                    occurrence=o,
                    detectability=d,
                    rpn=s * o * d if s and o and d else None,
                    suggested_classification=classification,
                    classification=classification,
                    root_cause="Operator error compounded by unclear SOP step" if status == "closed" else "",
                    root_cause_method="five_whys" if status == "closed" else "",
                    impact_assessment="No impact on product quality" if status == "closed" else "",
                    status=status,
                    version={"closed": 7, "cancelled": 2, "qa_review": 5, "investigation": 3}.get(status, 1),
                    created_at=created,
                    created_by_id=self.worker_at(site),
                    assignee_id=assignee,
                    assigned_role=role,
                    due_date=(created + dt.timedelta(days=15 if classification == "critical" else 30)).date(),
                    last_transition={"closed": "close", "cancelled": "cancel", "qa_review": "submit"}.get(status, ""),
                    finished_at=finished,
                )
            )
        qa = self.users_by_site_role.get((self.sites[0].pk, "qa_reviewer"), []) or self.all_users
        reclassified = 0
        for d in _bulk(Deviation, rows):
            if d.finished_at is None:
                self.entry(d.created_at, d.created_by_id, "create", d, 1)
            if not d.classification:
                continue
            # Its classification as QA entered it (the KPIs as of a past day read a class from these):
            # triaged within two days, and one in twenty reclassified later, before it finished.
            end = d.finished_at or self.now
            triaged = min(d.created_at + dt.timedelta(hours=rng.randint(1, 48)), end)
            first = d.classification
            if rng.random() < 0.05:
                first = rng.choice([c for c in ("minor", "major", "critical") if c != d.classification])
                later = min(triaged + dt.timedelta(days=rng.randint(1, 60)), end)
                self.entry(later, rng.choice(qa), "update", d, 3, _change("classification", first, d.classification))
                reclassified += 1
            self.entry(triaged, rng.choice(qa), "update", d, 2, _change("classification", "", first))
        self.counts["deviations_reclassified"] = reclassified

    def capas(self) -> None:
        import datetime as dt

        from atmp.quality.models import Capa, CapaAction

        rng, busy, lei = self.rng, self.busy.pk, self.sites[0].pk
        capas, years = [], {}
        for created in self.when(self.scale["capas"]):
            age = (self.now - created).days
            r = rng.random()
            if age > 180:
                status = (
                    "closed" if r < 0.95 else "cancelled" if r < 0.97 else "open" if r < 0.99 else "effectiveness_check"
                )
            elif age > 60:
                status = (
                    "closed" if r < 0.50 else "effectiveness_check" if r < 0.75 else "open" if r < 0.98 else "cancelled"
                )
            else:
                status = "open" if r < 0.85 else "effectiveness_check" if r < 0.95 else "closed"
            site = self.pick_site()
            years[created.year] = years.get(created.year, 0) + 1
            due = (created + dt.timedelta(days=90)).date()
            final = status in ("closed", "cancelled")
            capas.append(
                Capa(
                    number=f"CAPA-{created.year}-{years[created.year]:05d}",
                    site=site,
                    title=rng.choice(WORDS),
                    description="Corrective and preventive actions for the root cause.",
                    kind=rng.choice(("corrective", "corrective", "preventive", "both")),
                    effectiveness_criteria="No recurrence in 6 months" if status != "open" else "",
                    effectiveness_due=due + dt.timedelta(days=120) if status != "open" else None,
                    effectiveness_outcome="effective" if status == "closed" else "",
                    status=status,
                    version=6 if final else 3,
                    created_at=created,
                    created_by_id=self.worker_at(site, ("qa_reviewer", "qa_approver")),
                    assignee_id=self.worker_at(site, ("qa_reviewer",)),
                    due_date=due,
                    last_transition={"closed": "close", "cancelled": "cancel"}.get(status, ""),
                    finished_at=min(self.now, created + dt.timedelta(days=rng.randint(120, 300))) if final else None,
                )
            )
        capas = _bulk(Capa, capas)
        for c in capas:
            if c.finished_at is None:
                self.entry(c.created_at, c.created_by_id, "create", c, 1)
        per = self.scale["capa_actions"] / len(capas)
        actions = []
        for c in capas:
            for _ in range(max(1, round(rng.uniform(1, 2 * per - 1)))):
                if c.status in ("closed", "effectiveness_check"):
                    status = "done" if rng.random() < 0.97 else "cancelled"
                elif c.status == "cancelled":
                    status = "cancelled"
                else:
                    status = "done" if rng.random() < 0.5 else "open"
                mine = status == "open" and c.site_id == lei and rng.random() < 0.03
                created = min(self.now, c.created_at + dt.timedelta(days=rng.randint(0, 5)))
                actions.append(
                    CapaAction(
                        capa=c,
                        description=f"Revise the procedure and retrain ({rng.choice(WORDS)})",
                        evidence="Done; see training records" if status == "done" else "",
                        status=status,
                        version=3 if status != "open" else 1,
                        created_at=created,
                        created_by_id=c.created_by_id,
                        assignee_id=busy if mine else self.worker_at(c.site),
                        due_date=(created + dt.timedelta(days=rng.randint(14, 90))).date(),
                        last_transition={"done": "complete", "cancelled": "cancel"}.get(status, ""),
                        finished_at=min(self.now, created + dt.timedelta(days=rng.randint(7, 100)))
                        if status != "open"
                        else None,
                    )
                )
        for a in _bulk(CapaAction, actions):
            if a.finished_at is None:
                self.entry(a.created_at, a.created_by_id, "create", a, 1)
        self.counts["capa_actions"] = len(actions)

    def changes(self) -> None:
        import datetime as dt

        from atmp.quality.models import ChangeControl  # type: ignore[attr-defined]

        rng = self.rng
        rows, years = [], {}
        for created in self.when(self.scale["changes"]):
            age = (self.now - created).days
            r = rng.random()
            if age > 365:
                status = "closed" if r < 0.94 else "cancelled" if r < 0.98 else "implementation"
            elif age > 90:
                status = (
                    "closed"
                    if r < 0.5
                    else "implementation"
                    if r < 0.75
                    else "effectiveness_review"
                    if r < 0.9
                    else "approval"
                    if r < 0.96
                    else "cancelled"
                )
            else:
                status = rng.choice(("draft", "assessment", "assessment", "approval", "implementation"))
            site = self.pick_site()
            years[created.year] = years.get(created.year, 0) + 1
            final = status in ("closed", "cancelled")
            rows.append(
                ChangeControl(
                    number=f"CC-{created.year}-{years[created.year]:05d}",
                    title=f"Change: {rng.choice(WORDS)}",
                    site=site,
                    description="Change to the process and its documents.",
                    justification="Continuous improvement",
                    regulatory_classification=rng.choice(("none", "none", "none", "type_ia", "type_ib", "type_ii")),
                    status=status,
                    version=8 if final else 3,
                    created_at=created,
                    created_by_id=self.worker_at(site, ("qa_reviewer", "qa_approver", "operator")),
                    assignee_id=self.worker_at(site, ("qa_reviewer",)),
                    assigned_role="qa_approver" if status == "approval" and rng.random() < 0.5 else "",
                    due_date=(created + dt.timedelta(days=180)).date(),
                    finished_at=min(self.now, created + dt.timedelta(days=rng.randint(60, 360))) if final else None,
                )
            )
        for c in _bulk(ChangeControl, rows):
            if c.finished_at is None:
                self.entry(c.created_at, c.created_by_id, "create", c, 1)

    def complaints_and_recalls(self) -> None:
        import datetime as dt

        from atmp.quality.models import Complaint, Recall  # type: ignore[attr-defined]

        rng = self.rng
        rows = []
        for i, created in enumerate(self.when(self.scale["complaints"])):
            final = (self.now - created).days > 60 and rng.random() < 0.97
            rows.append(
                Complaint(
                    number=f"CMP-{i + 1:06d}",
                    site=self.pick_site(),
                    title="Complaint about a delivered batch",
                    received_date=created.date(),
                    source=rng.choice(("hospital", "physician", "distributor", "internal")),
                    description="Reported by the treatment centre.",
                    status="closed" if final else "open",
                    version=5 if final else 1,
                    created_at=created,
                    due_date=(created + dt.timedelta(days=30)).date(),
                    finished_at=created + dt.timedelta(days=rng.randint(10, 60)) if final else None,
                )
            )
        _bulk(Complaint, rows)
        recalls = []
        for i, created in enumerate(self.when(self.scale["recalls"])):
            final = (self.now - created).days > 90
            recalls.append(
                Recall(
                    number=f"RCL-{i + 1:04d}",
                    site=self.pick_site(),
                    title="Recall of a batch",
                    recall_reason="Quality defect",
                    classification=rng.choice(("class_ii", "class_iii")),
                    mock=rng.random() < 0.5,
                    status="closed" if final else "open",
                    version=5 if final else 1,
                    created_at=created,
                    finished_at=created + dt.timedelta(days=rng.randint(20, 80)) if final else None,
                )
            )
        _bulk(Recall, recalls)

    def documents(self) -> None:
        import datetime as dt

        from atmp.quality.models import Document, DocumentVersion
        from atmp.quality.models.documents import NUMBER_PREFIXES

        rng, lei, n = self.rng, self.sites[0], self.scale["documents"]
        owners = self.users_by_site_role.get((lei.pk, "qa_reviewer"), []) or self.all_users
        kinds = (
            ["sop"] * 40
            + ["form"] * 25
            + ["work_instruction"] * 15
            + ["specification"] * 10
            + ["validation"] * 8
            + ["policy"] * 2
        )
        docs, counters = [], {}
        # Documents are created in the first seven years (most procedures exist early), then revised.
        for created in sorted(self.start + dt.timedelta(days=rng.uniform(0, 2555)) for _ in range(n)):
            kind = rng.choice(kinds)
            counters[kind] = counters.get(kind, 0) + 1
            r = rng.random()
            site = lei if r < 0.5 else None if r < 0.85 else self.sites[1] if r < 0.95 else self.sites[2]
            docs.append(
                Document(
                    number=f"{NUMBER_PREFIXES[kind]}-{counters[kind]:05d}",
                    title=f"{kind.replace('_', ' ').title()}: {rng.choice(WORDS)}",
                    document_type=kind,
                    site=site,
                    owner_id=rng.choice(owners),
                    created_at=created,
                    created_by_id=rng.choice(owners),
                    version=1,
                )
            )
        docs = _bulk(Document, docs)
        per = self.scale["versions"] / n
        versions: list[Any] = []
        plan: list[tuple[Any, Any, str]] = []  # (version, doc, its fate)
        self.in_force: dict[int, Any] = {}  # document id -> effective version (filled after insert)
        for doc in docs:
            k = max(1, round(rng.uniform(1, 2 * per - 1)))
            span = (self.now - doc.created_at).total_seconds()
            fate_last = "effective"
            r = rng.random()
            if r < 0.08:
                fate_last = "retired"
            elif r < 0.20 and k > 1:
                fate_last = rng.choice(("draft", "in_review", "approved"))
            for j in range(k):
                # the j-th version takes effect at an even share of the document's life, jittered
                effective_at = doc.created_at + dt.timedelta(seconds=span * (j + rng.uniform(0.1, 0.8)) / k)
                last = j == k - 1
                if not last:
                    fate = (
                        "superseded"
                        if not (fate_last in ("draft", "in_review", "approved") and j == k - 2)
                        else "effective"
                    )
                else:
                    fate = fate_last
                pending = fate in ("draft", "in_review", "approved")
                eff_date = (self.now + dt.timedelta(days=rng.randint(5, 40))).date() if pending else effective_at.date()
                created = effective_at - dt.timedelta(days=rng.randint(20, 60))
                if pending:
                    created = self.now - dt.timedelta(days=rng.randint(2, 30))
                assignee, role = None, ""
                if fate == "in_review":
                    role = "qa_approver"
                versions.append(
                    DocumentVersion(
                        document=doc,
                        label=f"{j + 1}.0",
                        change_summary="Periodic revision",
                        effective_date=eff_date,
                        review_due=(eff_date + dt.timedelta(days=730))
                        if fate in ("effective", "superseded", "retired")
                        else None,
                        status=fate,
                        version={"draft": 1, "in_review": 2, "approved": 3, "effective": 4}.get(fate, 5),
                        created_at=created,
                        created_by_id=doc.owner_id,
                        assignee_id=assignee,
                        assigned_role=role,
                        finished_at=None,
                        last_transition="",
                    )
                )
                plan.append((versions[-1], doc, fate, effective_at))
        # finished_at: a superseded version finished when its successor took effect
        for i, (v, _doc, fate, effective_at) in enumerate(plan):
            if fate == "superseded":
                v.finished_at = plan[i + 1][3]
            elif fate == "retired":
                v.finished_at = min(self.now, effective_at + dt.timedelta(days=rng.randint(100, 700)))
        _bulk(DocumentVersion, versions)
        for v, doc, fate, effective_at in plan:
            at = v.created_at
            self.entry(at, v.created_by_id, "create", v, 1)
            if fate == "draft":
                continue
            self.entry(at + dt.timedelta(days=3), v.created_by_id, "transition", v, 2, _status("draft", "in_review"))
            if fate == "in_review":
                continue
            self.entry(at + dt.timedelta(days=7), self.busy.pk, "transition", v, 3, _status("in_review", "approved"))
            if fate == "approved":
                continue
            self.entry(effective_at, self.busy.pk, "transition", v, 4, _status("approved", "effective"))
            if fate in ("superseded", "retired"):
                self.entry(v.finished_at, self.busy.pk, "transition", v, 5, _status("effective", fate))
            if fate == "effective":
                self.in_force[doc.pk] = v
        self.docs = docs
        self.versions_of: dict[int, list[Any]] = {}
        for v, doc, fate, _effective_at in plan:
            if fate in ("effective", "superseded", "retired"):
                self.versions_of.setdefault(doc.pk, []).append(v)

    def training(self) -> None:
        import datetime as dt

        from atmp.quality.models import TrainingRecord, TrainingRequirement

        rng = self.rng
        current = [d for d in self.docs if d.pk in self.in_force]
        requirements, required = [], {}
        for role, share in CURRICULUM.items():
            for doc in rng.sample(current, min(len(current), max(1, round(share * len(self.docs))))):
                requirements.append(
                    TrainingRequirement(
                        document=doc, role=role, site=doc.site, grace_days=30, version=1, created_at=doc.created_at
                    )
                )
                required.setdefault(role, []).append(doc)
        _bulk(TrainingRequirement, requirements)
        records = []
        for user_id, (role, site_id) in self.roles_of.items():
            for doc in required.get(role, []):
                if doc.site_id is not None and site_id is not None and doc.site_id != site_id:
                    continue
                history = self.versions_of.get(doc.pk, [])
                newest = self.in_force[doc.pk]
                for v in history[-3:]:
                    if v is newest and (rng.random() < 0.065 or (user_id == self.busy.pk and rng.random() < 0.05)):
                        continue  # not yet trained on the version in force: due, or overdue
                    signed = dt.datetime.combine(v.effective_date, dt.time(9), tzinfo=dt.UTC) + dt.timedelta(
                        days=rng.randint(0, 25)
                    )
                    if signed > self.now:
                        continue
                    records.append(
                        TrainingRecord(
                            user_id=user_id,
                            document=doc,
                            document_version=v,
                            version_snapshot_hash="0" * 64,
                            signed_at=signed,
                            version=1,
                            created_at=signed,
                            created_by_id=user_id,
                        )
                    )
        _bulk(TrainingRecord, records)
        self.counts.update(training_requirements=len(requirements), training_records=len(records))

    def ledger(self) -> None:
        """Insert the generated entries in time order (non-chaining placeholders; see the docstring)."""
        from django.db import connection
        from ledger_gen import ENTRY_COLUMNS, _insert_sql

        from atmp.ledger.records import rfc3339

        self.entries.sort(key=lambda e: e[0])
        zero = "0" * 64
        rows = [
            (ENTRY_SEQ_BASE + i, rfc3339(at), actor, f"user {actor}", "[]", action, record_type, record_id, version,
             "", changes, "", zero, zero)
            for i, (at, actor, action, record_type, record_id, version, changes) in enumerate(self.entries)
        ]  # fmt: skip
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY ledger_auditentry ({', '.join(ENTRY_COLUMNS)}) FROM STDIN") as copy:
                    for r in rows:
                        copy.write_row(r)
            else:
                cursor.executemany(_insert_sql("ledger_auditentry", ENTRY_COLUMNS), rows)
        self.counts["ledger_entries"] = len(rows)

    def run(self) -> dict[str, int]:
        """Generate everything in one transaction per part; return the row counts."""
        from common import log
        from django.db import connection, transaction
        from ledger_gen import _fast_loading

        self.counts: dict[str, int] = {}
        self.people()
        _fast_loading(True)  # SQLite: no fsync while loading, restored (and checkpointed) below
        for part in (
            self.deviations,
            self.capas,
            self.changes,
            self.complaints_and_recalls,
            self.documents,
            self.training,
            self.ledger,
        ):
            begin = time.perf_counter()
            with transaction.atomic():
                part()
            log(f"{connection.vendor}: {part.__name__} in {time.perf_counter() - begin:.1f} s")
        _fast_loading(False)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return self.counts


def _status(old: str, new: str) -> str:
    return _change("status", old, new)


def _change(field: str, old: str, new: str) -> str:
    return json.dumps({field: [old, new]}, separators=(",", ":"))


# --- the baselines: the bare SQL (inside the worker) --------------------------------------------


def _sql(statement: str, params: list[Any]) -> Callable[[], Any]:
    from django.db import connection

    def run() -> Any:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall()

    return run


def _many(runs: list[Callable[[], Any]]) -> Callable[[], Any]:
    def run() -> list[Any]:
        return [r() for r in runs]

    run.runs = runs  # type: ignore[attr-defined]  # deviation_baseline takes a part of the KPIs' statements
    return run


def kpi_baseline(day: Any, site_id: int | None) -> Callable[[], Any]:
    """The bare SQL counts the KPIs rest on: one statement per figure, the same open-on-the-day rule."""
    import datetime as dt

    from atmp.quality.selectors.kpis import end_of

    edge, old_edge = end_of(day), end_of(day - dt.timedelta(days=30))
    where = "NOT voided AND created_at < %s AND (finished_at IS NULL OR finished_at >= %s)"
    site = " AND site_id = %s" if site_id else ""
    p = [edge, edge] + ([site_id] if site_id else [])
    runs = [
        _sql(f"SELECT classification, COUNT(*) FROM quality_deviation WHERE {where}{site} GROUP BY classification", p),
        _sql(f"SELECT COUNT(*) FROM quality_deviation WHERE {where}{site} AND created_at < %s", [*p, old_edge]),
        _sql(
            f"SELECT COUNT(*), SUM(CASE WHEN due_date < %s OR effectiveness_due < %s THEN 1 ELSE 0 END) "
            f"FROM quality_capa WHERE {where}{site}",
            [day, day, *p],
        ),
    ]
    for table in ("quality_changecontrol", "quality_complaint", "quality_recall"):
        runs.append(_sql(f"SELECT COUNT(*) FROM {table} WHERE {where}{site}", p))
    # required (user, document) pairs and those trained on the version in force (read from its status)
    req_site = " AND (r.site_id IS NULL OR r.site_id = %s) AND (d.site_id IS NULL OR d.site_id = %s)" if site_id else ""
    runs.append(
        _sql(
            "SELECT COUNT(*), COUNT(t.id) FROM quality_trainingrequirement r "
            "JOIN quality_document d ON d.id = r.document_id "
            "JOIN quality_documentversion v ON v.document_id = r.document_id AND v.status = 'effective' "
            "JOIN accounts_roleassignment a ON a.role = r.role AND a.status = 'active' AND NOT a.voided "
            " AND (r.site_id IS NULL OR a.site_id IS NULL OR a.site_id = r.site_id) "
            "LEFT JOIN quality_trainingrecord t ON t.user_id = a.user_id AND t.document_version_id = v.id "
            f"WHERE NOT r.voided{req_site}",
            [site_id, site_id] if site_id else [],
        )
    )
    return _many(runs)


def deviation_baseline(day: Any) -> Callable[[], Any]:
    """The bare SQL counts of the open deviations by their class now and of the old ones, all sites."""
    return _many(kpi_baseline(day, None).runs[:2])  # type: ignore[attr-defined]


def work_baseline(user: Any) -> Callable[[], Any]:
    """The bare SQL selects of what My work lists: open records assigned to the user or their role,
    and those in a state the user signs, at the user's site (500 of each at most)."""
    from atmp.workflow.work import workflow_models

    site_ids = sorted(user.site_ids() or [])
    roles = sorted(user.roles())
    runs = []
    for model in workflow_models():
        table = model._meta.db_table
        finals = [s.name for s in model.workflow.states if s.final]
        ph = ", ".join(["%s"] * len(finals))
        rph = ", ".join(["%s"] * len(roles))
        runs.append(
            _sql(
                f"SELECT id, status, due_date FROM {table} WHERE NOT voided AND status NOT IN ({ph}) "
                f"AND (assignee_id = %s OR (assignee_id IS NULL AND assigned_role IN ({rph}))) LIMIT 500",
                [*finals, user.pk, *roles],
            )
        )
        signed = sorted({s for t in model.workflow.transitions if t.meaning for s in t.sources})
        if signed and "site_id" in {f.attname for f in model._meta.concrete_fields} and site_ids:
            sph = ", ".join(["%s"] * len(signed))
            runs.append(
                _sql(
                    f"SELECT id, status, due_date FROM {table} WHERE NOT voided AND status IN ({sph}) "
                    f"AND site_id IN ({', '.join(['%s'] * len(site_ids))}) ORDER BY due_date, id LIMIT 500",
                    signed + site_ids,
                )
            )
    return _many(runs)


def list_baseline(status: str, classification: str, site_id: int) -> Callable[[], Any]:
    """The first page of the filtered deviation list as one SQL select (with the site and assignee)."""
    return _sql(
        "SELECT d.*, s.code, u.username FROM quality_deviation d JOIN accounts_site s ON s.id = d.site_id "
        "LEFT JOIN accounts_user u ON u.id = d.assignee_id "
        "WHERE d.status = %s AND d.classification = %s AND d.site_id = %s ORDER BY d.id DESC LIMIT 51",
        [status, classification, site_id],
    )


# --- timing ------------------------------------------------------------------------------------


def timed(run: Callable[[], Any], samples: int, budget_s: float) -> dict[str, Any]:
    """Run once to warm up, then up to `samples` times (fewer if the budget runs out, at least 5)."""
    run()
    ms: list[float] = []
    deadline = time.perf_counter() + budget_s
    while len(ms) < samples and (len(ms) < 5 or time.perf_counter() < deadline):
        begin = time.perf_counter_ns()
        run()
        ms.append((time.perf_counter_ns() - begin) / 1e6)
    return {"p50": percentile(ms, 50), "p95": percentile(ms, 95), "n": len(ms)}


def worker(scale: dict[str, int], samples: int, budget_s: float, freeze: bool = True) -> dict[str, Any]:
    """Generate the QMS and time the reads (inside a subprocess with a fresh database)."""
    from common import backend, init_database, setup_django

    setup_django()
    init_database()
    import datetime as dt

    from django.test import Client
    from django.urls import Resolver404, resolve

    from atmp.quality.selectors.kpis import as_of, deviation_kpis, kpis
    from atmp.workflow.work import work_for

    def deviation_kpis_at(past: Any) -> Callable[[], Any]:
        return lambda: deviation_kpis(as_of(past), None)

    begin = time.perf_counter()
    gen = Generator(scale)
    counts = gen.run()
    generated_s = time.perf_counter() - begin
    log(f"{backend()}: generated in {generated_s:.0f} s: {counts}")
    busy, lei = gen.busy, gen.sites[0]
    day = gen.today
    # The generator holds every row it made (millions of objects): a server process holds none of
    # them, and Python's cycle collector would walk them all whenever it runs, in the middle of a
    # timed read (the slow samples of the p95 before this).
    del gen
    gc.collect()
    if freeze:
        # As the server does at start-up (atmp.wsgi): what this process made so far is not walked again.
        from atmp.wsgi import freeze_start_up_objects

        freeze_start_up_objects()

    client = Client()
    answer = client.post("/login/", {"username": busy.username, "password": PASSWORD})
    if answer.status_code != 302:
        raise SystemExit(f"the busy user could not sign in: {answer.status_code}")

    def get(url: str) -> Callable[[], Any]:
        return page_getter(client, url)

    items = work_for(busy)
    common_filter = ("closed", "minor", lei)
    rare_filter = ("investigation", "critical", lei)
    cases: list[tuple[str, str, Callable[[], Any], str, Callable[[], Any]]] = [
        ("KPIs", "kpis(), all sites", lambda: kpis(day=day), "bare SQL counts", kpi_baseline(day, None)),
        ("KPIs", "kpis(), site LEI", lambda: kpis(day=day, site=lei), "bare SQL counts", kpi_baseline(day, lei.pk)),
        (
            "KPIs",
            "GET /api/v1/quality/kpis?site=LEI",
            get("/api/v1/quality/kpis?site=LEI"),
            "bare SQL counts",
            kpi_baseline(day, lei.pk),
        ),
        ("My work", "GET /workflow/work/", get("/workflow/work/"), "bare SQL selects", work_baseline(busy)),
        ("My work", "work_for()", lambda: work_for(busy), "bare SQL selects", work_baseline(busy)),
    ]
    # The deviation KPIs alone: as of a past day, those reclassified since are corrected from the ledger.
    for i, (days, label) in enumerate(((0, "today"), (90, "90 days ago"), (1095, "1095 days ago"))):
        past = day - dt.timedelta(days=days)
        cases.insert(3 + i, ("KPIs", f"deviation_kpis(), all sites, {label}", deviation_kpis_at(past),
                             "bare SQL counts, class now", deviation_baseline(past)))  # fmt: skip
    for status, classification, site in (common_filter, rare_filter):
        url = f"/api/v1/quality/deviations?status={status}&classification={classification}&site={site.code}"
        cases.append(("List", f"GET …/deviations?{status},{classification},{site.code}", get(url), "bare SQL select",
                      list_baseline(status, classification, site.pk)))  # fmt: skip
    try:
        resolve("/quality/deviations/")
        page = f"/quality/deviations/?status={common_filter[0]}&classification={common_filter[1]}&site={lei.code}"
        cases.append(("List", "GET /quality/deviations/ (page)", get(page), "bare SQL select",
                      list_baseline(*common_filter[:2], lei.pk)))  # fmt: skip
    except Resolver404:
        log("no /quality/deviations/ page yet: the list page is not timed")

    results = []
    for group, name, run, baseline_name, baseline in cases:
        log(f"{backend()}: {name}")
        measured = timed(run, samples, budget_s)
        base = timed(baseline, samples, budget_s)
        results.append(
            {
                "group": group,
                "name": name,
                "p50": measured["p50"],
                "p95": measured["p95"],
                "n": measured["n"],
                "queries": queries_of(run),
                "baseline": baseline_name,
                "baseline_p50": base["p50"],
                "baseline_p95": base["p95"],
                "ratio": measured["p95"] / base["p95"] if base["p95"] else None,
                "met": measured["p95"] < TARGET_MS,
            }
        )
    return {
        "backend": backend(),
        "scale": scale,
        "counts": counts,
        "generated_s": round(generated_s, 1),
        "work_items": len(items),
        "work_overdue": sum(1 for i in items if i.overdue),
        "results": results,
    }


# --- the driver ----------------------------------------------------------------------------------


def table(results: list[dict[str, Any]]) -> str:
    """Return the results as a Markdown table."""
    lines = [
        "| database | what | p50 / p95 | queries | baseline | baseline p50 / p95 | ratio (p95) | target p95 < 200 ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for m in r["results"]:
            ratio = f"{m['ratio']:.1f}×" if m["ratio"] is not None else "—"
            lines.append(
                f"| {r['backend']} | {m['name']} | {m['p50']:.1f} / {m['p95']:.1f} ms (n={m['n']}) | {m['queries']} "
                f"| {m['baseline']} | {m['baseline_p50']:.1f} / {m['baseline_p95']:.1f} ms | {ratio} "
                f"| {'met' if m['met'] else '**missed**'} |"
            )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="a tenth of the data, fewer samples")
    parser.add_argument("--samples", type=int, default=None, help="samples per figure (default 30, quick 15)")
    parser.add_argument(
        "--budget", type=float, default=8.0, help="seconds per figure before sampling stops (≥ 5 samples)"
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--no-freeze", action="store_true", help="time without gc.freeze() of what start-up made (atmp.wsgi does it)"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    samples = args.samples or (15 if args.quick else 30)
    if args.worker:
        print(json.dumps(worker(QUICK if args.quick else FULL, samples, args.budget, freeze=not args.no_freeze)))
        return 0
    begin = time.perf_counter()
    done, complete = run_backends(
        __file__,
        "qms",
        args.backend,
        ["--samples", str(samples), "--budget", str(args.budget)]
        + ["--quick"] * args.quick
        + ["--no-freeze"] * args.no_freeze,
    )
    sys.stdout.write(table(done) + "\n")
    for r in done:
        sys.stdout.write(
            f"{r['backend']}: generated in {r['generated_s']} s, worker {r['wall_s']} s; rows {r['counts']}; "
            f"My work of the busy user: {r['work_items']} items ({r['work_overdue']} overdue)\n"
        )
    sys.stdout.write(f"total {time.perf_counter() - begin:.0f} s\n")
    if args.json:
        args.json.write_text(json.dumps(done, indent=2))
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
