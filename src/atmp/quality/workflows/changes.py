"""The change control's workflow (ICH Q10 §3.2.3): assessed, approved by QA (and a QP), implemented, reviewed.

A change that affects certified product is approved by a Qualified Person too. QA's approval is the
signed `approve` transition; the QP's is a signature 'approved' that a Qualified Person gives the
assessed change before it is submitted (atmp quality change qp-approve, or the generic signing
endpoint). Both then vouch for the same content: an edit after either supersedes it, and `approve`
refuses without a QP approval that still stands. Why not two signed transitions: the engine checks a
signed transition against the current version, and a version carries one signature per meaning;
the unsigned `submit` between the two approvals gives each its own version (docs/quality.md).
"""

from __future__ import annotations

import json
from typing import Any

from atmp.workflow.machine import State, Transition, Workflow

QP_ROLE = "qualified_person"
QA_APPROVER_ROLE = "qa_approver"
RISK_TYPE = "quality.riskassessment"
# Records that may stand as the comparability evidence a change needs before it closes: the
# comparability module's study, or until it exists a controlled document (the study report).
EVIDENCE_TYPES = ("comparability.study", "quality.document")
PRIOR_APPROVAL = ("type_ii", "ct_substantial_modification")


def risk_assessments(change: Any, *, status: str | None = None) -> list[Any]:
    """Return the risk assessments linked to the change ('supports'), optionally in one state."""
    from atmp.workflow import links

    found = links.linking(change, relation="supports", source_type=RISK_TYPE)
    return [r for r in found if not r.voided and r.status != "cancelled" and (status is None or r.status == status)]


def qp_approvals(change: Any) -> list[Any]:
    """Return the standing 'approved' signatures of the change given by a Qualified Person.

    The signer's roles are read from the ledger entry of the signature: the roles they held when
    they signed, as the ledger froze them.
    """
    from atmp.ledger import signatures
    from atmp.ledger.models import AuditEntry

    standing = signatures.current(change, "approved")
    if not standing:
        return []
    roles = dict(AuditEntry.objects.filter(seq__in=[s.entry_seq for s in standing]).values_list("seq", "actor_roles"))
    return [s for s in standing if QP_ROLE in json.loads(roles.get(s.entry_seq) or "[]")]


def has_risk_assessment(change: Any) -> str | None:
    """Refuse a change submitted for approval without a linked risk assessment (ICH Q9(R1))."""
    if not risk_assessments(change):
        return "a change is approved on a documented risk assessment: link one (quality.riskassessment 'supports' it)"
    return None


def risk_assessment_approved(change: Any) -> str | None:
    """Refuse QA's approval while no linked risk assessment is approved."""
    if not risk_assessments(change, status="approved"):
        return (
            "QA approves a change on an approved risk assessment (ICH Q9(R1)): have a linked assessment approved first"
        )
    return None


def qp_approval_stands(change: Any) -> str | None:
    """Refuse QA's approval of a change to certified product that no Qualified Person has approved."""
    if not change.affects_certified_product:
        return None
    found = qp_approvals(change)
    if not found:
        return (
            "the change affects certified product: a Qualified Person approves it first (signs the assessed change "
            "'approved' before it is submitted); an edit since a QP's approval supersedes it"
        )
    if any(s.record_version == change.version for s in found):
        return (
            f"version {change.version} carries the QP's approval, and QA's approval signs a version of its own: "
            "return the change to assessment and submit it again"
        )
    return None


def authority_approved(change: Any) -> str | None:
    """Refuse implementing a change that needs the authority's approval before the reference is recorded."""
    if change.regulatory_classification in PRIOR_APPROVAL and not change.regulatory_approval_ref.strip():
        what = "a Type II variation" if change.regulatory_classification == "type_ii" else "a substantial modification"
        return (
            f"{what} is implemented only once the authority has approved it: fill in regulatory_approval_ref "
            "(Reg. (EC) 1234/2008; Reg. (EU) 536/2014 Art. 2(2)(13))"
        )
    return None


def tasks_done(change: Any) -> str | None:
    """Refuse the effectiveness review before every implementation task is done."""
    tasks = list(change.tasks.filter(voided=False).order_by("pk"))
    if not tasks:
        return "the implementation is recorded as tasks: add at least one, and mark it done"
    open_ = [t.title for t in tasks if not t.done]
    if open_:
        return f"every implementation task must be done first; open: {', '.join(open_[:5])}"
    return None


def comparability_evidence(change: Any) -> str | None:
    """Refuse closing a change that requires comparability without a linked study or report."""
    if not change.comparability_required:
        return None
    from atmp.workflow.models import Link

    found = Link.objects.filter(
        relation="supports",
        target_type=change.record_type(),
        target_id=str(change.pk),
        source_type__in=EVIDENCE_TYPES,
        voided=False,
    ).exists()
    if not found:
        return (
            "the change requires a comparability study: link the study (comparability.study) or its report "
            "(quality.document) to it ('supports') before closing (ICH Q5E)"
        )
    return None


def approver_is_qa(change: Any, actor: Any) -> str | None:
    """QA's approval is given by a QA Approver who did not give the QP's approval."""
    if QA_APPROVER_ROLE not in actor.roles():
        return "QA's approval of a change is given by a QA Approver"
    if change.affects_certified_product and any(s.signer_id == actor.pk for s in qp_approvals(change)):
        return "you gave the QP's approval of this change: QA's approval is given by someone else"
    return None


def ask_the_qps(ch: Any, change: Any, actor: Any) -> None:
    """Tell the site's Qualified Persons that a change to certified product awaits their approval."""
    if change.affects_certified_product:
        _tell(QP_ROLE, change, f"{change.number} affects certified product: a QP's approval is needed")


def ask_qa(ch: Any, change: Any, actor: Any) -> None:
    """Tell the site's QA Approvers that a change awaits their approval."""
    _tell(QA_APPROVER_ROLE, change, f"{change.number} awaits QA's approval")


def _tell(role: str, change: Any, subject: str) -> None:
    from atmp.workflow.notify import holders_of, notify

    body = f"{change.number} {change.title}\nClassification: {change.regulatory_classification or 'not yet'}"
    notify(to=holders_of(role, site_id=change.site_id), subject=subject, body=body, record=change)


CHANGE_WORKFLOW = Workflow(
    states=(
        State("draft", "Draft"),
        State("assessment", "Assessment"),
        State("approval", "Approval"),
        State("implementation", "Implementation"),
        State("effectiveness_review", "Effectiveness review"),
        State("closed", "Closed", final=True),
        State("cancelled", "Cancelled", final=True),
    ),
    initial="draft",
    transitions=(
        Transition(
            "assess",
            "Start assessment",
            ("draft",),
            "assessment",
            required=("description", "justification"),
            effects=(ask_the_qps,),
        ),
        Transition(
            "submit",
            "Submit for approval",
            ("assessment",),
            "approval",
            required=("regulatory_classification", "classification_rationale"),
            preconditions=(has_risk_assessment,),
            effects=(ask_qa,),
        ),
        Transition("return", "Return to assessment", ("approval",), "assessment", permission="quality.decide"),
        Transition(
            "approve",
            "Approve",
            ("approval",),
            "implementation",
            permission="quality.decide",
            preconditions=(risk_assessment_approved, qp_approval_stands, authority_approved),
            meaning="approved",
            actor_rules=(approver_is_qa,),
            help="QA approves the change (and, for certified product, after a QP); signed 'approved'.",
        ),
        Transition(
            "complete",
            "Start effectiveness review",
            ("implementation",),
            "effectiveness_review",
            preconditions=(tasks_done,),
        ),
        Transition(
            "close",
            "Close",
            ("effectiveness_review",),
            "closed",
            permission="quality.decide",
            required=("effectiveness_review",),
            preconditions=(comparability_evidence,),
        ),
        Transition("cancel", "Cancel", ("draft", "assessment", "approval"), "cancelled", permission="quality.decide"),
    ),
)
