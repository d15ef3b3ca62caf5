"""Refusals of the accounts services; each message names the rule."""

from atmp.ledger.errors import LedgerError


class AccountError(LedgerError):
    """An account operation was refused."""


class LoginRefused(AccountError):
    """Sign-in failed: the message never says which of username, password or code was wrong."""


class Throttled(LoginRefused):
    """Too many failed attempts from this address (or overall) in the window; `retry_after` says for how long."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotAllowed(AccountError):
    """The actor's roles do not grant the permission the operation needs."""


class InvalidInput(AccountError):
    """A field failed validation; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
