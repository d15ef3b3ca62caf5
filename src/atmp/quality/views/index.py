"""The quality system's front page: its areas, with what is open in each."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from atmp.accounts.access import requires

# (label, url name, what it holds): one entry per area, in the order of ICH Q10's elements.
AREAS: list[tuple[str, str, str]] = [
    ("Deviations", "quality:deviations", "Unplanned deviations: classification from risk, investigation, QA closure."),
    (
        "Planned deviations",
        "quality:planned_deviations",
        "Departures approved before the event, with a scope and an end.",
    ),
    (
        "CAPA",
        "quality:capas",
        "Corrective and preventive actions, their owners and due dates, the effectiveness check.",
    ),
    ("CAPA actions", "quality:capa_actions", "Every CAPA's actions, by due date."),
    (
        "Change control",
        "quality:change_controls",
        "Planned changes: what they affect, risk assessment, regulatory class, tasks, QA's and a QP's approval.",
    ),
    (
        "Risk register",
        "quality:risk_assessments",
        "FMEA risk assessments by product, process and site, with their highest and remaining RPN.",
    ),
    ("Risk scales", "quality:risk_scales", "The scale each site scores risks on, and the default."),
    (
        "Controlled documents",
        "quality:documents",
        "SOPs, policies, forms and specifications: versions with their files, approval, review dates, training.",
    ),
    ("Training matrix", "quality:training_matrix", "People × required documents: trained, due or overdue."),
    (
        "Suppliers",
        "quality:suppliers",
        "Suppliers and contractors: their qualifications per material or service, agreements and audits.",
    ),
    ("Supplier qualifications", "quality:supplier_approvals", "Every supplier's approvals, by validity."),
    (
        "Quality agreements",
        "quality:quality_agreements",
        "Agreements with suppliers and their expiry; filter those expiring within N days.",
    ),
    ("Supplier audits", "quality:supplier_audits", "Audits of suppliers, their outcome and findings."),
    ("May we accept?", "quality:may_accept", "Goods receipt's check: a material from a supplier, on a date."),
    (
        "Complaints",
        "quality:complaints",
        "Complaints received: investigation, conclusion, possible adverse reactions for pharmacovigilance.",
    ),
    ("Recalls", "quality:recalls", "Recalls and mock recalls: scope, consignees and patients, reconciliation."),
    ("Self-inspections", "quality:inspections", "Planned self-inspections, their findings and CAPAs."),
    (
        "Management reviews",
        "quality:management_reviews",
        "Periodic reviews of the quality system by management, with the KPIs frozen when approved.",
    ),
    ("KPIs", "quality:kpis", "The quality KPIs of a site or every site as of a day, computed from the records."),
]


@requires("records.view")
def index(request: HttpRequest) -> HttpResponse:
    """Show the quality system's areas."""
    return render(request, "quality/index.html", {"areas": AREAS})
