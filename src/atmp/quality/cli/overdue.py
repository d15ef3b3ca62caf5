"""`atmp quality overdue`: every open quality record past its due date."""

from __future__ import annotations

from typing import Any

import click

from atmp.cli.base import handled, setup_django
from atmp.cli.output import emit
from atmp.quality.cli import quality
from atmp.quality.cli.common import JSON, day


def quality_models() -> list[Any]:
    """Return the quality module's record types that have a workflow."""
    from atmp.workflow.work import workflow_models

    return [m for m in workflow_models() if m._meta.app_label == "quality"]


@quality.command("overdue")
@click.option("--on", default=None, help="As of this date (default: today, UTC).")
@JSON
@handled
def overdue(on: str | None, as_json: bool) -> None:
    """List every open quality record past its due date, oldest first."""
    setup_django()
    from atmp.quality.selectors.changes import overdue_tasks
    from atmp.workflow.engine import today
    from atmp.workflow.work import overdue as overdue_items

    when = day(on, field="on") or today()
    found = [*overdue_items(quality_models(), on=when), *overdue_tasks(when)]
    items = [
        {"record": i.record, "title": i.title, "due": i.due.isoformat() if i.due else None, "owner": i.owner}
        for i in sorted(found, key=lambda i: (i.due or when, i.record))
    ]
    emit(
        {"items": items},
        as_json=as_json,
        text=lambda d: (
            "\n".join(f"{i['due']} {i['record']:<28} {i['title']} ({i['owner'] or 'nobody'})" for i in d["items"])
            or "nothing is overdue"
        ),
    )
