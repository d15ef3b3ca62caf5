"""The demo's QC laboratory: one function per area (each adds its own line here)."""

from __future__ import annotations

from typing import Any

from atmp.accounts.models import Site, User


def load(people: dict[str, User], sites: dict[str, Site]) -> None:
    """Load the laboratory's part of the demo programme."""
    from atmp.lab import demo_viral

    demo_viral.load(people, sites)


def summary() -> dict[str, Any]:
    """Return what the laboratory demo holds."""
    from atmp.lab import demo_viral

    return {"viral": demo_viral.summary()}


def describe(data: dict[str, Any]) -> list[str]:
    """Return the laboratory demo's lines of the printed summary."""
    from atmp.lab import demo_viral

    return demo_viral.describe(data.get("viral", {}))
