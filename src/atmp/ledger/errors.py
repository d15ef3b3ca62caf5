"""Errors the ledger raises; each names the rule that was broken."""


class LedgerError(Exception):
    """Base of the ledger's refusals; the message is meant for the user."""


class LedgerBypass(LedgerError):
    """A GMP record was written outside ledger.change()."""


class ReasonRequired(LedgerError):
    """A change after creation came without a reason (Annex 11 §9)."""


class StaleRecord(LedgerError):
    """The record changed since it was read; the caller must reload it."""


class RecordVoided(LedgerError):
    """A voided record was to be changed: a voided record is kept as it was, never edited or revived."""


class NothingChanged(LedgerError):
    """A save changed no field, so there is nothing to audit."""


class SignatureRefused(LedgerError):
    """A signature could not be applied (re-authentication, segregation of duties, duplicate)."""


class CheckpointRefused(LedgerError):
    """A checkpoint would contradict one signed before, or the key is unusable."""


class NotFound(LedgerError):
    """An entry, record or checkpoint that was asked for does not exist."""


class Conflict(LedgerError):
    """The operation does not fit the record's current state (a transition from another state)."""


class RuleViolation(LedgerError):
    """A GMP rule refused the operation; the message names the rule."""
