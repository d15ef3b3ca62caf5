"""Quality KPIs computed from the records as of a date, never typed (ICH Q10 §4.1 management review inputs).

"Open on a date" is read from each record's creation time and the time it entered a final state
(`finished_at`), so a KPI as of a past date counts what was open then. The class of a deviation is
its class now (a reclassification is not replayed). Dates are UTC days; a KPI as of D counts
records up to the end of D.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from atmp.accounts.models import Site

OVER_DAYS = 30


def end_of(day: dt.date) -> dt.datetime:
    """Return the first instant after the UTC day."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def open_on(rows: QuerySet[Any], day: dt.date) -> QuerySet[Any]:
    """Return the records created by the end of the day and not finished by then (nor voided)."""
    edge = end_of(day)
    return rows.filter(voided=False, created_at__lt=edge).filter(Q(finished_at__isnull=True) | Q(finished_at__gte=edge))


def _of_site(rows: QuerySet[Any], site: Site | None) -> QuerySet[Any]:
    return rows if site is None else rows.filter(site=site)


def deviation_kpis(day: dt.date, site: Site | None) -> dict[str, Any]:
    """Return the open deviations by class and those open for more than 30 days."""
    from atmp.quality.models import Deviation

    rows = open_on(_of_site(Deviation.objects.all(), site), day)
    by_class = {c: 0 for c in ("minor", "major", "critical", "unclassified")}
    old = 0
    # One pass, counted by the database: the open ones by class, and those opened over 30 days before.
    since = end_of(day - dt.timedelta(days=OVER_DAYS))
    counted = (
        rows.order_by()
        .values_list("classification")
        .annotate(n=Count("pk"), old=Count("pk", filter=Q(created_at__lt=since)))
    )
    for classification, n, older in counted:
        by_class[classification or "unclassified"] += n
        old += older
    return {"deviations_open": by_class, "deviations_open_over_30_days": old}


def capa_kpis(day: dt.date, site: Site | None) -> dict[str, Any]:
    """Return the CAPAs open on the day past their due date or their effectiveness check's."""
    from atmp.quality.models import Capa

    rows = open_on(_of_site(Capa.objects.all(), site), day)
    late = rows.filter(Q(due_date__lt=day) | Q(effectiveness_due__lt=day)).count()
    return {"capa_open": rows.count(), "capa_overdue": late}


def open_record_kpis(day: dt.date, site: Site | None) -> dict[str, Any]:
    """Return the change controls, complaints and recalls open on the day."""
    from atmp.quality.models import ChangeControl, Complaint, Recall  # type: ignore[attr-defined]

    return {
        "change_controls_open": open_on(_of_site(ChangeControl.objects.all(), site), day).count(),
        "complaints_open": open_on(_of_site(Complaint.objects.all(), site), day).count(),
        "recalls_open": open_on(_of_site(Recall.objects.all(), site), day).count(),
    }


def training_kpis(day: dt.date, site: Site | None) -> dict[str, Any]:
    """Return the share of required trainings done at the end of the day (a decimal string, 0 to 1)."""
    from atmp.quality.selectors.documents import training_compliance

    share = training_compliance(site, end_of(day) - dt.timedelta(microseconds=1))
    return {"training_compliance": str(share.quantize(Decimal("0.001")))}


def ratio(part: int, whole: int) -> str:
    """Return part/whole as a decimal string with three places ("1.000" when there is nothing to count)."""
    if whole == 0:
        return "1.000"
    return str((Decimal(part) / Decimal(whole)).quantize(Decimal("0.001")))


# One function per area, each returning its KPIs as of a day for a site (None: every site).
AREAS = [deviation_kpis, capa_kpis, open_record_kpis, training_kpis]


def kpis(*, day: dt.date, site: Site | None = None) -> dict[str, Any]:
    """Return every quality KPI as of the day, for the site or for every site."""
    found: dict[str, Any] = {"at": day.isoformat(), "site": site.code if site else None}
    for area in AREAS:
        found.update(area(day, site))
    return found
