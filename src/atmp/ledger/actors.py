"""Who acts: the identity a ledger entry records (id, full name and roles at that moment)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class ActsInLedger(Protocol):
    """What the ledger needs of a user (atmp.accounts.models.User provides it)."""

    @property
    def pk(self) -> Any: ...

    def ledger_name(self) -> str: ...

    def ledger_roles(self) -> list[str]: ...

    def can(self, permission: str) -> bool: ...


@dataclass(frozen=True)
class Actor:
    """The actor as frozen into an entry; id None is atmp itself."""

    id: int | None
    name: str
    roles: tuple[str, ...]


SYSTEM = Actor(id=None, name="atmp system", roles=())


def actor_of(user: ActsInLedger | None) -> Actor:
    """Return the Actor that a user (or None, the system) is at this moment."""
    if user is None:
        return SYSTEM
    if user.pk is None:
        raise ValueError("an unsaved user cannot act in the ledger")
    return Actor(id=int(user.pk), name=user.ledger_name(), roles=tuple(sorted(user.ledger_roles())))
