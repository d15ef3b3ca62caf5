"""Steps the change-control tests take again and again."""

from __future__ import annotations

from typing import Any

from atmp.testing import PASSWORD
from atmp.workflow import engine


def move(actor: Any, record: Any, *names: str) -> Any:
    """Take the transitions in order (signed ones with the persona's password)."""
    for name in names:
        engine.transition(actor, record, name, reason=f"test: {name}", password=PASSWORD)
    return record
