"""Periodic work that modules register, run by `atmp tick` (and the server's ticker) before it signs a checkpoint.

Each task is idempotent (running it twice in a minute does nothing the second time) and needs no
broker: cron or the server's thread calls the tick. A failing task is reported, and the others run.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("atmp.tick")

Task = Callable[[dt.datetime], dict[str, Any]]
_tasks: dict[str, Task] = {}


def register(name: str, task: Task) -> None:
    """Register a module's periodic task under its name (from its AppConfig.ready)."""
    _tasks[name] = task


def run_all(now: dt.datetime) -> dict[str, dict[str, Any]]:
    """Run every registered task; return each one's summary, or {"error": …} for one that failed."""
    results: dict[str, dict[str, Any]] = {}
    for name, task in sorted(_tasks.items()):
        try:
            results[name] = task(now)
        except Exception as exc:  # one module's failure must not stop the checkpoint or the others
            log.exception("periodic task %s failed", name)
            results[name] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
    return results
