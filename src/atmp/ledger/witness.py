"""`atmp tick`: sign a checkpoint by time, and hand every new checkpoint to witnesses outside the database.

A checkpoint stored beside the entries protects them from anyone without the signing key; one
copied elsewhere (a folder on other storage, an HTTP endpoint of another party) also protects them
from someone who holds the database and the key, because the ledger must go on extending it
(docs/tamper-evidence.md, "The window"). The tick is idempotent: it signs only when entries
accumulated since the last checkpoint, and delivers only what a witness has not yet received.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db import close_old_connections, transaction

from atmp.config import ConfigError
from atmp.ledger import checkpoints, clock, tree
from atmp.ledger.actors import ActsInLedger
from atmp.ledger.models import AuditEntry, Checkpoint, WitnessDelivery
from atmp.ledger.records import rfc3339
from atmp.ledger.writer import change

log = logging.getLogger(__name__)
HTTP_TIMEOUT_SECONDS = 10


class WitnessError(Exception):
    """A witness did not take a checkpoint (it is retried at the next tick)."""


class Witness(Protocol):
    """A place outside the database that keeps checkpoints."""

    @property
    def name(self) -> str:
        """Return the witness's name in reports and in the delivery table."""

    def deliver(self, checkpoint: Checkpoint) -> None:
        """Hand over one checkpoint; raise WitnessError when it was not taken."""


@dataclass(frozen=True)
class FolderWitness:
    """A folder (another disk, a mounted share, write-once storage) that receives DIR/<size>.checkpoint."""

    directory: Path

    @property
    def name(self) -> str:
        """Return the witness's name in reports and in the delivery table."""
        return f"dir:{self.directory}"

    def deliver(self, checkpoint: Checkpoint) -> None:
        """Write the note as <size>.checkpoint, the name `atmp verify --checkpoints` reads; never overwrite one."""
        # A missing folder is a failure, not something to create: it is usually an unmounted
        # share, and checkpoints written to the local disk beneath it would witness nothing.
        if not self.directory.is_dir():
            raise WitnessError(f"{self.directory} does not exist or is not a folder")
        target = self.directory / f"{checkpoint.size}.checkpoint"
        data = checkpoint.note.encode("utf-8")
        try:
            fd, partial = tempfile.mkstemp(dir=self.directory, prefix=f".{checkpoint.size}.", suffix=".partial")
            try:
                with os.fdopen(fd, "wb") as stream:
                    stream.write(data)
                    stream.flush()
                    os.fsync(stream.fileno())
                os.chmod(partial, 0o644)  # a checkpoint is public: a size and a hash
                # link() never replaces an existing file: a witness keeps what it was given.
                os.link(partial, target)
            finally:
                os.unlink(partial)
        except FileExistsError:
            if target.read_bytes() != data:
                raise WitnessError(
                    f"{target} already holds another checkpoint of size {checkpoint.size}: the ledger was "
                    f"rewritten or restored from an older copy, or another ledger writes to this folder; "
                    f"run `atmp verify --checkpoints {self.directory}`"
                ) from None
        except OSError as exc:
            raise WitnessError(f"{exc.filename or self.directory}: {exc.strerror}") from None


@dataclass(frozen=True)
class HttpWitness:
    """An HTTP(S) endpoint that receives each checkpoint's note as a text/plain POST."""

    url: str

    @property
    def name(self) -> str:
        """Return the URL without credentials or query (which may hold a token), and a digest of the whole."""
        parts = urllib.parse.urlsplit(self.url)
        shown = f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}{parts.path}"
        if parts.username or parts.password or parts.query or parts.fragment:
            shown += f" ({hashlib.sha256(self.url.encode()).hexdigest()[:8]})"
        return f"url:{shown}"

    def deliver(self, checkpoint: Checkpoint) -> None:
        """POST the note; any 2xx answer means the witness holds it."""
        request = urllib.request.Request(  # noqa: S310  (the scheme is checked to be http or https)
            self.url,
            data=checkpoint.note.encode("utf-8"),
            method="POST",
            headers={"Content-Type": "text/plain; charset=utf-8", "User-Agent": "atmp-tick"},
        )
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as answer:  # noqa: S310
                answer.read(65536)
        except urllib.error.HTTPError as exc:
            raise WitnessError(f"HTTP {exc.code} {exc.reason}") from None
        except urllib.error.URLError as exc:
            raise WitnessError(str(exc.reason)) from None
        except (OSError, ValueError) as exc:  # a timeout, a reset connection
            raise WitnessError(str(exc) or type(exc).__name__) from None


def configured() -> list[Witness]:
    """Return the witnesses of ATMP_WITNESS_DIRS and ATMP_WITNESS_URLS, refusing a URL that is not http(s)."""
    found: list[Witness] = [FolderWitness(Path(d).expanduser().resolve()) for d in settings.ATMP_WITNESS_DIRS]
    for url in settings.ATMP_WITNESS_URLS:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"ATMP_WITNESS_URLS: {HttpWitness(url).name[4:]!r} is not an http:// or https:// URL")
        found.append(HttpWitness(url))
    return found


@dataclass
class Delivered:
    """What one tick handed to one witness."""

    witness: str
    delivered: list[int] = field(default_factory=list)
    pending: int = 0  # checkpoints still to deliver after this tick
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the report's JSON form."""
        return {"witness": self.witness, "delivered": self.delivered, "pending": self.pending, "error": self.error}


@dataclass
class TickReport:
    """What `atmp tick` did: periodic tasks, the checkpoint it signed (if any), each witness's deliveries."""

    size: int
    checkpoint: int | None
    signed: bool
    witnesses: list[Delivered]
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Return True when every task ran and every witness holds every checkpoint."""
        return all(w.error is None for w in self.witnesses) and not any("error" in t for t in self.tasks.values())

    def as_dict(self) -> dict[str, Any]:
        """Return the document `atmp tick --json` prints."""
        return {
            "ok": self.ok,
            "entries": self.size,
            "checkpoint": self.checkpoint,
            "signed": self.signed,
            "witnesses": [w.as_dict() for w in self.witnesses],
            "tasks": self.tasks,
        }


def sign_if_due(*, actor: ActsInLedger | None = None) -> Checkpoint | None:
    """Sign a checkpoint if entries were appended after the last one; return it, or None if none was due."""
    with change(actor=actor, reason="") as ch:
        head = ch._lock()  # decided under the append lock: two ticks at once sign once
        last = checkpoints.latest()
        if not _due(head.size, last):
            return None
        return checkpoints.sign_in_change(ch)


def _due(size: int, last: Checkpoint | None) -> bool:
    if last is None:
        return size > 0
    if size == last.size:
        return False
    if size == last.size + 1:
        # Signing appends the checkpoint's own entry, so the head is one past the checkpoint; that
        # entry alone is not worth another checkpoint (it is bound to the stored note, which
        # `atmp verify` checks against it), or every tick would sign one.
        entry = AuditEntry.objects.filter(seq=size).values_list("action", "record_id").first()
        return entry != ("checkpoint", str(last.size))
    return True  # more entries, or fewer (sign_in_change refuses a truncated ledger by name)


def deliver(witnesses: list[Witness]) -> list[Delivered]:
    """Hand every checkpoint a witness has not yet received to it, in size order, stopping at its first failure."""
    reports = []
    for witness in witnesses:
        state, _ = WitnessDelivery.objects.get_or_create(witness=witness.name)
        pending = Checkpoint.objects.order_by("size")
        if state.delivered_size is not None:
            pending = pending.filter(size__gt=state.delivered_size)
        report = Delivered(witness.name)
        total = pending.count()
        for checkpoint in pending.iterator():
            try:
                witness.deliver(checkpoint)
            except WitnessError as exc:
                report.error = str(exc)
                _record(witness.name, error=report.error)
                break
            report.delivered.append(checkpoint.size)
            _record(witness.name, size=checkpoint.size)
        report.pending = total - len(report.delivered)
        reports.append(report)
    return reports


def _record(name: str, *, size: int | None = None, error: str | None = None) -> None:
    # One short transaction per delivery: a tick interrupted half-way keeps what it delivered.
    now = rfc3339(clock.now())
    with transaction.atomic():
        if error is None:
            WitnessDelivery.objects.filter(witness=name).update(
                delivered_size=size, delivered_at=now, error="", failed_at=""
            )
        else:
            WitnessDelivery.objects.filter(witness=name).update(error=error, failed_at=now)


def tick(*, actor: ActsInLedger | None = None) -> TickReport:
    """Run the modules' periodic tasks, sign a checkpoint if one is due, then deliver checkpoints to the witnesses.

    The tasks that record in the ledger run first, so that the checkpoint covers what they recorded;
    those that record nothing there (periodic.register(after_checkpoint=True)) run last, so that a
    long one never delays the checkpoint or its delivery.
    """
    from atmp.ledger import clock, periodic

    witnesses = configured()
    tasks = periodic.run_all(clock.now())
    signed = sign_if_due(actor=actor)
    last = checkpoints.latest()
    size = tree.size()
    delivered = deliver(witnesses)
    tasks.update(periodic.run_all(clock.now(), after_checkpoint=True))
    return TickReport(
        size=size,
        checkpoint=last.size if last is not None else None,
        signed=signed is not None,
        witnesses=delivered,
        tasks=dict(sorted(tasks.items())),
    )


def run_every(seconds: float, stop: threading.Event, work: Callable[[], object]) -> None:
    """Call work every `seconds` until stop is set; log a failure and go on."""
    # The first tick comes after one interval, not at start-up: starting the server appends nothing.
    while not stop.wait(seconds):
        try:
            work()
        except Exception:  # a tick must never stop the server; the next one retries
            log.exception("atmp tick failed; retrying in %s s", seconds)
        finally:
            close_old_connections()


def _logged_tick() -> None:
    report = tick()
    if report.signed:
        log.info("atmp tick: signed checkpoint %s", report.checkpoint)
    for w in report.witnesses:
        if w.error is not None:
            log.warning("atmp tick: %s: %s (checkpoints pending: %s)", w.witness, w.error, w.pending)


def start_ticker(seconds: int | None = None) -> threading.Event | None:
    """Run the tick in a daemon thread every ATMP_TICK_SECONDS (0: not at all); return the event that stops it."""
    interval = settings.ATMP_TICK_SECONDS if seconds is None else seconds
    if interval <= 0:
        return None
    configured()  # a malformed witness URL is an error at start-up, not a log line every few minutes
    stop = threading.Event()
    thread = threading.Thread(target=run_every, args=(interval, stop, _logged_tick), name="atmp-tick", daemon=True)
    thread.start()
    return stop
