"""Which version of a document was in force when, who is trained on it, and which reviews fall due.

The version in force at a past moment is read from the ledger's transition entries (when each version
became effective, and when it was superseded or retired), so it is never stored twice; now, it is
the version whose status is effective (what its latest transition wrote).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import Q

from atmp.accounts.models import RoleAssignment, Site, User
from atmp.accounts.roles import Role
from atmp.ledger import clock
from atmp.ledger.models import AuditEntry
from atmp.ledger.records import rfc3339
from atmp.quality.models.documents import Document, DocumentVersion, TrainingRecord, TrainingRequirement

TRAINED, DUE, OVERDUE = "trained", "due", "overdue"
NOT_GMP = frozenset({Role.INSPECTOR, Role.SYSTEM_ADMIN})
ENDS = ("superseded", "retired")


def _at(at: dt.datetime | None) -> dt.datetime:
    if at is None:
        return clock.now()
    if at.tzinfo is None:
        raise ValueError("naive datetime: give an aware time (UTC)")
    return at


def _present(at: dt.datetime | None) -> bool:
    """Return True when `at` is now or later: then the version in force needs no replay of the ledger.

    A version's status is what its latest transition wrote, and make_effective refuses a version
    before its effective date (bench/qms.py: replaying every version's transitions made the KPIs
    and My work miss their 200 ms at 5,000 documents).
    """
    return at is None or _at(at) >= clock.now()


def _in_force_ids(document_ids: Iterable[int], at: dt.datetime | None) -> dict[int, int]:
    """Return, per document id, the id of the version effective at `at` (effective_versions_at, ids only)."""
    ids = list(document_ids)
    if ids and _present(at):
        rows = DocumentVersion._base_manager.filter(document_id__in=ids, status="effective").order_by("pk")
        return dict(rows.values_list("document_id", "pk"))
    return {doc: v.pk for doc, v in effective_versions_at(ids, at).items()}


def effective_versions_at(document_ids: Iterable[int], at: dt.datetime | None = None) -> dict[int, DocumentVersion]:
    """Return, per document id, the version that was effective at `at` (documents with none are left out)."""
    ids = list(document_ids)
    if not ids:
        return {}
    moment = _at(at)
    if _present(at):
        rows = DocumentVersion._base_manager.filter(document_id__in=ids, status="effective").select_related("document")
        return {v.document_id: v for v in rows.order_by("pk")}
    versions = {v.pk: v for v in DocumentVersion._base_manager.filter(document_id__in=ids).select_related("document")}
    entries = AuditEntry.objects.filter(
        record_type=DocumentVersion.record_type(),
        record_id__in=[str(pk) for pk in versions],
        action="transition",
        at__lte=rfc3339(moment),
    ).order_by("seq")
    in_force: dict[int, int] = {}
    for record_id, changes in entries.values_list("record_id", "changes"):
        status = json.loads(changes).get("status")
        if not status or record_id is None:
            continue
        version = versions[int(record_id)]
        if status[1] == "effective":
            in_force[version.document_id] = version.pk
        elif status[1] in ENDS and in_force.get(version.document_id) == version.pk:
            del in_force[version.document_id]
    return {doc: versions[pk] for doc, pk in in_force.items()}


def effective_version_at(document: Document, at: dt.datetime | None = None) -> DocumentVersion | None:
    """Return the document's version that was effective at `at` (now by default), or None."""
    return effective_versions_at([document.pk], at).get(document.pk)


def is_trained(user: User, document: Document, at: dt.datetime | None = None) -> bool:
    """Return True when the user signed read-and-understood on the version of the document effective at `at`.

    Training on an earlier version does not count once a new version is effective; a document with no
    version in force at `at` trains nobody.
    """
    version = effective_version_at(document, at)
    if version is None:
        return False
    return TrainingRecord._base_manager.filter(
        user=user, document_version=version, voided=False, signed_at__lte=_at(at)
    ).exists()


@dataclass(frozen=True)
class TrainingItem:
    """One document a user must be trained on: the version in force, the due date and the state."""

    document: Document
    version: DocumentVersion
    state: str  # trained, due or overdue
    due: dt.date
    trained_at: dt.datetime | None


def _roles_by_user(users: Iterable[int] | None = None) -> dict[int, list[tuple[str, int | None]]]:
    rows = RoleAssignment.in_force().exclude(role__in=NOT_GMP)
    if users is not None:
        rows = rows.filter(user_id__in=list(users))
    held: dict[int, list[tuple[str, int | None]]] = defaultdict(list)
    for user_id, role, site_id in rows.values_list("user_id", "role", "site_id"):
        held[user_id].append((role, site_id))
    return held


class _Need(NamedTuple):
    """What the compliance count needs of a requirement (a row, not a loaded record)."""

    document_id: int
    role: str
    user_id: int | None
    site_id: int | None
    grace_days: int


def _applies(req: _Need, user_id: int, held: list[tuple[str, int | None]]) -> bool:
    if req.user_id is not None:
        return req.user_id == user_id
    for role, site_id in held:
        # A role held at every site meets a requirement of any site; one held at a site meets that site's.
        if role == req.role and (req.site_id is None or site_id is None or site_id == req.site_id):
            return True
    return False


_NEED_FIELDS = ("document_id", "role", "user_id", "site_id", "grace_days")


def _needs(rows: Any) -> list[_Need]:
    """Return the requirements as rows: what the statuses and the count read of them."""
    return [_Need(*r) for r in rows.values_list(*_NEED_FIELDS)]


def _requirements(user: User | None = None) -> list[_Need]:
    rows = TrainingRequirement._base_manager.filter(voided=False, document__voided=False)
    if user is not None:  # only those that can apply to the user: naming them, or a role they hold
        held = RoleAssignment.in_force().filter(user=user).values("role")
        rows = rows.filter(Q(user=user) | Q(user__isnull=True, role__in=held))
    return _needs(rows)


def _required(
    user_ids: list[int], requirements: Sequence[_Need], in_force: Mapping[int, object]
) -> dict[int, dict[int, int]]:
    """Return, per user, the documents in force they must be trained on, each with its grace days
    (the shortest when several requirements apply)."""
    held = _roles_by_user(user_ids)
    # Each user is checked against the requirements naming them or a role they hold, not against all.
    by_user: dict[int, list[_Need]] = defaultdict(list)
    by_role: dict[str, list[_Need]] = defaultdict(list)
    for req in requirements:
        if req.document_id not in in_force:
            continue
        if req.user_id is not None:
            by_user[req.user_id].append(req)
        else:
            by_role[req.role].append(req)
    out: dict[int, dict[int, int]] = {}
    for user_id in user_ids:
        mine = held.get(user_id, [])
        grace: dict[int, int] = {}
        for req in by_user.get(user_id, []) + [r for role in sorted({h[0] for h in mine}) for r in by_role[role]]:
            if _applies(req, user_id, mine):
                grace[req.document_id] = min(grace.get(req.document_id, req.grace_days), req.grace_days)
        out[user_id] = grace
    return out


def _signed(user_ids: list[int], version_ids: list[int], moment: dt.datetime) -> Any:
    return TrainingRecord._base_manager.filter(
        user_id__in=user_ids,
        document_version_id__in=version_ids,
        voided=False,
        signed_at__lte=moment,
    )


def _statuses(
    user_ids: list[int], at: dt.datetime | None, requirements: Sequence[_Need], *, untrained_only: bool = False
) -> dict[int, list[TrainingItem]]:
    """Return, per user, their training items at `at` (only those not trained when `untrained_only`).

    The states are worked out on ids; only the versions that make an item are loaded as records
    (My work asks for one user's untrained items: a handful of the ~200 documents they follow).
    """
    moment = _at(at)
    document_ids = {r.document_id for r in requirements}
    loaded: dict[int, DocumentVersion] = {}
    # per document id: the version in force and its effective date
    in_force: dict[int, tuple[int, dt.date | None]]
    if _present(at):
        rows = DocumentVersion._base_manager.filter(document_id__in=document_ids, status="effective").order_by("pk")
        in_force = {doc: (pk, day) for doc, pk, day in rows.values_list("document_id", "pk", "effective_date")}
    else:
        loaded = {v.pk: v for v in effective_versions_at(document_ids, at).values()}
        in_force = {v.document_id: (v.pk, v.effective_date) for v in loaded.values()}
    required = _required(user_ids, requirements, in_force)
    signed: dict[tuple[int, int], dt.datetime] = {}
    if in_force:
        versions = [pk for pk, _ in in_force.values()]
        rows = _signed(user_ids, versions, moment).values_list("user_id", "document_version_id", "signed_at")
        signed = {(u, v): when for u, v, when in rows}
    # (user, version, state, due, trained at) of each item, before the records are loaded
    found: list[tuple[int, int, str, dt.date, dt.datetime | None]] = []
    for user_id in user_ids:
        for doc_id, days in required[user_id].items():
            version_id, effective_date = in_force[doc_id]
            due = (effective_date or moment.date()) + dt.timedelta(days=days)
            when = signed.get((user_id, version_id))
            state = TRAINED if when is not None else (DUE if moment.date() <= due else OVERDUE)
            if not (untrained_only and state == TRAINED):
                found.append((user_id, version_id, state, due, when))
    missing = {version_id for _, version_id, *_ in found} - loaded.keys()
    if missing:
        rows = DocumentVersion._base_manager.filter(pk__in=missing).select_related("document")
        loaded.update((v.pk, v) for v in rows)
    out: dict[int, list[TrainingItem]] = {user_id: [] for user_id in user_ids}
    for user_id, version_id, state, due, when in found:
        version = loaded[version_id]
        out[user_id].append(TrainingItem(version.document, version, state, due, when))
    for items in out.values():
        items.sort(key=lambda item: item.document.number)
    return out


def training_status(user: User, at: dt.datetime | None = None) -> list[TrainingItem]:
    """Return the documents the user must be trained on at `at`, each trained, due or overdue.

    Due: the version's effective date plus the requirement's grace period (the shortest when several apply).
    """
    return _statuses([user.pk], at, _requirements(user))[user.pk]


@dataclass
class TrainingMatrix:
    """Users × required documents → state, with the counts the KPIs use."""

    users: list[User]
    documents: list[Document]
    cells: dict[tuple[int, int], TrainingItem] = field(default_factory=dict)

    def count(self, state: str) -> int:
        """Return how many required (user, document) pairs are in the state."""
        return sum(1 for item in self.cells.values() if item.state == state)

    @property
    def required(self) -> int:
        """Return how many (user, document) pairs are required."""
        return len(self.cells)

    @property
    def compliance(self) -> Decimal:
        """Return trained pairs / required pairs, to four places (1 when nothing is required)."""
        if not self.cells:
            return Decimal("1.0000")
        return (Decimal(self.count(TRAINED)) / Decimal(self.required)).quantize(Decimal("0.0001"))


def _matrix_assignments(site: Site | None) -> Any:
    """Return the assignments that make their holders the active GMP users of the site (or of every site)."""
    assignments = RoleAssignment.in_force().exclude(role__in=NOT_GMP).filter(user__is_active=True)
    if site is not None:
        assignments = assignments.filter(Q(site=site) | Q(site__isnull=True))
    return assignments


def _matrix_users(site: Site | None) -> list[int]:
    """Return the ids of the active GMP users of the site (or of every site)."""
    return sorted(set(_matrix_assignments(site).values_list("user_id", flat=True)))


def _matrix_scope(site: Site | None) -> tuple[list[int], list[_Need]]:
    """Return the active GMP users of the site (or of every site) and the requirements that apply there."""
    return _matrix_users(site), _needs(_requirements_at(site))


def _requirements_at(site: Site | None) -> Any:
    """Return the live requirements of the site and of its documents, and those of every site (all: None)."""
    rows = TrainingRequirement._base_manager.filter(voided=False, document__voided=False)
    if site is None:
        return rows
    return rows.filter(Q(site__isnull=True) | Q(site=site), Q(document__site__isnull=True) | Q(document__site=site))


def training_matrix(site: Site | None = None, at: dt.datetime | None = None) -> TrainingMatrix:
    """Return the training matrix of the active GMP users (of the site, or of every site) at `at`."""
    user_ids, requirements = _matrix_scope(site)
    statuses = _statuses(user_ids, at, requirements)
    users = list(User.objects.filter(pk__in=user_ids).order_by("username"))
    matrix = TrainingMatrix(users=users, documents=[])
    documents: dict[int, Document] = {}
    for user_id, items in statuses.items():
        for item in items:
            matrix.cells[(user_id, item.document.pk)] = item
            documents[item.document.pk] = item.document
    matrix.documents = sorted(documents.values(), key=lambda d: d.number)
    return matrix


def training_compliance(site: Site | None = None, at: dt.datetime | None = None) -> Decimal:
    """Return the share of required (user, document) pairs that are trained at `at` (a Decimal, 0 to 1).

    training_matrix(site, at).compliance, counted by the database without building the matrix (the
    KPIs ask for it: 500 users × 150 documents is 72,000 pairs, 0.2 s of Python, for one number).
    """
    requirements = _requirements_at(site)
    in_force = _in_force_ids(set(requirements.values_list("document_id", flat=True)), at)
    if not in_force:
        return Decimal("1.0000")
    pairs, done = _count_pairs(site, list(in_force.values()), _at(at))
    if not pairs:
        return Decimal("1.0000")
    return (Decimal(done) / Decimal(pairs)).quantize(Decimal("0.0001"))


def _count_pairs(site: Site | None, version_ids: list[int], moment: dt.datetime) -> tuple[int, int]:
    """Return how many (user, document) pairs are required at the site, and how many of those are trained.

    One statement: the pairs of _required, on the documents whose version in force is among
    `version_ids`, and of those the pairs whose user signed that version by `moment`. It states
    _applies in SQL (a requirement naming a user applies to them; one naming a role, to whoever holds
    the role at its site or at every site); test_training_compliance holds the two to the same answer.
    """
    from django.db import connection

    def compiled(rows: Any) -> tuple[str, list[Any]]:
        sql, params = rows.order_by().query.sql_with_params()
        return sql, list(params)

    users = _matrix_assignments(site).values("user_id")
    reqs_sql, reqs_params = compiled(_requirements_at(site).values("user_id", "document_id", "role", "site_id"))
    users_sql, users_params = compiled(users)
    held = RoleAssignment.in_force().exclude(role__in=NOT_GMP).filter(user_id__in=users)
    held_sql, held_params = compiled(held.values("user_id", "role", "site_id"))
    version, record = DocumentVersion._meta.db_table, TrainingRecord._meta.db_table
    in_force = ", ".join(["%s"] * len(version_ids))
    # PostgreSQL inlines a CTE read once and cannot estimate the requirements naming a role (it
    # guessed 1 row for 810 and probed users and training records 53,000 times each: 0.2 s at a
    # busy site); materialised, each part is computed once. SQLite computes them once either way.
    once = "MATERIALIZED" if connection.vendor == "postgresql" else ""
    # Most users hold one role at one place and are named by no requirement: their pairs are those
    # of their grant (role, site), the same for everyone who holds it. Those are counted per grant
    # (~20 grants × their versions, not 500 users × 150 documents: building and deduplicating
    # 53,000 pairs was most of the statement, bench/qms.py), and their training records, grouped by
    # grant and version first, are matched against their grant's versions. The other users' pairs
    # are built one by one as _required does.
    # Each requirement carries the version in force of its document, so that the pairs are
    # (user, version) and a training record, unique per (user, version), counts a pair once.
    # A site's id is positive: 0 stands for "every site" where NULL cannot be compared.
    # The users with several grants are chosen (few, and PostgreSQL estimates them so), not those with
    # one: a CTE of `HAVING COUNT(*) = 1` is estimated at one row, and a loop nested over it took 20 s.
    # The role requirements are filtered from the table in their own CTE, where `user_id IS NULL` is
    # estimated from statistics (filtered from a CTE it was estimated at one row, with the same loop).
    sql = f"""
        WITH in_force (version_id, document_id) AS {once} (
            SELECT v.id, v.document_id FROM {version} v WHERE v.id IN ({in_force})
        ),
        users (user_id) AS {once} ({users_sql}),
        held (user_id, role, site_id) AS {once} ({held_sql}),
        named (user_id, version_id) AS {once} (
            SELECT q.user_id, f.version_id FROM ({reqs_sql}) q JOIN in_force f ON f.document_id = q.document_id
            WHERE q.user_id IN (SELECT user_id FROM users)
        ),
        roles (version_id, role, site_id) AS {once} (
            SELECT f.version_id, q.role, q.site_id FROM ({reqs_sql}) q JOIN in_force f ON f.document_id = q.document_id
            WHERE q.user_id IS NULL
        ),
        several (user_id) AS {once} (
            SELECT h.user_id FROM held h GROUP BY h.user_id HAVING COUNT(*) > 1
            UNION
            SELECT n.user_id FROM named n
        ),
        single (user_id, role, place) AS {once} (
            SELECT h.user_id, h.role, COALESCE(h.site_id, 0) FROM held h
            WHERE h.user_id NOT IN (SELECT user_id FROM several)
        ),
        grants (role, place, holders) AS {once} (
            SELECT s.role, s.place, COUNT(*) FROM single s GROUP BY s.role, s.place
        ),
        granted (role, place, version_id) AS {once} (
            SELECT DISTINCT g.role, g.place, r.version_id FROM grants g
            JOIN roles r ON r.role = g.role AND (r.site_id IS NULL OR g.place = 0 OR g.place = r.site_id)
        ),
        theirs (user_id, role, site_id) AS {once} (
            SELECT h.user_id, h.role, h.site_id FROM held h WHERE h.user_id IN (SELECT user_id FROM several)
        ),
        others (user_id, version_id) AS {once} (
            SELECT n.user_id, n.version_id FROM named n
            UNION
            SELECT h.user_id, r.version_id FROM roles r
            JOIN theirs h ON h.role = r.role AND (r.site_id IS NULL OR h.site_id IS NULL OR h.site_id = r.site_id)
        ),
        trained (role, place, version_id, holders) AS {once} (
            SELECT s.role, s.place, t.document_version_id, COUNT(*) FROM {record} t
            JOIN single s ON s.user_id = t.user_id
            WHERE t.document_version_id IN ({in_force}) AND NOT t.voided AND t.signed_at <= %s
            GROUP BY s.role, s.place, t.document_version_id
        )
        SELECT
            (SELECT COALESCE(SUM(g.holders), 0) FROM grants g
             JOIN granted d ON d.role = g.role AND d.place = g.place)
            + (SELECT COUNT(*) FROM others),
            (SELECT COALESCE(SUM(t.holders), 0) FROM trained t
             JOIN granted d ON d.role = t.role AND d.place = t.place AND d.version_id = t.version_id)
            + (SELECT COUNT(*) FROM others o WHERE EXISTS (
                SELECT 1 FROM {record} t WHERE t.user_id = o.user_id AND t.document_version_id = o.version_id
                AND NOT t.voided AND t.signed_at <= %s))
    """  # the names are the models' tables; every value is a parameter
    moment_value = connection.ops.adapt_datetimefield_value(moment)
    params = [
        *version_ids,
        *users_params,
        *held_params,
        *reqs_params,
        *reqs_params,
        *version_ids,
        moment_value,
        moment_value,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        pairs, done = cursor.fetchone()
    return int(pairs), int(done)


def training_work(user: User, on: dt.date) -> list[Any]:
    """Return the user's training that is due or overdue on the day, as My work items (atmp.workflow.work)."""
    from atmp.workflow.engine import today
    from atmp.workflow.work import WorkItem

    moment = None if on >= today() else dt.datetime.combine(on, dt.time.max, tzinfo=dt.UTC)
    return [
        WorkItem(
            kind="training",
            record=item.version.record_key,
            title=str(item.version),
            status=item.state,
            due=item.due,
            overdue=item.state == OVERDUE,
            owner=user.username,
            detail="read and understand the effective version",
        )
        for item in _statuses([user.pk], moment, _requirements(user), untrained_only=True)[user.pk]
    ]


def reviews_due(on: dt.date | None = None, *, site: Site | None = None) -> list[DocumentVersion]:
    """Return the effective versions whose periodic review date is on or before `on` (today, UTC, by default)."""
    from atmp.workflow.engine import today

    rows = DocumentVersion._base_manager.filter(
        status="effective", voided=False, review_due__isnull=False, review_due__lte=on or today()
    ).select_related("document")
    if site is not None:
        rows = rows.filter(Q(document__site=site) | Q(document__site__isnull=True))
    return list(rows.order_by("review_due", "pk"))
