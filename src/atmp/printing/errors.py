"""What printing refuses."""

from atmp.ledger.errors import LedgerError


class PrintRefused(LedgerError):
    """A PDF cannot be made: a resource outside the package was asked for, or the renderer failed."""
