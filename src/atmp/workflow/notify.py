"""Notifications by e-mail: sent after the change commits, never blocking or undoing it."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from atmp.accounts.models import RoleAssignment, User
from atmp.ledger.records import GmpRecord

log = logging.getLogger("atmp.notify")


def notify(*, to: Iterable[User], subject: str, body: str, record: GmpRecord | None = None) -> None:
    """Send a notification to the users (those with an address) once the current transaction commits.

    A failure to send is logged, never raised: the GMP change that caused it has already happened.
    """
    addresses = sorted({u.email for u in to if u.email and u.is_active})
    if not addresses:
        return
    where = f"\n\n{settings.ATMP_PUBLIC_BASE}/records/{record.record_type()}/{record.pk}/" if record else ""
    message = (subject[:200], body + where, addresses)

    def send() -> None:
        try:
            send_mail(message[0], message[1], None, message[2], fail_silently=False)
        except Exception:  # any mail failure is logged; the change stands
            log.exception("notification %r to %s could not be sent", message[0], ", ".join(message[2]))

    transaction.on_commit(send)


def holders_of(role: str, *, site_id: int | None = None) -> list[User]:
    """Return the active users holding the role (at the site, or at every site) now."""
    rows = RoleAssignment.in_force().filter(role=role).select_related("user")
    if site_id is not None:
        from django.db.models import Q

        rows = rows.filter(Q(site_id=site_id) | Q(site__isnull=True))
    return sorted({a.user for a in rows if a.user.is_active}, key=lambda u: u.pk)
