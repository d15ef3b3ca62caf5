"""`atmp verify` re-hashes every stored file: a blob missing or altered is named by its record."""

from __future__ import annotations

from atmp.files import storage
from atmp.files.models import StoredFile
from atmp.ledger.verify_hooks import Fail

MISSING = "file_missing"
ALTERED = "file_altered"


def check_files(fail: Fail) -> dict[str, int]:
    """Re-hash each kept blob once; report every stored-file record whose blob is missing or not its hash."""
    found: dict[tuple[str, str], tuple[str, int] | str] = {}  # (backend, sha256) → (digest, size) or a problem
    stores: dict[str, storage.Backend | str] = {}
    records = hashed = 0
    rows = StoredFile._base_manager.order_by("pk").values_list("pk", "sha256", "size", "backend")
    for pk, sha256, size, backend_name in rows.iterator(chunk_size=2000):
        records += 1
        name = f"{StoredFile.record_type()}:{pk}"
        key = (backend_name, sha256)
        result = found.get(key)
        if result is None:
            result = found[key] = _rehash(stores, backend_name, sha256)
            if isinstance(result, tuple):
                hashed += result[1]
        if isinstance(result, str):
            fail(MISSING, None, name, f"{name}: {result}")
        elif result[0] != sha256 or result[1] != size:
            fail(
                ALTERED,
                None,
                name,
                f"{name}: its content was altered: the blob {sha256[:12]}… now hashes to {result[0][:12]}… "
                f"({result[1]:,} bytes, recorded {size:,})",
            )
    return {"files": records, "file_bytes": hashed}


def _rehash(stores: dict[str, storage.Backend | str], backend_name: str, sha256: str) -> tuple[str, int] | str:
    if backend_name not in stores:
        try:
            stores[backend_name] = storage.backend(backend_name)
        except Exception as exc:  # not configured here (no bucket, no boto3): every file of it is unchecked
            stores[backend_name] = f"its backend '{backend_name}' is not usable here: {exc}"
    store = stores[backend_name]
    if isinstance(store, str):
        return store
    try:
        return storage.digest(store, sha256)
    except storage.BlobMissing:
        return f"its content {sha256[:12]}… is missing from the file store ({backend_name})"
    except Exception as exc:
        return f"its content {sha256[:12]}… could not be read from the file store ({backend_name}): {exc}"
