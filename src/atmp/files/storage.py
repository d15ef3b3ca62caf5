"""Content-addressed blob storage: a file is kept once, under its SHA-256, never overwritten or deleted.

The default backend is a folder, ATMP_HOME/files/<aa>/<bb>/<sha256>; ATMP_FILES_BACKEND=s3 keeps
blobs in S3-compatible object storage instead (atmp.files.s3). An upload is first streamed to a
staging file while it is hashed and counted, so the size limit holds without reading a whole file
into memory, and the blob appears under its name complete or not at all.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from atmp import config
from atmp.files.sniff import HEAD_BYTES

CHUNK = 1024 * 1024
DEFAULT_MAX_BYTES = 100 * 1024 * 1024
LOCAL = "local"
S3 = "s3"
FILES_DIR = "files"
STAGING_DIR = ".incoming"  # beside the blobs, on the same file system, so a link is atomic


class TooLarge(ValueError):
    """The stream is longer than the limit; nothing was kept."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the file is larger than {limit:,} bytes, the limit (ATMP_MAX_FILE_BYTES)")
        self.limit = limit


class BlobMissing(LookupError):
    """The backend holds no blob of that hash."""


def max_file_bytes() -> int:
    """Return the largest file atmp stores (ATMP_MAX_FILE_BYTES, default 100 MiB)."""
    return config.int_setting("ATMP_MAX_FILE_BYTES", DEFAULT_MAX_BYTES)


@dataclass(frozen=True)
class Staged:
    """An upload received in full into a staging file: its hash, size and first bytes."""

    path: Path
    sha256: str
    size: int
    head: bytes


class Backend(Protocol):
    """Where blobs live. put() never replaces an existing blob; nothing here deletes one."""

    name: str

    def staging_dir(self) -> Path:
        """Return the folder uploads are streamed into before they become blobs."""

    def put(self, staged: Staged) -> bool:
        """Keep the staged file as the blob of its hash; return False when that blob was already kept."""

    def exists(self, sha256: str) -> bool:
        """Return True when the blob is kept."""

    def open(self, sha256: str) -> IO[bytes]:
        """Return the blob for reading, or raise BlobMissing."""


def receive(stream: IO[bytes], *, staging: Path, limit: int) -> Staged:
    """Copy the stream into a new staging file, hashing as it goes; refuse it past `limit` bytes."""
    staging.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, name = tempfile.mkstemp(dir=staging, prefix="upload-")
    path = Path(name)
    digest, size, head = hashlib.sha256(), 0, b""
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise TooLarge(limit)
                if len(head) < HEAD_BYTES:
                    head += chunk[: HEAD_BYTES - len(head)]
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())  # the blob is durable before any record names it
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Staged(path, digest.hexdigest(), size, head)


def blob_name(sha256: str) -> str:
    """Return a blob's place relative to the store: <aa>/<bb>/<sha256>."""
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


class LocalBackend:
    """Blobs in a folder (ATMP_HOME/files by default), each written once through a hard link."""

    name = LOCAL

    def __init__(self, root: Path) -> None:
        self.root = root

    def staging_dir(self) -> Path:
        """Return the staging folder inside the store."""
        return self.root / STAGING_DIR

    def path(self, sha256: str) -> Path:
        """Return where the blob of this hash lives."""
        return self.root / blob_name(sha256)

    def put(self, staged: Staged) -> bool:
        """Link the staged file under its hash (link refuses to replace a blob); drop the staging name."""
        target = self.path(staged.sha256)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            os.link(staged.path, target)
            created = True
        except FileExistsError:
            created = False  # the same content was stored before: it is kept once
        finally:
            staged.path.unlink(missing_ok=True)
        if created:
            target.chmod(0o400)  # read-only: a blob is never rewritten
            _fsync_dir(target.parent)
        return created

    def exists(self, sha256: str) -> bool:
        """Return True when the blob file exists."""
        return self.path(sha256).is_file()

    def open(self, sha256: str) -> IO[bytes]:
        """Return the blob file for reading."""
        try:
            return self.path(sha256).open("rb")
        except FileNotFoundError:
            raise BlobMissing(sha256) from None


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backend(name: str | None = None) -> Backend:
    """Return the configured backend (ATMP_FILES_BACKEND: local or s3), or the one named."""
    chosen = name or os.environ.get("ATMP_FILES_BACKEND", LOCAL).strip().lower() or LOCAL
    if chosen == LOCAL:
        return LocalBackend(config.home() / FILES_DIR)
    if chosen == S3:
        from atmp.files.s3 import S3Backend

        return S3Backend.from_environment()
    raise config.ConfigError(f"ATMP_FILES_BACKEND: {chosen!r} is not a storage backend; use local or s3")


def digest(store: Backend, sha256: str) -> tuple[str, int]:
    """Return the SHA-256 and size of a kept blob, reading it in chunks (BlobMissing if it is not kept)."""
    hasher, size = hashlib.sha256(), 0
    with store.open(sha256) as blob:
        while chunk := blob.read(CHUNK):
            hasher.update(chunk)
            size += len(chunk)
    return hasher.hexdigest(), size


def chunks(blob: IO[bytes]) -> Iterator[bytes]:
    """Yield a blob in chunks and close it at the end (a streamed download)."""
    try:
        while chunk := blob.read(CHUNK):
            yield chunk
    finally:
        blob.close()
