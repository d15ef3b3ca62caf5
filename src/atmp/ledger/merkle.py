"""Merkle tree hashes and proofs over SHA-256, as RFC 6962 §2.1 and RFC 9162 §2.1 define them.

RFC 6962 §2.1 (RFC 9162 §2.1 keeps the same hashing) fixes the tree: MTH({}) = SHA-256(""),
a leaf hashes as SHA-256(0x00 || input), an interior node as SHA-256(0x01 || left || right),
and a list of n > 1 leaves splits at k, the largest power of two strictly less than n.
Proofs are RFC 9162 §2.1.3 (inclusion: PATH, and its verification in §2.1.3.2) and
§2.1.4 (consistency: PROOF/SUBPROOF, and its verification in §2.1.4.2).

Proofs can be built two ways:

* from every leaf input: `root`, `inclusion_proof`, `consistency_proof`;
* from a callback `subtree(start, end)` returning MTH(D[start:end]): `root_from`,
  `inclusion_proof_from`, `consistency_proof_from`. The leaf versions are built on these.

Callback contract: the RFC 9162 recursion only ever asks for nodes of the tree being proved
(the tree of `size`, or of `new_size` for consistency), and every node [start, end) of an
RFC 6962 tree is either *complete and aligned* (end - start is a power of two 2^h and start
is a multiple of 2^h) or lies on the *right edge* (end is the tree size). Induction on the
split rule: the root [0, n) is on the right edge; a node of n' leaves starting at a multiple
of the smallest power of two >= n' has a left child [start, start + k) that is complete and
aligned, and a right child [start + k, end) that ends where its parent ends and again starts
at a multiple of the smallest power of two >= its own size. So a stored tree needs only its
complete aligned subtree hashes: a right-edge range is `hash_from_perfect` over the hashes of
its `perfect_subtrees`, O(log n) of them.

This module is pure standard library (no Django) so the same verifier can be handed to anyone.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import Final

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "SubtreeHash",
    "consistency_proof",
    "consistency_proof_from",
    "hash_from_perfect",
    "inclusion_proof",
    "inclusion_proof_from",
    "leaf_hash",
    "node_hash",
    "perfect_subtrees",
    "root",
    "root_from",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE: Final = 32
EMPTY_ROOT: Final[bytes] = hashlib.sha256(b"").digest()

# RFC 6962 §2.1: the prefixes keep a leaf from ever hashing like an interior node.
_LEAF_PREFIX: Final = b"\x00"
_NODE_PREFIX: Final = b"\x01"

SubtreeHash = Callable[[int, int], bytes]
"""A callback returning MTH(D[start:end]) for the leaf range [start, end)."""


def leaf_hash(data: bytes) -> bytes:
    """Return the hash of one leaf input: SHA-256(0x00 || data)."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the hash of an interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """Return k, the largest power of two strictly less than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_subtrees(start: int, end: int) -> list[tuple[int, int]]:
    """Split [start, end) into maximal aligned power-of-two ranges, left to right."""
    if not 0 <= start <= end:
        raise ValueError(f"[{start}, {end}) is not a leaf range: need 0 <= start <= end")
    ranges: list[tuple[int, int]] = []
    while start < end:
        # A block may be no larger than start's alignment (its lowest set bit; zero is aligned
        # to everything) nor than what is left of the range.
        size = start & -start if start else 1 << ((end - start).bit_length() - 1)
        while size > end - start:
            size >>= 1
        ranges.append((start, start + size))
        start += size
    return ranges


def hash_from_perfect(hashes: Sequence[bytes]) -> bytes:
    """Fold the hashes of a perfect-subtree decomposition, right to left, into one MTH.

    Given the hashes of `perfect_subtrees(start, end)` in order, this returns MTH(D[start:end])
    whenever [start, end) is a node of some RFC 6962 tree, i.e. start is a multiple of the
    smallest power of two >= end - start (always true for start == 0 and for every range the
    `*_from` builders ask for). Then the decomposition is the binary expansion of end - start,
    largest block first, so its first block is exactly the left child the split rule picks
    (the largest power of two < n) and the rest is the right child, recursively. For other
    ranges, e.g. [1, 4), the fold is a different hash and must not be used as MTH.
    """
    if not hashes:
        raise ValueError("an empty range has no perfect subtrees to fold")
    folded = hashes[-1]
    for left in reversed(hashes[:-1]):
        folded = node_hash(left, folded)
    return folded


def _range_hash(leaves: Sequence[bytes], start: int, end: int) -> bytes:
    """Return MTH(D[start:end]) from leaf inputs, iteratively in O(end - start)."""
    if start == end:
        return EMPTY_ROOT
    sha256 = hashlib.sha256
    # The stack holds complete subtrees whose sizes are the binary digits of the count so far,
    # largest first: pushing leaf number c merges as many times as c has trailing zero bits.
    stack: list[bytes] = []
    for count in range(1, end - start + 1):
        digest = sha256(_LEAF_PREFIX + leaves[start + count - 1]).digest()
        carry = count
        while not carry & 1:
            digest = sha256(_NODE_PREFIX + stack.pop() + digest).digest()
            carry >>= 1
        stack.append(digest)
    # The stack is the perfect decomposition of the range relative to its start, which is what
    # MTH(D[start:end]) splits on, since MTH only sees the list D[start:end].
    return hash_from_perfect(stack)


def _leaf_subtree(leaves: Sequence[bytes]) -> SubtreeHash:
    """Return a callback hashing leaf ranges of leaves."""

    def subtree(start: int, end: int) -> bytes:
        return _range_hash(leaves, start, end)

    return subtree


def root_from(subtree: SubtreeHash, size: int) -> bytes:
    """Return the tree head MTH(D[0:size]), asking the callback for [0, size) if non-empty."""
    if size < 0:
        raise ValueError(f"tree size {size} is negative")
    return subtree(0, size) if size else EMPTY_ROOT


def inclusion_proof_from(subtree: SubtreeHash, size: int, index: int) -> list[bytes]:
    """Return RFC 9162 PATH(index, D[0:size]), taking node hashes from the callback.

    The callback is asked for the sibling of each node on the way from the root to the leaf;
    each is complete and aligned or on the right edge (see the module docstring).
    """
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is out of range for a tree of {size} leaves")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            path.append(subtree(start + k, end))
            end = start + k
        else:
            path.append(subtree(start, start + k))
            start += k
    # PATH lists siblings from the leaf upwards; the walk went downwards.
    path.reverse()
    return path


def consistency_proof_from(subtree: SubtreeHash, old_size: int, new_size: int) -> list[bytes]:
    """Return RFC 9162 PROOF(old_size, D[0:new_size]), taking node hashes from the callback.

    Empty when old_size is 0 or equals new_size (nothing to prove). Every range asked for is a
    node of the new tree, so complete and aligned or on its right edge.
    """
    if not 0 <= old_size <= new_size:
        raise ValueError(
            f"no consistency proof from size {old_size} to size {new_size}: "
            "need 0 <= old_size <= new_size"
        )
    if old_size in (0, new_size):
        return []
    proof: list[bytes] = []
    start, end = 0, new_size
    # SUBPROOF's b: true while the node is a prefix of the old tree's root, whose hash the
    # verifier already has, so that node need not be sent.
    known = True
    # Invariant start < old_size <= end, so the walk stops at a node ending at old_size.
    while old_size != end:
        k = _split(end - start)
        if old_size <= start + k:
            proof.append(subtree(start + k, end))
            end = start + k
        else:
            proof.append(subtree(start, start + k))
            start += k
            known = False
    if not known:
        proof.append(subtree(start, end))
    # SUBPROOF appends the deepest node first; the walk went downwards.
    proof.reverse()
    return proof


def root(leaves: Sequence[bytes]) -> bytes:
    """Return the tree head MTH over the leaf inputs (EMPTY_ROOT for none)."""
    return _range_hash(leaves, 0, len(leaves))


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """Return the RFC 9162 inclusion proof of leaf index in the tree over leaves."""
    return inclusion_proof_from(_leaf_subtree(leaves), len(leaves), index)


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """Return the RFC 9162 consistency proof from the first old_size leaves to all of them."""
    return consistency_proof_from(_leaf_subtree(leaves), old_size, len(leaves))


def _is_size(value: object) -> bool:
    """Return whether value is a usable tree size or index (bool is not a number here)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_hash(value: object) -> bool:
    """Return whether value is one SHA-256 hash."""
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _as_hashes(proof: object, *, limit: int) -> list[bytes] | None:
    """Return the proof as a list of hashes, or None if it is not one of at most limit."""
    if isinstance(proof, str | bytes | bytearray | memoryview) or not isinstance(proof, Iterable):
        return None
    # islice bounds the work for an endless or huge iterable: no valid proof is that long.
    items = list(islice(proof, limit + 1))
    if len(items) > limit or not all(_is_hash(item) for item in items):
        return None
    return items


def _same(a: bytes, b: bytes) -> bool:
    """Return whether two hashes are equal, in constant time."""
    return hmac.compare_digest(a, b)


def verify_inclusion(
    *, index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """Return whether proof shows leaf_hash at index in the tree of size leaves with root."""
    try:
        return _verify_inclusion(index, size, leaf_hash, proof, root)
    except Exception:
        # A verifier answers every malformed input with False; raising would let a caller
        # mistake an attacker's garbage for an internal error and retry or skip the check.
        return False


def _verify_inclusion(
    index: int, size: int, hashed_leaf: bytes, proof: Sequence[bytes], expected: bytes
) -> bool:
    """Return the RFC 9162 §2.1.3.2 verdict; the caller catches anything unexpected."""
    if not (_is_size(index) and _is_size(size) and index < size):
        return False
    if not (_is_hash(hashed_leaf) and _is_hash(expected)):
        return False
    path = _as_hashes(proof, limit=size.bit_length())
    if path is None:
        return False
    fn, sn = index, size - 1
    computed = hashed_leaf
    for sibling in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            computed = node_hash(sibling, computed)
            # Levels where the node is a lone right-edge child have no sibling in the proof.
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            computed = node_hash(computed, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and _same(computed, expected)


def verify_consistency(
    *, old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Return whether proof shows the tree of new_size with new_root extends old_size/old_root.

    The empty tree's root is EMPTY_ROOT, so a size-0 root must be exactly that.
    """
    try:
        return _verify_consistency(old_size, new_size, old_root, new_root, proof)
    except Exception:
        # Same reason as verify_inclusion: malformed input is a failed proof, never an error.
        return False


def _verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Return the RFC 9162 §2.1.4.2 verdict; the caller catches anything unexpected."""
    if not (_is_size(old_size) and _is_size(new_size) and old_size <= new_size):
        return False
    if not (_is_hash(old_root) and _is_hash(new_root)):
        return False
    path = _as_hashes(proof, limit=2 * new_size.bit_length())
    if path is None:
        return False
    if old_size == 0 and not _same(old_root, EMPTY_ROOT):
        return False
    if old_size == new_size:
        return not path and _same(old_root, new_root)
    if old_size == 0:
        # Every tree extends the empty one; there is nothing to prove.
        return not path
    if not path:
        return False
    if old_size & (old_size - 1) == 0:
        # The old tree is a complete subtree of the new one, so the proof leaves its root out.
        path = [old_root, *path]
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    old_computed = new_computed = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            old_computed = node_hash(node, old_computed)
            new_computed = node_hash(node, new_computed)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            new_computed = node_hash(new_computed, node)
        fn >>= 1
        sn >>= 1
    return sn == 0 and _same(old_computed, old_root) and _same(new_computed, new_root)
