"""Quality KPIs computed from the records as of a date, never typed (ICH Q10 §4.1 management review inputs).

"Open on a date" is read from each record's creation time and the time it entered a final state
(`finished_at`), so a KPI as of a past date counts what was open then. The class of a deviation is
the class it had then: the database counts the open deviations by their class now, and the ledger
corrects those whose class changed after the edge (the old value of the first such change is the
class they had), so the cost grows with the reclassifications since the date, not with the
deviations. Dates are UTC days; a KPI as of D counts records up to the end of D, or up to an
earlier instant (`until`: a management review signed on its period's last day).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import CharField, Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast

from atmp.accounts.models import Site
from atmp.ledger.records import rfc3339

OVER_DAYS = 30
CLASSES = ("minor", "major", "critical", "unclassified")
# How a change of the class reads in an entry's canonical `changes` (keys sorted, no spaces): the
# database narrows the entries with it, and each one found is parsed to be sure.
CLASS_CHANGED = '"classification":['


def end_of(day: dt.date) -> dt.datetime:
    """Return the first instant after the UTC day."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


@dataclass(frozen=True)
class AsOf:
    """What the KPIs are computed as of: a UTC day, and the first instant they leave out (the edge)."""

    day: dt.date
    edge: dt.datetime


def as_of(day: dt.date, until: dt.datetime | None = None) -> AsOf:
    """Return the day's end as the edge, or `until` when it comes before it (a review signed that day)."""
    edge = end_of(day)
    if until is not None:
        if until < edge - dt.timedelta(days=1):
            raise ValueError(f"until {until.isoformat()} is before {day}: a cut-off falls on the day it cuts")
        edge = min(edge, until)
    return AsOf(day=day, edge=edge)


def open_on(rows: QuerySet[Any], edge: dt.datetime) -> QuerySet[Any]:
    """Return the records created before the edge and not finished by then (nor voided)."""
    return rows.filter(voided=False, created_at__lt=edge).filter(Q(finished_at__isnull=True) | Q(finished_at__gte=edge))


def _of_site(rows: QuerySet[Any], site: Site | None) -> QuerySet[Any]:
    return rows if site is None else rows.filter(site=site)


def deviation_kpis(when: AsOf, site: Site | None) -> dict[str, Any]:
    """Return the open deviations by the class they had at the edge, and those open for more than 30 days."""
    from atmp.quality.models import Deviation

    rows = open_on(_of_site(Deviation.objects.all(), site), when.edge)
    by_class = dict.fromkeys(CLASSES, 0)
    old = 0
    # One pass, counted by the database: the open ones by class now, and those opened over 30 days before.
    since = when.edge - dt.timedelta(days=OVER_DAYS)
    counted = (
        rows.order_by()
        .values_list("classification")
        .annotate(n=Count("pk"), old=Count("pk", filter=Q(created_at__lt=since)))
    )
    for classification, n, older in counted:
        by_class[classification or "unclassified"] += n
        old += older
    for now, then in reclassified_since(rows, when.edge).values():
        by_class[now] -= 1
        by_class[then] += 1
    return {"deviations_open": by_class, "deviations_open_over_30_days": old}


def reclassified_since(rows: QuerySet[Any], edge: dt.datetime) -> dict[int, tuple[str, str]]:
    """Return {id: (class now, class at the edge)} of the deviations among the rows whose class changed since.

    With no entry in the ledger from the edge on (the KPIs of today), nothing changed: one look-up of
    the `at` index says so. Otherwise one query: for each of the rows, its first entry from the edge
    on that changes its class, found by the (type, id, seq) index; that entry's old value is the class
    the deviation had at the edge. The cost grows with the rows (the deviations open at the edge),
    not with the ledger or the date's age.
    """
    from atmp.ledger.models import AuditEntry
    from atmp.quality.models import Deviation

    since = rfc3339(edge)
    if not AuditEntry.objects.filter(at__gte=since).exists():
        return {}
    changes = AuditEntry.objects.filter(
        record_type=Deviation.record_type(),
        record_id=Cast(OuterRef("pk"), CharField()),
        at__gte=since,
        changes__contains=CLASS_CHANGED,
    ).order_by("seq")
    # In the select list, not as WHERE EXISTS: a subquery there is looked up row by row through the
    # index, where a semi-join could read every entry since the edge (PostgreSQL's choice for a far one).
    found = rows.annotate(first_change=Subquery(changes.values("changes")[:1])).order_by()
    corrected = {}
    for key, now, first_change in found.values_list("pk", "classification", "first_change"):
        old_new = json.loads(first_change).get("classification") if first_change else None
        if old_new is not None:  # None: no change since, or the text matched but not as the class's own key
            corrected[key] = (now or "unclassified", old_new[0] or "unclassified")
    return corrected


def capa_kpis(when: AsOf, site: Site | None) -> dict[str, Any]:
    """Return the CAPAs open on the day past their due date or their effectiveness check's."""
    from atmp.quality.models import Capa

    rows = open_on(_of_site(Capa.objects.all(), site), when.edge)
    late = rows.filter(Q(due_date__lt=when.day) | Q(effectiveness_due__lt=when.day)).count()
    return {"capa_open": rows.count(), "capa_overdue": late}


def open_record_kpis(when: AsOf, site: Site | None) -> dict[str, Any]:
    """Return the change controls, complaints and recalls open on the day."""
    from atmp.quality.models import ChangeControl, Complaint, Recall  # type: ignore[attr-defined]

    return {
        "change_controls_open": open_on(_of_site(ChangeControl.objects.all(), site), when.edge).count(),
        "complaints_open": open_on(_of_site(Complaint.objects.all(), site), when.edge).count(),
        "recalls_open": open_on(_of_site(Recall.objects.all(), site), when.edge).count(),
    }


def training_kpis(when: AsOf, site: Site | None) -> dict[str, Any]:
    """Return the share of required trainings done at the edge (a decimal string, 0 to 1)."""
    from atmp.quality.selectors.documents import training_compliance

    share = training_compliance(site, when.edge - dt.timedelta(microseconds=1))
    return {"training_compliance": str(share.quantize(Decimal("0.001")))}


def ratio(part: int, whole: int) -> str:
    """Return part/whole as a decimal string with three places ("1.000" when there is nothing to count)."""
    if whole == 0:
        return "1.000"
    return str((Decimal(part) / Decimal(whole)).quantize(Decimal("0.001")))


# One function per area, each returning its KPIs as of a day (and its edge) for a site (None: every site).
AREAS = [deviation_kpis, capa_kpis, open_record_kpis, training_kpis]


def kpis(*, day: dt.date, site: Site | None = None, until: dt.datetime | None = None) -> dict[str, Any]:
    """Return every quality KPI as of the day (or of `until` within it), for the site or for every site.

    With `until`, the KPIs count what was entered before that instant and say so (`until`).
    """
    when = as_of(day, until)
    found: dict[str, Any] = {"at": day.isoformat(), "site": site.code if site else None}
    if when.edge < end_of(day):
        found["until"] = rfc3339(when.edge)
    for area in AREAS:
        found.update(area(when, site))
    return found
