"""`atmp tick`'s quality task: open the periodic review of each controlled document whose review falls due.

Opening a review is assigning the document's effective version to the document's owner, due on
its review date, as one audited change by atmp itself (actor: the system), and telling the owner by
e-mail. The review then shows in the owner's My work and, once its date has passed, in the overdue
list and the daily reminders. It ends when a newer version of the document takes effect (the
reviewed one is superseded); a review that changes nothing is recorded as a new version that says
so. A version that carries a due date already is left alone, so running the tick again opens
nothing twice (EU GMP Part I Chapter 4 §4.5: documents are regularly reviewed and kept up to date).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from atmp.accounts.roles import Role
from atmp.ledger import writer

# Who is given a review whose document owner can no longer take it (disabled, or not of its site).
FALLBACK_ROLE = Role.QA_REVIEWER


def open_due_reviews(now: dt.datetime) -> dict[str, Any]:
    """Open the periodic review of every effective version due on or before today; return what was done."""
    from atmp.accounts.models import User
    from atmp.accounts.services import can_see
    from atmp.quality.models.documents import DocumentVersion
    from atmp.quality.selectors.documents import reviews_due
    from atmp.workflow.notify import holders_of, notify

    due = reviews_due(now.date())
    opened = 0
    for version in due:
        if version.due_date is not None:
            continue  # opened already (or QA set its due date): never twice
        owner = version.document.owner
        takes_it = owner.is_active and can_see(owner, version)
        reason = (
            f"periodic review of {version.document.number} version {version.label} due on {version.review_due} "
            "(EU GMP Chapter 4 §4.5)"
        )
        with writer.change(actor=None, reason=reason) as ch:
            ch.hold()  # under the ledger's lock: two ticks at once open it once
            current = DocumentVersion._base_manager.get(pk=version.pk)
            if current.due_date is not None or current.status != "effective" or current.voided:
                continue
            if current.assignee_id is None and not current.assigned_role:
                if takes_it:
                    current.assignee = owner
                else:
                    current.assigned_role = FALLBACK_ROLE
            current.due_date = current.review_due
            ch.save(current, action="assign")
            if current.assignee_id is not None:
                people = list(User.objects.filter(pk=current.assignee_id))
            else:
                people = holders_of(current.assigned_role, site_id=version.document.site_id)
            notify(
                to=people,
                subject=f"Periodic review due: {version.document.number} {version.document.title}",
                body=(
                    f"{current.record_key} ({version.document.number} version {version.label}) is due for its "
                    f"periodic review on {current.review_due}. Review it; a revision, or a review that changes "
                    "nothing, is issued as the document's next version."
                ),
                record=current,
            )
        opened += 1
    return {"due": len(due), "opened": opened}
