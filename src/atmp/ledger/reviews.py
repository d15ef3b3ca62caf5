"""Audit-trail reviews: freeze a selection of the trail so a reviewer's signature binds to it."""

from __future__ import annotations

import hashlib

from atmp.ledger import trail
from atmp.ledger.actors import ActsInLedger
from atmp.ledger.errors import LedgerError
from atmp.ledger.models import AuditTrailReview, LedgerHead
from atmp.ledger.writer import change


class ReviewRefused(LedgerError):
    """The actor may not review the audit trail."""


class EmptyReview(LedgerError):
    """The selection holds no entries (other than the reviewer's own), so there is nothing to review."""


def start_review(*, actor: ActsInLedger, filter: trail.TrailFilter, comment: str = "") -> AuditTrailReview:
    """Create a review record over the entries the filter selects now (up to the current head).

    The reviewer's own entries are left out and counted (PIC/S PI 041 §9.4: the review is
    independent of the work reviewed); a second reviewer reviews them.
    """
    if not actor.can("audit.review"):
        raise ReviewRefused("reviewing the audit trail needs the permission 'audit.review' (QA or QP)")
    head = LedgerHead.objects.values_list("size", flat=True).get(pk=1)
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


def selection_of(review: AuditTrailReview) -> trail.TrailFilter:
    """Return the filter a review was made with."""
    return trail.TrailFilter(
        record_type=review.record_type_filter or None,
        record_id=review.record_id_filter or None,
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
