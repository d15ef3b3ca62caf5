"""The samples' and OOS investigations' lists, declared once for their CSV and API operations, and the
documents (sample, result, investigation) the API and CLI answer."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from atmp.accounts.models import User
from atmp.accounts.visibility import visible_records, visible_sites
from atmp.lab.models import OosInvestigation, Result, Sample, SampleCustody, SamplePurpose, SampleStatus
from atmp.lab.workflows.oos import OOS_WORKFLOW
from atmp.lists import ChoiceFilter, Column, ListSpec, TextFilter


def record_url(row: Any) -> str:
    """Return the record page of a row."""
    return reverse("web:record", args=[row.record_type(), row.pk])


def sample_url(row: Sample) -> str:
    """Return a sample's page (custody, results, entry forms)."""
    return reverse("lab:sample_page", args=[row.pk])


def oos_url(row: OosInvestigation) -> str:
    """Return an investigation's page (its result, findings and workflow actions)."""
    return reverse("lab:oos_page", args=[row.pk])


def site_choices(viewer: User) -> list[tuple[str, str]]:
    """Return (code, name) of the sites the viewer may see."""
    return [(s.code, f"{s.code}: {s.name}") for s in visible_sites(viewer).filter(voided=False).order_by("code")]


def samples(viewer: User) -> QuerySet[Sample]:
    """Return the live samples of the viewer's sites."""
    return visible_records(viewer, Sample.objects.filter(voided=False).select_related("site", "batch", "lot"))


def investigations(viewer: User) -> QuerySet[OosInvestigation]:
    """Return the live OOS investigations of the viewer's sites."""
    from atmp.lab.services.oos import all_investigations

    return visible_records(viewer, all_investigations().filter(voided=False).select_related("site", "batch"))


SAMPLES = ListSpec(
    name="lab_samples",
    title="Samples",
    rows=samples,
    default_sort="-number",
    columns=(
        Column("number", "Number", sort="number", link=sample_url),
        Column("purpose", "Purpose", value=lambda s: SamplePurpose(s.purpose).label, sort="purpose"),
        Column("batch", "Batch", value=lambda s: s.batch.number if s.batch else "", sort="batch__number"),
        Column("lot", "Lot", value=lambda s: s.lot.number if s.lot else ""),
        Column("site", "Site", value="site.code", sort="site__code"),
        Column("status", "Status", value=lambda s: SampleStatus(s.status).label, sort="status"),
        Column("location", "Location"),
        Column("taken_at", "Taken at", sort="taken_at"),
    ),
    filters=(
        TextFilter("q", "Number or batch", fields=("number", "batch__number", "lot__number")),
        ChoiceFilter("status", "Status", lookup="status", choices=list(SampleStatus.choices)),
        ChoiceFilter("purpose", "Purpose", lookup="purpose", choices=list(SamplePurpose.choices)),
        ChoiceFilter("site", "Site", lookup="site__code", choices=site_choices),
    ),
)

OOS_INVESTIGATIONS = ListSpec(
    name="lab_oos",
    title="OOS investigations",
    rows=investigations,
    default_sort="-number",
    columns=(
        Column("number", "Number", sort="number", link=oos_url),
        Column("title", "Title", sort="title"),
        Column("batch", "Batch", value=lambda s: s.batch.number if s.batch else "", sort="batch__number"),
        Column("site", "Site", value="site.code", sort="site__code"),
        Column("status", "Status", value=lambda s: s.state_label(), sort="status"),
        Column("conclusion", "Conclusion", value=lambda s: s.get_conclusion_display()),
    ),
    filters=(
        TextFilter("q", "Number, title or batch", fields=("number", "title", "batch__number")),
        ChoiceFilter("status", "Status", lookup="status", choices=[(s.name, s.label) for s in OOS_WORKFLOW.states]),
        ChoiceFilter("site", "Site", lookup="site__code", choices=site_choices),
    ),
)


def result_document(result: Result) -> dict[str, Any]:
    """Return a result as the API, CLI and pages show it: as entered, parsed, judged, reviewed."""
    from atmp.lab.services.oos import all_investigations
    from atmp.lab.services.results import reviewed_by, superseded

    attribute = result.attribute
    stored = result.source_file
    return {
        "id": result.pk,
        "record": result.record_key,
        "sample": result.sample.number,
        "specification": str(result.specification),
        "attribute": attribute.name,
        "position": attribute.position,
        "criterion": attribute.criterion,
        "attribute_unit": attribute.unit,
        "method": result.method.code,
        "analyst": result.analyst,
        "instrument": result.instrument.code if result.instrument else None,
        "tested_on": result.tested_on.isoformat(),
        "value_entered": result.value_entered,
        "number": result.number,
        "unit": result.unit,
        "converted": result.converted,
        "amount": result.amount,
        "reported": result.reported,
        "conforms": result.conforms,
        "supersedes": result.supersedes_id,
        "correction_reason": result.correction_reason,
        "superseded": superseded(result),
        "source_file": None if stored is None else {"id": stored.pk, "name": stored.name, "sha256": stored.sha256},
        "reviewed_by": [s.signer_name for s in reviewed_by(result)],
        "oos": [o.number for o in all_investigations().filter(result=result)],
    }


def sample_document(sample: Sample) -> dict[str, Any]:
    """Return a sample with its custody and the results that stand."""
    from atmp.lab.services.results import live_results

    return {
        "id": sample.pk,
        "record": sample.record_key,
        "number": sample.number,
        "site": sample.site.code,
        "purpose": sample.purpose,
        "batch": sample.batch.number if sample.batch else None,
        "lot": sample.lot.number if sample.lot else None,
        "quantity": f"{sample.quantity}",
        "unit": sample.unit,
        "container": sample.container,
        "storage": sample.storage,
        "taken_at": sample.taken_at.isoformat(),
        "taken_by": sample.taken_by,
        "status": sample.status,
        "location": sample.location,
        "label": sample.number,
        "custody": [
            {"from": c.from_person, "to": c.to_person, "location": c.location, "at": c.at.isoformat()}
            for c in SampleCustody.objects.filter(sample=sample, voided=False).order_by("at", "pk")
        ],
        "results": [result_document(r) for r in live_results(sample)],
    }


def oos_document(oos: OosInvestigation) -> dict[str, Any]:
    """Return an OOS investigation: its result, batch, phase findings, state and conclusion."""
    return {
        "id": oos.pk,
        "record": oos.record_key,
        "version": oos.version,
        "number": oos.number,
        "title": oos.title,
        "site": oos.site.code,
        "batch": oos.batch.number if oos.batch else None,
        "result": oos.result_id,
        "status": oos.status,
        "state": oos.state_label(),
        "phase_1_finding": oos.phase_1_finding,
        "phase_2_finding": oos.phase_2_finding,
        "conclusion": oos.conclusion,
    }
