"""Refusals of the accounts services; each message names the rule."""

from atmp.ledger.errors import LedgerError


class AccountError(LedgerError):
    """An account operation was refused."""


class LoginRefused(AccountError):
    """Sign-in failed: the message never says which of username, password or code was wrong."""


class NotAllowed(AccountError):
    """The actor's roles do not grant the permission the operation needs."""


class InvalidInput(AccountError):
    """A field failed validation; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
