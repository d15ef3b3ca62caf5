"""Audit-trail reviews: freeze a selection of the trail so a reviewer's signature binds to it."""

from __future__ import annotations

import hashlib
from collections.abc import Collection

from django.db.models import Q

from atmp.ledger import trail
from atmp.ledger.actors import ActsInLedger
from atmp.ledger.errors import LedgerError
from atmp.ledger.models import AuditTrailReview, LedgerHead
from atmp.ledger.writer import Change, change


class ReviewRefused(LedgerError):
    """The actor may not review the audit trail."""


class ReviewNotConcluded(LedgerError):
    """A review is signed only with its outcome (and its findings, when there are any); `field` names which."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


REVIEWED = "reviewed"  # the status of a review once its reviewer signed it
OUTCOMES = {"no_findings": "No findings", "findings": "Findings"}


class EmptyReview(LedgerError):
    """The selection holds no entries (other than the reviewer's own), so there is nothing to review."""


def start_review(
    *, actor: ActsInLedger, filter: trail.TrailFilter, comment: str = "", visible: Q | None = None
) -> AuditTrailReview:
    """Create a review record over the entries the filter selects now (up to the current head).

    The reviewer's own entries are left out and counted (PIC/S PI 041 §9.4: the review is
    independent of the work reviewed); a second reviewer reviews them. `visible` is what the
    reviewer may see (atmp.accounts.visibility.entry_scope; None: everything): a selection that
    holds entries outside it is refused, since nobody signs for entries they were not shown.
    """
    if not actor.can("audit.review"):
        raise ReviewRefused("reviewing the audit trail needs the permission 'audit.review' (QA or QP)")
    head = LedgerHead.objects.values_list("size", flat=True).get(pk=1)
    if visible is not None:
        hidden = trail.filtered(filter).filter(seq__lte=head).exclude(visible).count()
        if hidden:
            raise ReviewRefused(
                f"the selection holds {hidden} entries about sites or people you do not see: narrow it to "
                "the records of your sites, or ask a reviewer who works at every site"
            )
    own_id = int(actor.pk)
    digest = hashlib.sha256()
    first = last = None
    count = excluded = 0
    # Entries appended after this moment are not part of the review: bound it by the head.
    for seq, entry_hash, actor_id in (
        trail.filtered(filter)
        .filter(seq__lte=head)
        .order_by("seq")
        .values_list("seq", "hash", "actor_id")
        .iterator(2000)
    ):
        if actor_id == own_id:
            excluded += 1
            continue
        digest.update(bytes.fromhex(entry_hash))
        first = seq if first is None else first
        last = seq
        count += 1
    if count == 0 and excluded:
        raise EmptyReview(
            f"the selection holds only your own entries ({excluded}): nobody reviews their own work, "
            "so another reviewer must review them"
        )
    if count == 0:
        raise EmptyReview("the selection holds no audit entries: widen the filter")
    review = AuditTrailReview(
        record_type_filter=filter.record_type or "",
        record_id_filter=filter.record_id or "",
        with_parts_filter=filter.with_parts,
        actor_id_filter=filter.actor_id,
        action_filter=filter.action or "",
        since=filter.since,
        until=filter.until,
        first_seq=first,
        last_seq=last,
        entry_count=count,
        entries_hash=digest.hexdigest(),
        comment=comment.strip(),
        excluded_count=excluded,
    )
    with change(actor=actor, reason=""):
        review.save()
    return review


def conclude(ch: Change, review: AuditTrailReview, *, outcome: str | None, findings: str = "") -> None:
    """Record the reviewer's outcome and findings, and move the review to "reviewed", in the signing change.

    The signature that follows binds to this version, so it carries the outcome, and it is not
    superseded by the status change it causes; any later change would supersede it.
    """
    if review.status == REVIEWED:
        raise ReviewNotConcluded("outcome", f"{review.record_key} is already reviewed: start a new review")
    check_conclusion(outcome=outcome, findings=findings)
    review.outcome, review.findings, review.status = outcome or "", (findings or "").strip(), REVIEWED
    ch.save(review)


def check_conclusion(*, outcome: str | None, findings: str = "") -> None:
    """Refuse an outcome that is not one of OUTCOMES, or findings left undescribed."""
    findings = (findings or "").strip()
    if outcome not in OUTCOMES:
        raise ReviewNotConcluded(
            "outcome", f"say what the review found, one of: {', '.join(OUTCOMES)} (PIC/S PI 041 §9.4)"
        )
    if outcome == "findings" and not findings:
        raise ReviewNotConcluded("findings", "describe the findings (and the deviation or CAPA that follows them)")


def selection_of(review: AuditTrailReview) -> trail.TrailFilter:
    """Return the filter a review was made with."""
    return trail.TrailFilter(
        record_type=review.record_type_filter or None,
        record_id=review.record_id_filter or None,
        with_parts=review.with_parts_filter,
        actor_id=review.actor_id_filter,
        action=review.action_filter or None,
        since=review.since,
        until=review.until,
    )


def own_entries(review: AuditTrailReview, user_id: int) -> int:
    """Return how many of the entries the review covers are the user's own (0 for the reviewer who started it)."""
    if review.first_seq is None or review.last_seq is None or user_id == review.created_by_id:  # type: ignore[attr-defined]
        return 0
    return (
        trail.filtered(selection_of(review))
        .filter(seq__gte=review.first_seq, seq__lte=review.last_seq, actor_id=user_id)
        .count()
    )


def covering(seqs: Collection[int]) -> dict[int, list[AuditTrailReview]]:
    """Return, for each of these entries that a signed review covers, the reviews that cover it.

    A review covers the entries its selection held between its first and last seq, but not its
    reviewer's own (start_review leaves them out for a second reviewer).
    """
    if not seqs:
        return {}
    found = _signed_reviews(min(seqs), max(seqs))
    wanted = sorted(seqs)
    covered: dict[int, list[AuditTrailReview]] = {}
    for review in found:
        inside = [s for s in wanted if review.first_seq <= s <= review.last_seq]  # type: ignore[operator]
        for chunk in range(0, len(inside), 2000):
            hits = (
                trail.filtered(selection_of(review))
                .filter(seq__in=inside[chunk : chunk + 2000])
                .exclude(actor_id=review.created_by_id)  # type: ignore[attr-defined]
            )
            for seq in hits.values_list("seq", flat=True):
                covered.setdefault(seq, []).append(review)
    return covered


def unreviewed(selection: trail.TrailFilter) -> list[int]:
    """Return the seqs of the entries the selection holds that no signed review covers, oldest first."""
    return review_state(selection)[1]


def review_state(selection: trail.TrailFilter) -> tuple[int, list[int]]:
    """Return how many entries the selection holds and, oldest first, those no signed review covers.

    The entries are read once. A signed review made with this very selection covers the entries of
    its seq range but its reviewer's own, which is decided from that one read; only the entries left
    are asked of `covering` (reviews made with other selections: by record, by period...), which reads
    each such review's selection again. A batch's whole trail is usually reviewed with the batch's own
    selection, so the batch page and the QP's checks need no second read of a 300-step record
    (`covering` alone took over a second for one on SQLite, bench/qp_checks.py).
    """
    rows = list(trail.filtered(selection).order_by("seq").values_list("seq", "actor_id"))
    if not rows:
        return 0, []
    spans = [
        (int(review.first_seq or 0), int(review.last_seq or 0), review.created_by_id)  # type: ignore[attr-defined]
        for review in _signed_reviews(rows[0][0], rows[-1][0])
        if selection_of(review) == selection
    ]
    left = [
        seq
        for seq, actor in rows
        if not any(first <= seq <= last and actor != reviewer for first, last, reviewer in spans)
    ]
    if left:
        covered = covering(left)
        left = [seq for seq in left if seq not in covered]
    return len(rows), left


def _signed_reviews(first: int, last: int) -> list[AuditTrailReview]:
    """Return the live, signed audit-trail reviews whose seq range meets first..last, oldest first."""
    from atmp.ledger.models import Signature

    signed = Signature.objects.filter(
        record_type=AuditTrailReview.record_type(), meaning="audit_trail_reviewed"
    ).values_list("record_id", flat=True)
    return list(
        AuditTrailReview.objects.filter(
            pk__in=[int(pk) for pk in signed if str(pk).isdecimal()],
            voided=False,
            first_seq__lte=last,
            last_seq__gte=first,
        ).order_by("pk")
    )
