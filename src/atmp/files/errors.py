"""Refusals of the files services; each names the input at fault and the rule."""

from atmp.accounts.errors import InvalidInput
from atmp.ledger.errors import LedgerError


class FileRefused(InvalidInput):
    """A file may not be stored (its type, its content, its name)."""


class FileTooLarge(FileRefused):
    """A file is larger than ATMP_MAX_FILE_BYTES."""

    def __init__(self, limit: int) -> None:
        super().__init__("file", f"the file is larger than {limit:,} bytes, the limit (ATMP_MAX_FILE_BYTES)")
        self.limit = limit


class StorageUnavailable(LedgerError):
    """The storage backend could not be reached or refused the operation."""
