"""The quality system's front page: its areas, grouped by ICH Q10 element, with what is open in each."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from atmp.accounts.access import requires
from atmp.accounts.visibility import visible_records


@dataclass(frozen=True)
class Area:
    """One area of the quality system: its list page and, for workflow records, the model whose open rows it counts."""

    label: str
    url: str
    what: str
    model: str = ""  # "quality.Deviation": count its rows that are not finished (nor voided)
    # Count only these states (a document's effective version is in force, not work waiting), named so.
    states: tuple[str, ...] = ()
    counted: str = "open"


# (group, its areas): in the order of ICH Q10 §3.2's elements.
AREAS: list[tuple[str, list[Area]]] = [
    (
        "Deviations and CAPA",
        [
            Area(
                "Deviations",
                "quality:deviations",
                "Unplanned deviations: classification from risk, investigation, QA closure.",
                "quality.Deviation",
            ),
            Area(
                "Planned deviations",
                "quality:planned_deviations",
                "Departures approved before the event, with a scope and an end.",
                "quality.PlannedDeviation",
            ),
            Area(
                "CAPA",
                "quality:capas",
                "Corrective and preventive actions, their owners and due dates, the effectiveness check.",
                "quality.Capa",
            ),
            Area("CAPA actions", "quality:capa_actions", "Every CAPA's actions, by due date.", "quality.CapaAction"),
        ],
    ),
    (
        "Change and risk",
        [
            Area(
                "Change control",
                "quality:change_controls",
                "Planned changes: what they affect, risk assessment, regulatory class, tasks, QA and QP approval.",
                "quality.ChangeControl",
            ),
            Area(
                "Risk register",
                "quality:risk_assessments",
                "FMEA risk assessments by product, process and site, with their highest and remaining RPN.",
                "quality.RiskAssessment",
                states=("draft", "in_review"),
                counted="in preparation",
            ),
            Area("Risk scales", "quality:risk_scales", "The scale each site scores risks on, and the default."),
        ],
    ),
    (
        "Documents and training",
        [
            Area(
                "Controlled documents",
                "quality:documents",
                "SOPs, policies, forms, specifications: versions with their files, approval, review dates, training.",
                "quality.DocumentVersion",
                states=("draft", "in_review", "approved"),
                counted="versions in preparation",
            ),
            Area("Training matrix", "quality:training_matrix", "People × required documents: trained, due or overdue."),
        ],
    ),
    (
        "Suppliers and contractors",
        [
            Area(
                "Suppliers",
                "quality:suppliers",
                "Suppliers and contractors: their qualifications per material or service, agreements and audits.",
            ),
            Area(
                "Supplier qualifications",
                "quality:supplier_approvals",
                "Every supplier's approvals, by validity.",
                "quality.SupplierApproval",
                states=("pending",),
                counted="pending",
            ),
            Area(
                "Quality agreements",
                "quality:quality_agreements",
                "Agreements with suppliers and their expiry; filter those expiring within N days.",
                "quality.QualityAgreement",
                states=("draft", "in_review"),
                counted="in preparation",
            ),
            Area(
                "Supplier audits",
                "quality:supplier_audits",
                "Audits of suppliers, their outcome and findings.",
                "quality.SupplierAudit",
            ),
            Area(
                "May we accept?", "quality:may_accept", "Goods receipt's check: a material from a supplier, on a date."
            ),
        ],
    ),
    (
        "Complaints and recalls",
        [
            Area(
                "Complaints",
                "quality:complaints",
                "Complaints received: investigation, conclusion, possible adverse reactions for pharmacovigilance.",
                "quality.Complaint",
            ),
            Area(
                "Recalls",
                "quality:recalls",
                "Recalls and mock recalls: scope, consignees and patients, reconciliation.",
                "quality.Recall",
            ),
        ],
    ),
    (
        "Oversight",
        [
            Area(
                "Self-inspections",
                "quality:inspections",
                "Planned self-inspections, their findings and CAPAs.",
                "quality.SelfInspection",
            ),
            Area(
                "Management reviews",
                "quality:management_reviews",
                "Periodic reviews of the quality system by management, with the KPIs frozen when approved.",
                "quality.ManagementReview",
            ),
            Area(
                "KPIs",
                "quality:kpis",
                "The quality KPIs of a site or every site as of a day, computed from the records.",
            ),
        ],
    ),
]


def open_counts(viewer: Any, area: Area, today: dt.date) -> tuple[int, int]:
    """Return how many of the area's records the viewer may see are counted (open), and how many are overdue."""
    model = apps.get_model(area.model)
    rows = model.objects.filter(voided=False, finished_at__isnull=True)
    if area.states:
        rows = rows.filter(status__in=area.states)
    rows = visible_records(viewer, rows)
    counted = rows.aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
    return counted["open"], counted["overdue"]


@requires("records.view")
def index(request: HttpRequest) -> HttpResponse:
    """Show the quality system's areas, each with its open and overdue records."""
    today = dt.datetime.now(dt.UTC).date()
    groups = []
    for group, areas in AREAS:
        shown = []
        for area in areas:
            opened, overdue = open_counts(request.user, area, today) if area.model else (None, None)
            shown.append({"area": area, "href": reverse(area.url), "open": opened, "overdue": overdue})
        groups.append({"title": group, "areas": shown})
    return render(request, "quality/index.html", {"groups": groups})
