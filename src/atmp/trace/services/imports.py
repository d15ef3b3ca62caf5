"""Bulk import of a genealogy migrated from an ERP or LIMS: one JSON object per line, all or nothing.

Every line is checked first (services/import_check.py); one bad line and nothing is written. Then,
in one audited change, each kind is created in batches through `Change.create_many`: every record
gets its own ledger entry, with the action `import` and a reason naming the file's SHA-256, so an
inspector can tell a migrated record from one made in atmp and find the file it came from
(docs/adr/0016). Personal data is sealed (services/identities) and never reaches the ledger.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from atmp.accounts.errors import NotAllowed
from atmp.accounts.models import Site, User
from atmp.ledger import writer
from atmp.ledger.batch import new_record
from atmp.ledger.signatures import IMPORTED
from atmp.quality.services import edits
from atmp.trace import sealed
from atmp.trace.models import Administration, Identity, Lot, Material, Person, Use
from atmp.trace.services.identities import sealed_identity
from atmp.trace.services.import_check import ImportRefused, LineError, Plan, check_lines, read
from atmp.trace.workflows.lots import DECIDE

__all__ = ["ImportRefused", "LineError", "Summary", "import_lines"]

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Summary:
    """What an import created (or, dry, would create): counts per kind, entries written, the file's SHA-256."""

    counts: dict[str, int]
    lines: int
    sha256: str
    dry_run: bool
    entries: int
    elapsed_s: float

    def as_dict(self) -> dict[str, Any]:
        """Return the summary as the CLI's --json prints it."""
        return {
            "dry_run": self.dry_run,
            "sha256": self.sha256,
            "lines": self.lines,
            "counts": self.counts,
            "entries": self.entries,
            "elapsed_s": round(self.elapsed_s, 3),
        }


def reason_of(sha256: str) -> str:
    """Return the reason every imported record's entry carries (the file's name may name a person: not it)."""
    return f"migrated by bulk import of a file with SHA-256 {sha256}"


def import_lines(
    *,
    actor: User,
    site: Site,
    data: bytes | Iterable[bytes],
    dry_run: bool = False,
    progress: Progress | None = None,
    batch_size: int = 1000,
) -> Summary:
    """Check every line of a JSON Lines import and, unless dry, create what it describes in one change."""
    edits.check_writer(actor, Lot, site=site)  # records.write, at the site: never an administrator
    with _no_cycle_collection():
        return _import(actor, site, data, dry_run=dry_run, progress=progress, batch_size=batch_size)


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while millions of small objects are made and kept.

    Each collection of the oldest generation walks every live object, and building a million-line
    plan triggers dozens of them: a fifth of the checks' time at 200,000 lines, more beyond.
    Reference counting still frees what the import drops; the collector resumes afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _import(
    actor: User,
    site: Site,
    data: bytes | Iterable[bytes],
    *,
    dry_run: bool,
    progress: Progress | None,
    batch_size: int,
) -> Summary:
    started = time.perf_counter()
    sha256, lines = read(data)
    if dry_run:
        plan = check_lines(sha256, lines, site_ids=actor.site_ids())
        _check_roles(actor, site, plan)
        return Summary(plan.counts(), plan.lines, sha256, True, 0, time.perf_counter() - started)
    with writer.change(actor=actor, reason=reason_of(sha256)) as ch:
        # The checks read what is stored (numbers, COIs, remainders): no other change may write
        # between them and the import.
        ch.hold()
        plan = check_lines(sha256, lines, site_ids=actor.site_ids())
        _check_roles(actor, site, plan)
        before = ch._lock().size
        _Writer(ch, site, plan, progress, batch_size).run()
        entries = ch._lock().size - before
    return Summary(plan.counts(), plan.lines, sha256, False, entries, time.perf_counter() - started)


def _check_roles(actor: User, site: Site, plan: Plan) -> None:
    """Refuse an actor whose roles do not grant what the file records."""
    if plan.materials:
        edits.check_writer(actor, Material)  # the catalogue is every site's
    if plan.identities:
        edits.check_writer(actor, Identity, site=site)
    decided = sorted(plan.statuses - {"quarantine"})
    if decided and not actor.can(DECIDE):
        raise NotAllowed(
            f"lots imported as {', '.join(decided)} carry QA's decision: your roles do not grant {DECIDE!r}"
        )


class _Writer:
    """Create the plan's records kind by kind, a batch at a time, keeping only the keys' primary keys."""

    def __init__(self, ch: writer.Change, site: Site, plan: Plan, progress: Progress | None, batch: int) -> None:
        self.ch, self.site, self.plan, self.progress, self.batch = ch, site, plan, progress, batch
        self.total = sum(plan.counts().values())
        self.done = 0
        self.materials = dict(Material._base_manager.filter(code__in=_referenced(plan)).values_list("code", "pk"))
        self.lots: dict[str, int] = {}
        self.persons: dict[str, Person] = {}

    def run(self) -> None:
        plan, site = self.plan, self.site
        for made in self._create(Material, plan.materials, lambda m: m):
            self.materials[made.code] = made.pk
        for person in self._create(Person, plan.persons, lambda p: {**p, "site_id": site.pk}):
            self.persons[person.coi] = person
        if plan.identities:
            keys = sealed.Keys.load()
            identities = (sealed_identity(keys, self._person(code), data) for code, data in plan.identities)
            _drain(self._create_records(Identity, identities))
        self.lots = self._stored_lots()
        for lot in self._create(Lot, plan.lots, self._lot):
            self.lots[lot.number] = lot.pk
        _drain(self._create(Use, plan.uses, self._use))
        _drain(self._create(Administration, plan.administrations, self._given))

    def _create(self, model: Any, rows: list[dict[str, Any]], values: Callable[[dict[str, Any]], Any]) -> Iterator[Any]:
        yield from self._create_records(model, (new_record(model, values(row)) for row in rows))

    def _create_records(self, model: Any, records: Iterable[Any]) -> Iterator[Any]:
        chunk: list[Any] = []
        for record in records:
            chunk.append(record)
            if len(chunk) == self.batch:
                yield from self._flush(chunk)
                chunk = []
        if chunk:
            yield from self._flush(chunk)

    def _flush(self, chunk: list[Any]) -> list[Any]:
        self.ch.create_many(chunk, action=IMPORTED, batch_size=self.batch)
        self.done += len(chunk)
        if self.progress is not None:
            self.progress(self.done, self.total)
        return chunk

    def _person(self, code: str) -> Person:
        found = self.persons.get(code)
        if found is None:
            found = self.persons[code] = Person._base_manager.get(coi=code)
        return found

    def _person_id(self, code: str | None) -> int | None:
        return None if code is None else int(self._person(code).pk)

    def _stored_lots(self) -> dict[str, int]:
        numbers = {u[k] for u in self.plan.uses for k in ("input", "output")} | {
            a["lot"] for a in self.plan.administrations
        }
        numbers -= {lot["number"] for lot in self.plan.lots}
        found: dict[str, int] = {}
        ordered = sorted(numbers)
        for start in range(0, len(ordered), 500):
            found.update(Lot._base_manager.filter(number__in=ordered[start : start + 500]).values_list("number", "pk"))
        return found

    def _lot(self, lot: dict[str, Any]) -> dict[str, Any]:
        return {
            "number": lot["number"],
            "material_id": self.materials[lot["material"]],
            "site_id": self.site.pk,
            "status": lot["status"],
            "expiry_date": lot["expiry_date"],
            "quantity": lot["quantity"],
            "unit": lot["unit"],
            "donor_id": self._person_id(lot["donor"]),
            "received_at": lot["received_at"],
            "location": lot["location"],
            "supplier_lot": lot["supplier_lot"],
        }

    def _use(self, use: dict[str, Any]) -> dict[str, Any]:
        return {
            "input_id": self.lots[use["input"]],
            "output_id": self.lots[use["output"]],
            "quantity": use["quantity"],
            "unit": use["unit"],
            "at": use["at"],
        }

    def _given(self, given: dict[str, Any]) -> dict[str, Any]:
        return {
            "lot_id": self.lots[given["lot"]],
            "patient_id": self._person(given["patient"]).pk,
            "at": given["at"],
            "quantity": given["quantity"],
            "unit": given["unit"],
        }


def _drain(created: Iterator[Any]) -> None:
    for _record in created:
        pass


def _referenced(plan: Plan) -> set[str]:
    return {lot["material"] for lot in plan.lots}
