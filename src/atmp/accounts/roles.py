"""Roles and the permissions they grant: the single table every page, endpoint and command checks.

Deny by default: a permission not listed for a role is refused. The Inspector reads everything
(including the audit trail) and changes nothing; the System Administrator manages accounts and
cannot create, change or sign GMP records (Annex 11 §12, segregation of IT and GMP duties).

Donors' and patients' personal data (DESIGN.md principle 8, docs/personal-data.md) is seen only by
the two roles whose work needs it: the Chain-of-Identity Coordinator, who registers and corrects
it and matches a person to their chain-of-identity code, and the PV Officer, who follows a patient
up with the treating hospital. Every other role, the Inspector and the System Administrator
included, sees the code alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from atmp.ledger.records import GmpRecord


class Role(models.TextChoices):
    OPERATOR = "operator", "Operator"
    QC_ANALYST = "qc_analyst", "QC Analyst"
    QA_REVIEWER = "qa_reviewer", "QA Reviewer"
    QA_APPROVER = "qa_approver", "QA Approver"
    QUALIFIED_PERSON = "qualified_person", "Qualified Person"
    PV_OFFICER = "pv_officer", "PV Officer"
    COI_COORDINATOR = "coi_coordinator", "Chain-of-Identity Coordinator"
    INSPECTOR = "inspector", "Inspector"
    SYSTEM_ADMIN = "system_admin", "System Administrator"


# Every permission atmp knows, with what it allows. A page or endpoint names one of these.
PERMISSIONS: dict[str, str] = {
    "records.view": "read GMP records, their history and signatures",
    "audit.view": "read the audit trail, entries and proofs",
    "records.write": "create and change GMP records",
    "records.sign": "sign GMP records",
    "sites.manage": "create and change sites",
    "audit.review": "sign an audit-trail review",
    "accounts.view": "read user accounts and role assignments",
    "accounts.manage": "create, disable and change user accounts and their roles",
    "ledger.checkpoint": "sign a checkpoint on demand",
    "stats.use": "run statistical analyses",
    "quality.decide": "take QA's decisions in the quality system: classify, approve, close, make effective",
    "identity.view": "reveal a donor's or patient's personal data, or find them by it (each read recorded)",
    "identity.manage": "register, correct and, after retention, erase donors' and patients' personal data",
}

_READ = {"records.view", "audit.view", "accounts.view"}
_GMP = _READ | {"records.write", "records.sign", "stats.use"}
_QA = _GMP | {"sites.manage", "audit.review", "ledger.checkpoint", "quality.decide"}

GRANTS: dict[str, frozenset[str]] = {
    Role.OPERATOR: frozenset(_GMP),
    Role.QC_ANALYST: frozenset(_GMP),
    Role.QA_REVIEWER: frozenset(_QA),
    Role.QA_APPROVER: frozenset(_QA),
    Role.QUALIFIED_PERSON: frozenset(_QA),
    Role.PV_OFFICER: frozenset(_GMP | {"identity.view"}),
    Role.COI_COORDINATOR: frozenset(_GMP | {"identity.view", "identity.manage"}),
    Role.INSPECTOR: frozenset(_READ | {"stats.use"}),
    Role.SYSTEM_ADMIN: frozenset(_READ | {"accounts.manage", "ledger.checkpoint"}),
}

# Which signature meanings each role may give at all (atmp.ledger.signatures.MEANINGS). A record
# type narrows this for its own records (GmpRecord.signing_meanings); it never widens it.
MEANINGS_BY_ROLE: dict[str, frozenset[str]] = {
    Role.OPERATOR: frozenset({"authored", "verified", "read_understood"}),
    Role.QC_ANALYST: frozenset({"authored", "verified", "reviewed", "read_understood"}),
    Role.QA_REVIEWER: frozenset({"authored", "reviewed", "audit_trail_reviewed", "read_understood"}),
    Role.QA_APPROVER: frozenset(
        {"authored", "reviewed", "approved", "released", "audit_trail_reviewed", "read_understood"}
    ),
    Role.QUALIFIED_PERSON: frozenset(
        {"reviewed", "approved", "released", "qp_certified", "audit_trail_reviewed", "read_understood"}
    ),
    Role.PV_OFFICER: frozenset({"authored", "reviewed", "verified", "read_understood"}),
    Role.COI_COORDINATOR: frozenset({"authored", "verified", "read_understood"}),
    Role.INSPECTOR: frozenset(),
    Role.SYSTEM_ADMIN: frozenset(),
}


def permissions_of(roles: set[str] | frozenset[str] | list[str]) -> frozenset[str]:
    """Return the union of the permissions the roles grant."""
    granted: set[str] = set()
    for role in roles:
        granted |= GRANTS.get(role, frozenset())
    return frozenset(granted)


def meanings_of(roles: set[str] | frozenset[str] | list[str]) -> frozenset[str]:
    """Return the signature meanings the roles allow."""
    allowed: set[str] = set()
    for role in roles:
        allowed |= MEANINGS_BY_ROLE.get(role, frozenset())
    return frozenset(allowed)


REVIEW_MEANING = "audit_trail_reviewed"  # given to audit-trail reviews only (their own declaration)
# Meanings given only to the record types that declare them: an audit-trail review, and a trainee's
# read-and-understood on their training record (atmp.quality), a lot's release (atmp.trace); no other
# record takes them by default.
DECLARED_ONLY_MEANINGS = frozenset({REVIEW_MEANING, "read_understood", "released"})


def _by_meaning() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for role, meanings in MEANINGS_BY_ROLE.items():
        for meaning in meanings - DECLARED_ONLY_MEANINGS:
            table.setdefault(meaning, set()).add(role)
    return {meaning: frozenset(roles) for meaning, roles in table.items()}


# What a GMP record type takes when it declares nothing of its own (GmpRecord.signing_meanings is
# None): meaning → the roles that may give it, as MEANINGS_BY_ROLE says.
DEFAULT_SIGNING_MEANINGS: Mapping[str, frozenset[str]] = _by_meaning()


def signing_meanings_of(model: type[GmpRecord] | GmpRecord) -> Mapping[str, frozenset[str]]:
    """Return the record type's declaration: each meaning it takes, and the roles that may give it."""
    declared = model.signing_meanings
    return DEFAULT_SIGNING_MEANINGS if declared is None else declared


def meanings_for(roles: set[str] | frozenset[str] | list[str], model: type[GmpRecord] | GmpRecord) -> frozenset[str]:
    """Return the meanings the roles may give on records of this type."""
    held = set(roles)
    return frozenset(m for m, allowed in signing_meanings_of(model).items() if held & allowed)
