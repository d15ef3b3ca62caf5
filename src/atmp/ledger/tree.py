"""The RFC 6962 tree as stored: roots and proofs computed from O(log n) stored node hashes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import connection

from atmp.ledger import merkle
from atmp.ledger.errors import NotFound

T = TypeVar("T")


def size() -> int:
    """Return the number of entries in the ledger (the tree size)."""
    with connection.cursor() as cursor:
        # A raw read: every proof starts here, and the ORM costs ~15× more than the query (bench/).
        cursor.execute("SELECT size FROM ledger_ledgerhead WHERE id = 1")
        return int(cursor.fetchone()[0])


def _plan(run: Callable[[merkle.SubtreeHash], object]) -> set[tuple[int, int]]:
    """Dry-run a tree computation and collect the stored nodes (level, index) it will need."""
    needed: set[tuple[int, int]] = set()

    def record(start: int, end: int) -> bytes:
        for lo, hi in merkle.perfect_subtrees(start, end):
            level = (hi - lo).bit_length() - 1
            needed.add((level, lo >> level))
        return merkle.EMPTY_ROOT  # any 32 bytes: the recursion's shape does not depend on hashes

    run(record)
    return needed


def _fetch(nodes: set[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    if not nodes:
        return {}
    keys = sorted(nodes)
    where = " OR ".join(['(level = %s AND "index" = %s)'] * len(keys))
    params = [v for key in keys for v in key]
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT level, "index", hash FROM ledger_treenode WHERE {where}', params)
        found = {(int(level), int(index)): bytes(h) for level, index, h in cursor.fetchall()}
    missing = nodes - found.keys()
    if missing:
        level, index = min(missing)
        raise NotFound(f"stored tree node {level}/{index} is missing: run `atmp verify`")
    return found


def _compute(run: Callable[[merkle.SubtreeHash], T]) -> T:
    """Run a tree computation against stored nodes, fetched in one query."""
    stored = _fetch(_plan(run))

    def subtree(start: int, end: int) -> bytes:
        hashes = []
        for lo, hi in merkle.perfect_subtrees(start, end):
            level = (hi - lo).bit_length() - 1
            hashes.append(stored[(level, lo >> level)])
        return merkle.hash_from_perfect(hashes)

    return run(subtree)


def _check_size(tree_size: int) -> None:
    current = size()
    if not 0 <= tree_size <= current:
        raise NotFound(f"tree size {tree_size} is out of range: the ledger has {current} entries")


def root(tree_size: int) -> bytes:
    """Return the RFC 6962 root of the first tree_size entries."""
    _check_size(tree_size)
    return _compute(lambda sub: merkle.root_from(sub, tree_size))


def inclusion_proof(seq: int, tree_size: int) -> list[bytes]:
    """Return the inclusion proof of entry seq in the tree of tree_size entries."""
    _check_size(tree_size)
    if not 1 <= seq <= tree_size:
        raise NotFound(f"entry {seq} is not in a tree of {tree_size} entries (seq counts from 1)")
    return _compute(lambda sub: merkle.inclusion_proof_from(sub, tree_size, seq - 1))


def consistency_proof(old_size: int, new_size: int) -> list[bytes]:
    """Return the proof that the tree of new_size entries extends the tree of old_size entries."""
    _check_size(new_size)
    if not 0 <= old_size <= new_size:
        raise NotFound(f"no consistency proof from {old_size} to {new_size}: the old size must not exceed the new")
    return _compute(lambda sub: merkle.consistency_proof_from(sub, old_size, new_size))
