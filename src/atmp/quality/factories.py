"""Factories of quality records for tests and benchmarks (each through its service)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from atmp.accounts.models import Site, User
from atmp.ledger import clock


def site_of(actor: User, site: Site | None) -> Site:
    """Return the site given, or a new one."""
    from atmp.testing import make_site

    return site or make_site()


def make_deviation(*, actor: User, site: Site | None = None, **fields: Any) -> Any:
    """Open a deviation that happened an hour ago."""
    from atmp.quality.services.deviations import open_deviation

    return open_deviation(
        actor=actor,
        site=site_of(actor, site),
        title=fields.pop("title", "Filter integrity test failed"),
        description=fields.pop("description", "The post-use integrity test of the sterile filter failed."),
        occurred_at=fields.pop("occurred_at", clock.now() - dt.timedelta(hours=1)),
        **fields,
    )


def make_planned_deviation(*, actor: User, site: Site | None = None, **fields: Any) -> Any:
    """Draft a complete planned deviation starting tomorrow, for a week."""
    from atmp.quality.services.deviations import open_planned_deviation

    today = clock.now().date()
    return open_planned_deviation(
        actor=actor,
        site=site_of(actor, site),
        title=fields.pop("title", "Use the backup incubator"),
        description=fields.pop("description", "Incubator 2 replaces incubator 1 during its requalification."),
        scope=fields.pop("scope", "Batches started in the period"),
        justification=fields.pop("justification", "Qualified equivalent equipment"),
        risk_assessment=fields.pop("risk_assessment", "Low: same model, same qualification"),
        planned_start=fields.pop("planned_start", today + dt.timedelta(days=1)),
        planned_end=fields.pop("planned_end", today + dt.timedelta(days=8)),
        **fields,
    )


def make_capa(*, actor: User, site: Site | None = None, **fields: Any) -> Any:
    """Open a CAPA with its effectiveness criteria set."""
    from atmp.quality.services.capa import open_capa

    fields.setdefault("effectiveness_criteria", "No failed integrity test for 3 months")
    fields.setdefault("effectiveness_due", clock.now().date() + dt.timedelta(days=90))
    return open_capa(
        actor=actor,
        site=site_of(actor, site),
        title=fields.pop("title", "Retrain on filter integrity testing"),
        description=fields.pop("description", "Operators retrained; SOP clarified."),
        **fields,
    )


def make_capa_action(*, actor: User, capa: Any = None, **fields: Any) -> Any:
    """Add an action to a (new) CAPA."""
    from atmp.quality.services.capa import add_action

    return add_action(
        actor=actor,
        capa=capa or make_capa(actor=actor),
        description=fields.pop("description", "Revise SOP-0012 §4"),
        **fields,
    )


def make_investigated_deviation(*, actor: User, **fields: Any) -> Any:
    """Open a deviation, classify it minor and describe its impact and root cause: ready to move on."""
    from atmp.quality.services.deviations import classify, update_deviation

    deviation = make_deviation(actor=actor, **fields)
    classify(actor=actor, deviation=deviation, severity=2, occurrence=2, detectability=2, reason="triage")
    return update_deviation(
        actor=actor,
        deviation=deviation,
        reason="investigated",
        impact_assessment="No batch was affected.",
        root_cause="The filter housing was not tightened.",
        root_cause_method="five_whys",
    )


def make_capa_ready_for_check(*, actor: User, **fields: Any) -> Any:
    """Open a CAPA whose one action is done: ready for its effectiveness check."""
    from atmp.quality.services.capa import record_evidence
    from atmp.workflow import engine

    capa = make_capa(actor=actor, **fields)
    action = make_capa_action(actor=actor, capa=capa)
    record_evidence(actor=actor, action=action, evidence="SOP revised", reason="done")
    engine.transition(actor, action, "complete", reason="done")
    return capa


def make_evidenced_action(*, actor: User, **fields: Any) -> Any:
    """Add an action with its evidence recorded: ready to be marked done."""
    from atmp.quality.services.capa import record_evidence

    action = make_capa_action(actor=actor, **fields)
    return record_evidence(actor=actor, action=action, evidence="SOP revised", reason="done")


_counter = itertools.count(1)


def make_document(*, actor: User, **fields: Any) -> Any:
    """Create a controlled document (an SOP by default) owned by the actor."""
    from atmp.quality.services import documents

    fields.setdefault("title", f"Procedure {next(_counter)}")
    fields.setdefault("document_type", "sop")
    fields.setdefault("owner", actor)
    return documents.add_document(actor=actor, **fields)


def make_document_version(*, actor: User, document: Any = None, **fields: Any) -> Any:
    """Create a draft version, ready to submit: a change summary and an effective date of today (UTC)."""
    from atmp.quality.services import documents
    from atmp.workflow.engine import today

    fields.setdefault("change_summary", "first issue")
    fields.setdefault("effective_date", today())
    return documents.add_version(actor=actor, document=document or make_document(actor=actor), **fields)


def make_effective_version(*, actor: User, approver: User, password: str, document: Any = None, **fields: Any) -> Any:
    """Create a version and take it through review and a signed approval to effective."""
    from atmp.workflow import engine

    version = make_document_version(actor=actor, document=document, **fields)
    engine.transition(actor, version, "submit", reason="ready for review")
    engine.transition(approver, version, "approve", reason="content approved", password=password)
    engine.transition(approver, version, "make_effective", reason="effective date reached")
    return version


def make_training_requirement(*, actor: User, document: Any = None, **fields: Any) -> Any:
    """Require training on a document for operators."""
    from atmp.quality.services import documents

    if "user" not in fields:
        fields.setdefault("role", "operator")
    return documents.add_requirement(actor=actor, document=document or make_document(actor=actor), **fields)


def make_training_record(*, actor: User, password: str | None = None) -> Any:
    """Create an effective SOP version (approved by a new QA Approver) and the actor's read-and-understood of it."""
    from atmp.quality.services import documents
    from atmp.testing import PASSWORD, make_user

    author = make_user("qa_reviewer", password=PASSWORD)
    approver = make_user("qa_approver", password=PASSWORD)
    version = make_effective_version(actor=author, approver=approver, password=PASSWORD)
    return documents.read_and_understood(actor=actor, version=version, password=password or PASSWORD)


def make_unsigned_training_record(*, actor: User) -> Any:
    """Write a training record of the actor without its signature: for the record contract only.

    The contract test counts one ledger entry per create; a real training record comes only from
    read_and_understood, which signs it in the same change (two entries).
    """
    from atmp.ledger import clock, writer
    from atmp.quality.models.documents import TrainingRecord
    from atmp.testing import PASSWORD, make_user

    author = make_user("qa_reviewer", password=PASSWORD)
    approver = make_user("qa_approver", password=PASSWORD)
    version = make_effective_version(actor=author, approver=approver, password=PASSWORD)
    record = TrainingRecord(
        user=actor,
        document=version.document,
        document_version=version,
        version_snapshot_hash=version.snapshot_hash(),
        signed_at=clock.now(),
    )
    with writer.change(actor=actor, reason="test set-up"):
        record.save()
    return record


def today_plus(days: int) -> dt.date:
    """Return today's UTC date moved by days."""
    from atmp.workflow.engine import today

    return today() + dt.timedelta(days=days)
