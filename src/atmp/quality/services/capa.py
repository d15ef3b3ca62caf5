"""CAPA: open (from a source), plan actions with owners and due dates, record the effectiveness check."""

from __future__ import annotations

import datetime as dt
from typing import Any

from atmp.accounts.errors import InvalidInput, NotAllowed
from atmp.accounts.models import Site, User
from atmp.accounts.roles import Role
from atmp.accounts.services import can_see
from atmp.ledger import clock, writer
from atmp.ledger.errors import Conflict
from atmp.ledger.records import GmpRecord
from atmp.ledger.writer import Change
from atmp.quality import numbering
from atmp.quality.models.capa import Capa, CapaAction, CapaKind, Effectiveness
from atmp.quality.services import edits
from atmp.workflow import links

EDITABLE: dict[str, Any] = {
    "title": edits.title,
    "description": lambda x: edits.text(x, "description", required=True),
    "kind": lambda x: edits.choice(x, "kind", CapaKind.values),
    "effectiveness_criteria": lambda x: edits.text(x, "effectiveness_criteria"),
    "effectiveness_due": lambda x: x,
}


def _owner(owner: User | None, capa: Capa) -> User | None:
    if owner is None:
        return None
    if not owner.is_active or Role.SYSTEM_ADMIN in owner.roles() or not owner.roles():
        raise InvalidInput("owner", f"{owner.username} cannot own GMP work (inactive, or no GMP role)")
    if not can_see(owner, capa):
        raise InvalidInput("owner", f"{owner.username} does not work at {capa.site.code}")
    return owner


def open_capa(
    *,
    actor: User,
    site: Site,
    title: str,
    description: str,
    kind: str = CapaKind.CORRECTIVE,
    source: GmpRecord | None = None,
    owner: User | None = None,
    due_date: dt.date | None = None,
    effectiveness_criteria: str = "",
    effectiveness_due: dt.date | None = None,
    reason: str = "",
) -> Capa:
    """Open a CAPA; from a source (deviation, complaint, finding), linked to it in the same change."""
    if not actor.can(Capa.write_permission):
        raise NotAllowed(f"your roles do not grant {Capa.write_permission!r}")
    if not can_see(actor, site):
        raise InvalidInput("site", f"{site.code} is not one of your sites")
    capa = Capa(
        site=site,
        title=edits.title(title),
        description=edits.text(description, "description", required=True),
        kind=edits.choice(kind, "kind", CapaKind.values),
        due_date=due_date,
        effectiveness_criteria=edits.text(effectiveness_criteria, "effectiveness_criteria"),
        effectiveness_due=effectiveness_due,
    )
    capa.assignee = _owner(owner, capa)
    with writer.change(actor=actor, reason=reason) as ch:
        capa.number = numbering.next_number(ch, Capa, "CAPA", clock.now().year)
        ch.save(capa)
        if source is not None:
            links.link(actor=actor, source=capa, target=source, relation="originates_from", reason=reason)
    return capa


def open_follow_up(ch: Change, *, capa: Capa, actor: User) -> Capa:
    """Open the CAPA that follows up one found not effective (the close_with_follow_up transition's effect)."""
    follow = Capa(
        site=capa.site,
        title=edits.title(f"Follow-up of {capa.number}: {capa.title}"[:200]),
        description=f"{capa.number} was found not effective:\n{capa.effectiveness_evidence}",
        kind=capa.kind,
    )
    follow.number = numbering.next_number(ch, Capa, "CAPA", clock.now().year)
    ch.save(follow)
    links.link(actor=actor, source=follow, target=capa, relation="follows_up", reason=ch.reason)
    return follow


def update_capa(*, actor: User, capa: Capa, reason: str, version: int | None = None, **changes: Any) -> Capa:
    """Change a CAPA's description, kind or effectiveness criteria and due date."""
    edits.check_may_edit(actor, capa, version=version)
    if capa.status != "open" and set(changes) & {"effectiveness_criteria", "effectiveness_due"}:
        raise Conflict(f"{capa.number}: the effectiveness criteria are fixed once the check has started")
    return edits.apply(actor=actor, record=capa, values=edits.check_fields(changes, EDITABLE), reason=reason)


def add_action(
    *,
    actor: User,
    capa: Capa,
    description: str,
    owner: User | None = None,
    due_date: dt.date | None = None,
    reason: str = "",
) -> CapaAction:
    """Add an action to an open CAPA, owned by a person with a due date."""
    if capa.status != "open":
        raise Conflict(f"{capa.number} is {capa.state_label()}: actions are added while it is open")
    if not actor.can(CapaAction.write_permission) or not can_see(actor, capa):
        raise NotAllowed(f"your roles or sites do not allow changing {capa.record_key}")
    action = CapaAction(capa=capa, description=edits.text(description, "description", required=True))
    action.assignee = _owner(owner, capa)
    action.due_date = due_date
    with writer.change(actor=actor, reason=reason) as ch:
        ch.save(action)
    return action


def record_evidence(*, actor: User, action: CapaAction, evidence: str, reason: str, version: int | None = None) -> Any:
    """Record what was done for an action (before it is marked done)."""
    edits.check_may_edit(actor, action, version=version)
    values = {"evidence": edits.text(evidence, "evidence", required=True)}
    return edits.apply(actor=actor, record=action, values=values, reason=reason)


def record_effectiveness(
    *, actor: User, capa: Capa, outcome: str, evidence: str, reason: str, version: int | None = None
) -> Capa:
    """Record the effectiveness check's outcome and evidence, against the criteria set beforehand."""
    if capa.status != "effectiveness_check":
        raise Conflict(f"{capa.number} is {capa.state_label()}: the effectiveness check comes after the actions")
    edits.check_may_edit(actor, capa, version=version)
    values = {
        "effectiveness_outcome": edits.choice(outcome, "outcome", Effectiveness.values),
        "effectiveness_evidence": edits.text(evidence, "evidence", required=True),
    }
    return edits.apply(actor=actor, record=capa, values=values, reason=reason)
