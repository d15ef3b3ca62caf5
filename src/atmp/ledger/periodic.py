"""Periodic work that modules register, run by `atmp tick` (and the server's ticker).

A task that records in the ledger runs before the tick signs its checkpoint, so the checkpoint covers
it; a task that records nothing there (a rendition, such as a long batch record's PDF) runs after the
checkpoint is signed and delivered, so however long it takes it never delays them.

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
_after_checkpoint: set[str] = set()


def register(name: str, task: Task, *, after_checkpoint: bool = False) -> None:
    """Register a module's periodic task under its name (from its AppConfig.ready).

    after_checkpoint: the task writes no ledger entry, so the tick runs it after signing and delivering.
    """
    _tasks[name] = task
    if after_checkpoint:
        _after_checkpoint.add(name)
    else:
        _after_checkpoint.discard(name)


def run_all(now: dt.datetime, *, after_checkpoint: bool = False) -> dict[str, dict[str, Any]]:
    """Run the registered tasks of one phase; return each one's summary, or {"error": …} for one that failed."""
    results: dict[str, dict[str, Any]] = {}
    for name, task in sorted(_tasks.items()):
        if (name in _after_checkpoint) != after_checkpoint:
            continue
        try:
            results[name] = task(now)
        except Exception as exc:  # one module's failure must not stop the checkpoint or the others
            log.exception("periodic task %s failed", name)
            results[name] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
    return results
