"""Findings of audits and self-inspections and the CAPA that address them, by record links.

The CAPA record type (`quality.capa`) belongs to another area: nothing here imports it. A finding
counts as addressed when a live link joins it to a record of type CAPA_TYPE, either the CAPA
'addresses' the finding, or the finding 'follows_up' in the CAPA (atmp.workflow.links).
"""

from __future__ import annotations

from collections.abc import Iterable

from atmp.accounts.errors import InvalidInput
from atmp.accounts.models import User
from atmp.ledger.records import GmpRecord
from atmp.workflow import links
from atmp.workflow.models import Link, Relation

CAPA_TYPE = "quality.capa"
NEEDS_CAPA = ("critical", "major")


def capa_keys(finding: GmpRecord) -> list[str]:
    """Return the keys of the CAPA records linked to the finding (either way the brief allows)."""
    rtype, rid = finding.record_type(), str(finding.pk)
    incoming = Link.objects.filter(
        target_type=rtype, target_id=rid, source_type=CAPA_TYPE, relation=Relation.ADDRESSES, voided=False
    ).values_list("source_id", flat=True)
    outgoing = Link.objects.filter(
        source_type=rtype, source_id=rid, target_type=CAPA_TYPE, relation=Relation.FOLLOWS_UP, voided=False
    ).values_list("target_id", flat=True)
    return sorted({f"{CAPA_TYPE}:{i}" for i in (*incoming, *outgoing)})


def unaddressed(findings: Iterable[GmpRecord]) -> list[GmpRecord]:
    """Return the live critical and major findings that no CAPA addresses yet."""
    return [f for f in findings if not f.voided and getattr(f, "classification", "") in NEEDS_CAPA and not capa_keys(f)]


def link_capa(*, actor: User, finding: GmpRecord, capa: str, reason: str) -> Link:
    """Link the CAPA named by its record key as addressing the finding (the CAPA is the link's source)."""
    record_type, _ = links.parse_key(capa, field="capa")
    if record_type != CAPA_TYPE:
        raise InvalidInput("capa", f"{capa!r} is not a CAPA; give a key like '{CAPA_TYPE}:12'")
    target = links.resolve(capa, field="capa", user=actor)
    return links.link(actor=actor, source=target, target=finding, relation=Relation.ADDRESSES, reason=reason)


def closing_rule(findings: Iterable[GmpRecord]) -> str | None:
    """Return the broken rule when a critical or major finding has no CAPA (EU GMP Part I Ch. 9, ICH Q10 3.2.2)."""
    open_ones = unaddressed(findings)
    if not open_ones:
        return None
    names = ", ".join(f"{f.record_key} ({getattr(f, 'classification', '')})" for f in open_ones)
    return f"every critical or major finding needs a linked CAPA before closing; none yet for {names}"
