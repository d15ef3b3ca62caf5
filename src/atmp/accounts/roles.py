"""Roles and the permissions they grant: the single table every page, endpoint and command checks.

Deny by default: a permission not listed for a role is refused. The Inspector reads everything
(including the audit trail) and changes nothing; the System Administrator manages accounts and
cannot create, change or sign GMP records (Annex 11 §12, segregation of IT and GMP duties).
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    OPERATOR = "operator", "Operator"
    QC_ANALYST = "qc_analyst", "QC Analyst"
    QA_REVIEWER = "qa_reviewer", "QA Reviewer"
    QA_APPROVER = "qa_approver", "QA Approver"
    QUALIFIED_PERSON = "qualified_person", "Qualified Person"
    PV_OFFICER = "pv_officer", "PV Officer"
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
}

_READ = {"records.view", "audit.view", "accounts.view"}
_GMP = _READ | {"records.write", "records.sign", "stats.use"}
_QA = _GMP | {"sites.manage", "audit.review", "ledger.checkpoint"}

GRANTS: dict[str, frozenset[str]] = {
    Role.OPERATOR: frozenset(_GMP),
    Role.QC_ANALYST: frozenset(_GMP),
    Role.QA_REVIEWER: frozenset(_QA),
    Role.QA_APPROVER: frozenset(_QA),
    Role.QUALIFIED_PERSON: frozenset(_QA),
    Role.PV_OFFICER: frozenset(_GMP),
    Role.INSPECTOR: frozenset(_READ | {"stats.use"}),
    Role.SYSTEM_ADMIN: frozenset(_READ | {"accounts.manage", "ledger.checkpoint"}),
}

# Which signature meanings each role may give (atmp.ledger.signatures.MEANINGS).
MEANINGS_BY_ROLE: dict[str, frozenset[str]] = {
    Role.OPERATOR: frozenset({"authored", "verified"}),
    Role.QC_ANALYST: frozenset({"authored", "verified", "reviewed"}),
    Role.QA_REVIEWER: frozenset({"authored", "reviewed", "audit_trail_reviewed"}),
    Role.QA_APPROVER: frozenset({"authored", "reviewed", "approved", "audit_trail_reviewed"}),
    Role.QUALIFIED_PERSON: frozenset({"reviewed", "approved", "qp_certified", "audit_trail_reviewed"}),
    Role.PV_OFFICER: frozenset({"authored", "reviewed", "verified"}),
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
