"""Tests of the RFC 6962 / RFC 9162 Merkle tree module: published vectors, properties, tampering."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atmp.ledger import merkle


def h(hex_digest: str) -> bytes:
    """Return the bytes of a hex string."""
    return bytes.fromhex(hex_digest)


# Known-answer vectors, transcribed from github.com/transparency-dev/merkle (Apache-2.0):
#   testonly/constants.go (commit 582a6ad190b6848f1d26f8bf08ddef29955d9db1):
#     LeafInputs(), NodeHashes(), RootHashes(), CompactTrees(), EmptyRootHash();
#   proof/verify_test.go (commit 02194e9afb6c1d95b5381350007963aa70fff472):
#     inclusionProofs, consistencyProofs (the same tree; `roots` there is RootHashes()[1:]);
#   rfc6962/rfc6962_test.go (commit 78493b07ef9b552e3379abf9e23d4da26fbe797c): TestRFC6962Hasher.
LEAF_INPUTS = [
    h(""),
    h("00"),
    h("10"),
    h("2021"),
    h("3031"),
    h("40414243"),
    h("5051525354555657"),
    h("606162636465666768696a6b6c6d6e6f"),
]
# NodeHashes()[level][i] is MTH(LEAF_INPUTS[i * 2**level : (i + 1) * 2**level]).
NODE_HASHES = [
    [
        h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
        h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        h("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"),
        h("07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7"),
        h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        h("4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658"),
        h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
        h("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
    ],
    [
        h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
        h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
        h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
    ],
    [
        h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ],
    [h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")],
]
# RootHashes()[size] for size 0..8.
ROOT_HASHES = [
    h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]
# CompactTrees()[size]: the hashes of the perfect subtrees of [0, size), left to right.
NH = NODE_HASHES
COMPACT_TREES: list[list[bytes]] = [
    [],
    [NH[0][0]],
    [NH[1][0]],
    [NH[1][0], NH[0][2]],
    [NH[2][0]],
    [NH[2][0], NH[0][4]],
    [NH[2][0], NH[1][2]],
    [NH[2][0], NH[1][2], NH[0][6]],
    [NH[3][0]],
]
# inclusionProofs as (leaf number, tree size, proof). The Go test numbers leaves from 1 and
# checks leaf number - 1 (its {0, 0, nil} entry is marked "an invalid path" and left out here).
INCLUSION_PROOFS = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (3, 3, [h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]),
    (
        2,
        5,
        [
            h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
]
# consistencyProofs as (old size, new size, proof).
CONSISTENCY_PROOFS = [
    (1, 1, []),
    (
        1,
        8,
        [
            h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
        ],
    ),
    (
        6,
        8,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
    (
        2,
        5,
        [
            h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
            h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        ],
    ),
    (
        6,
        7,
        [
            h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
            h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
            h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        ],
    ),
]


# A reference written straight from the RFC text, recursive and slow, sharing no code with merkle.
def ref_leaf(data: bytes) -> bytes:
    """Return SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def ref_node(left: bytes, right: bytes) -> bytes:
    """Return SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def ref_split(n: int) -> int:
    """Return the largest power of two strictly less than n."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: list[bytes]) -> bytes:
    """Return MTH(D) by the RFC 6962 §2.1 recursion."""
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return ref_leaf(d[0])
    k = ref_split(len(d))
    return ref_node(ref_mth(d[:k]), ref_mth(d[k:]))


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    """Return PATH(m, D) by the RFC 9162 §2.1.3.1 recursion."""
    if len(d) == 1:
        return []
    k = ref_split(len(d))
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    """Return SUBPROOF(m, D, b) by the RFC 9162 §2.1.4.1 recursion."""
    if m == len(d):
        return [] if b else [ref_mth(d)]
    k = ref_split(len(d))
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def inclusion_shape(m: object, n: object) -> str | None:
    """Return the side of each sibling in PATH(m, D[n]), leaf upwards; None for bad positions."""
    if type(m) is not int or type(n) is not int or not 0 <= m < n:
        return None
    if n == 1:
        return ""
    k = ref_split(n)
    if m < k:
        return f"{inclusion_shape(m, k)}R"
    return f"{inclusion_shape(m - k, n - k)}L"


def consistency_shape(m: object, n: object, b: bool = True) -> str | None:
    """Return how each SUBPROOF(m, D[n], b) node enters the two roots; None for bad sizes.

    "S" is the seed node sent explicitly, "R" a right sibling in the new tree only, "L" a left
    sibling in both trees. The roots are computed from the proof by this string alone.
    """
    if type(m) is not int or type(n) is not int or not 0 < m <= n:
        return None
    if m == n:
        return "" if b else "S"
    k = ref_split(n)
    if m <= k:
        return f"{consistency_shape(m, k, b)}R"
    return f"{consistency_shape(m - k, n - k, False)}L"


class StoredTree:
    """Only the complete aligned subtree hashes of a tree, as the database keeps them."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.levels = [[ref_leaf(leaf) for leaf in leaves]]
        while len(self.levels[-1]) > 1:
            below = self.levels[-1]
            # Not strict: an unpaired last node has no complete parent yet.
            pairs = zip(below[::2], below[1::2], strict=False)
            self.levels.append([ref_node(a, b) for a, b in pairs])
        self.asked: list[tuple[int, int, int]] = []

    def complete(self, start: int, end: int) -> bytes:
        """Return the stored hash of a complete aligned range."""
        level = (end - start).bit_length() - 1
        return self.levels[level][start >> level]

    def subtree_of(self, size: int) -> merkle.SubtreeHash:
        """Return a callback for the tree of size leaves that checks the documented contract."""

        def subtree(start: int, end: int) -> bytes:
            self.asked.append((start, end, size))
            width = end - start
            assert 0 <= start < end <= size
            if width & (width - 1) == 0 and start % width == 0:
                return self.complete(start, end)
            assert end == size, f"[{start}, {end}) is neither complete nor the right edge"
            ranges = merkle.perfect_subtrees(start, end)
            return merkle.hash_from_perfect([self.complete(a, b) for a, b in ranges])

        return subtree


def make_leaves(n: int) -> list[bytes]:
    """Return n distinct leaf inputs."""
    return [b"entry %d" % i for i in range(n)]


leaf_lists = st.lists(st.binary(max_size=8), min_size=1, max_size=200)
QUICK = settings(max_examples=60, deadline=None)


def test_it_hashes_leaves_nodes_and_the_empty_tree_as_published() -> None:
    # transparency-dev/merkle rfc6962/rfc6962_test.go, TestRFC6962Hasher.
    published = {
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855": merkle.EMPTY_ROOT,
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d": merkle.leaf_hash(b""),
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56": merkle.leaf_hash(
            b"L123456"
        ),
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb": merkle.node_hash(
            b"N123", b"N456"
        ),
    }
    for expected, computed in published.items():
        assert computed.hex() == expected


@pytest.mark.parametrize("size", range(9))
def test_it_matches_the_published_root_for_each_size(size: int) -> None:
    assert merkle.root(LEAF_INPUTS[:size]) == ROOT_HASHES[size]
    stored = StoredTree(LEAF_INPUTS)
    assert merkle.root_from(stored.subtree_of(size), size) == ROOT_HASHES[size]


def test_it_matches_every_published_complete_subtree_hash() -> None:
    for level, hashes in enumerate(NODE_HASHES):
        for i, expected in enumerate(hashes):
            width = 1 << level
            assert merkle.root(LEAF_INPUTS[i * width : (i + 1) * width]) == expected


@pytest.mark.parametrize("size", range(1, 9))
def test_it_decomposes_each_size_into_the_published_compact_range(size: int) -> None:
    stored = StoredTree(LEAF_INPUTS)
    hashes = [stored.complete(a, b) for a, b in merkle.perfect_subtrees(0, size)]
    assert hashes == COMPACT_TREES[size]
    assert merkle.hash_from_perfect(hashes) == ROOT_HASHES[size]


@pytest.mark.parametrize(("number", "size", "proof"), INCLUSION_PROOFS)
def test_it_builds_and_verifies_the_published_inclusion_proofs(
    number: int, size: int, proof: list[bytes]
) -> None:
    index = number - 1
    assert merkle.inclusion_proof(LEAF_INPUTS[:size], index) == proof
    assert merkle.verify_inclusion(
        index=index,
        size=size,
        leaf_hash=merkle.leaf_hash(LEAF_INPUTS[index]),
        proof=proof,
        root=ROOT_HASHES[size],
    )


@pytest.mark.parametrize(("old_size", "new_size", "proof"), CONSISTENCY_PROOFS)
def test_it_builds_and_verifies_the_published_consistency_proofs(
    old_size: int, new_size: int, proof: list[bytes]
) -> None:
    assert merkle.consistency_proof(LEAF_INPUTS[:new_size], old_size) == proof
    assert merkle.verify_consistency(
        old_size=old_size,
        new_size=new_size,
        old_root=ROOT_HASHES[old_size],
        new_root=ROOT_HASHES[new_size],
        proof=proof,
    )


@QUICK
@given(leaves=st.lists(st.binary(max_size=8), max_size=200))
def test_its_root_equals_the_recursive_reference(leaves: list[bytes]) -> None:
    assert merkle.root(leaves) == ref_mth(leaves)


@QUICK
@given(leaves=leaf_lists)
def test_every_inclusion_proof_it_builds_verifies(leaves: list[bytes]) -> None:
    stored, size = StoredTree(leaves), len(leaves)
    root = merkle.root(leaves)
    for index in range(size):
        proof = merkle.inclusion_proof_from(stored.subtree_of(size), size, index)
        leaf = merkle.leaf_hash(leaves[index])
        assert merkle.verify_inclusion(
            index=index, size=size, leaf_hash=leaf, proof=proof, root=root
        )


@QUICK
@given(leaves=leaf_lists, data=st.data())
def test_inclusion_proofs_agree_from_leaves_callback_and_reference(
    leaves: list[bytes], data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(leaves) - 1))
    from_leaves = merkle.inclusion_proof(leaves, index)
    from_stored = merkle.inclusion_proof_from(
        StoredTree(leaves).subtree_of(len(leaves)), len(leaves), index
    )
    assert from_leaves == from_stored == ref_path(index, leaves)


@QUICK
@given(leaves=leaf_lists)
def test_every_consistency_proof_it_builds_verifies(leaves: list[bytes]) -> None:
    stored, new_size = StoredTree(leaves), len(leaves)
    roots = [merkle.root_from(stored.subtree_of(size), size) for size in range(new_size + 1)]
    for old_size in range(new_size + 1):
        proof = merkle.consistency_proof_from(stored.subtree_of(new_size), old_size, new_size)
        assert merkle.verify_consistency(
            old_size=old_size,
            new_size=new_size,
            old_root=roots[old_size],
            new_root=roots[new_size],
            proof=proof,
        )


@QUICK
@given(leaves=leaf_lists, data=st.data())
def test_consistency_proofs_agree_from_leaves_callback_and_reference(
    leaves: list[bytes], data: st.DataObject
) -> None:
    new_size = len(leaves)
    old_size = data.draw(st.integers(1, new_size))
    from_leaves = merkle.consistency_proof(leaves, old_size)
    from_stored = merkle.consistency_proof_from(
        StoredTree(leaves).subtree_of(new_size), old_size, new_size
    )
    assert from_leaves == from_stored == ref_subproof(old_size, leaves, True)


def test_the_callback_is_asked_only_for_complete_aligned_ranges_or_the_right_edge() -> None:
    # StoredTree.subtree_of asserts the contract on every call; this walks every proof up to 70.
    stored = StoredTree(make_leaves(70))
    for size in range(1, 71):
        for index in range(size):
            merkle.inclusion_proof_from(stored.subtree_of(size), size, index)
        for old_size in range(size + 1):
            merkle.consistency_proof_from(stored.subtree_of(size), old_size, size)
    assert stored.asked


@given(start=st.integers(0, 5000), width=st.integers(0, 5000))
def test_perfect_subtrees_are_a_cover_of_maximal_aligned_powers_of_two(
    start: int, width: int
) -> None:
    ranges = merkle.perfect_subtrees(start, start + width)
    position = start
    for a, b in ranges:
        assert a == position < b
        position = b
    assert position == start + width
    for a, b in ranges:
        assert (b - a) & (b - a - 1) == 0 and a % (b - a) == 0
    # Maximal: no two neighbours of equal size form the aligned block twice their size.
    for (a, b), (c, d) in itertools.pairwise(ranges):
        assert not (b - a == d - c and a % (2 * (b - a)) == 0)


@given(n=st.integers(1, 300), data=st.data())
@settings(deadline=None)
def test_folding_perfect_subtrees_gives_the_hash_of_any_tree_node(
    n: int, data: st.DataObject
) -> None:
    # A node of an RFC 6962 tree starts at a multiple of the smallest power of two >= its width.
    alignment = 1 << (n - 1).bit_length()
    start = alignment * data.draw(st.integers(0, 3))
    leaves = make_leaves(start + n)
    hashes = [ref_mth(leaves[a:b]) for a, b in merkle.perfect_subtrees(start, start + n)]
    assert merkle.hash_from_perfect(hashes) == ref_mth(leaves[start:])


def test_folding_perfect_subtrees_is_not_the_hash_of_an_unaligned_range() -> None:
    # Why hash_from_perfect documents its precondition: [1, 4) splits as 1+2 but MTH as 2+1.
    leaves = make_leaves(4)
    hashes = [ref_mth(leaves[a:b]) for a, b in merkle.perfect_subtrees(1, 4)]
    assert merkle.perfect_subtrees(1, 4) == [(1, 2), (2, 4)]
    assert merkle.hash_from_perfect(hashes) != ref_mth(leaves[1:4])


def test_it_computes_the_root_of_a_hundred_thousand_leaves() -> None:
    # Speed sanity without a timing assertion; the check against a chunked fold is a bonus.
    leaves = [i.to_bytes(4, "big") for i in range(100_000)]
    chunks = [merkle.root(leaves[a:b]) for a, b in merkle.perfect_subtrees(0, len(leaves))]
    assert merkle.root(leaves) == merkle.hash_from_perfect(chunks)


def test_it_refuses_to_build_proofs_for_impossible_positions() -> None:
    leaves = make_leaves(5)
    for index in (-1, 5, 6):
        with pytest.raises(ValueError, match="out of range"):
            merkle.inclusion_proof(leaves, index)
    with pytest.raises(ValueError, match="out of range"):
        merkle.inclusion_proof([], 0)
    for old_size in (-1, 6):
        with pytest.raises(ValueError, match="old_size <= new_size"):
            merkle.consistency_proof(leaves, old_size)
    with pytest.raises(ValueError, match="start <= end"):
        merkle.perfect_subtrees(3, 2)
    with pytest.raises(ValueError, match="empty range"):
        merkle.hash_from_perfect([])
    with pytest.raises(ValueError, match="negative"):
        merkle.root_from(StoredTree(leaves).subtree_of(5), -1)


def test_it_gives_empty_consistency_proofs_for_the_trivial_cases() -> None:
    leaves = make_leaves(5)
    assert merkle.consistency_proof(leaves, 0) == []
    assert merkle.consistency_proof(leaves, 5) == []
    assert merkle.consistency_proof([], 0) == []


def test_it_accepts_the_trivial_consistency_cases_only_with_an_empty_proof() -> None:
    empty, root5 = merkle.EMPTY_ROOT, merkle.root(make_leaves(5))
    extra = [merkle.EMPTY_ROOT]

    def check(old: int, new: int, old_root: bytes, new_root: bytes, proof: list[bytes]) -> bool:
        return merkle.verify_consistency(
            old_size=old, new_size=new, old_root=old_root, new_root=new_root, proof=proof
        )

    assert check(0, 0, empty, empty, [])
    assert check(0, 5, empty, root5, [])
    assert check(5, 5, root5, root5, [])
    assert not check(0, 0, empty, empty, extra)
    assert not check(0, 5, empty, root5, extra)
    assert not check(5, 5, root5, root5, extra)
    assert not check(5, 5, root5, empty, [])
    assert not check(0, 0, root5, root5, [])  # the empty tree's root is fixed
    assert not check(0, 5, root5, root5, [])
    assert not check(1, 5, merkle.root(make_leaves(1)), root5, [])  # RFC 9162: empty proof fails


# The corruption battery: each alteration of a good proof must give False, never raise.
BATTERY_SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33]
NOT_HASHES: list[Any] = [None, "00" * 32, bytearray(32), 0, [b"\x00"] * 32]


def bad_hashes(good: bytes) -> Iterator[tuple[str, Any]]:
    """Yield named alterations of one 32-byte hash."""
    yield "first bit flipped", bytes([good[0] ^ 0x01]) + good[1:]
    yield "last bit flipped", good[:-1] + bytes([good[-1] ^ 0x80])
    yield "truncated to 31 bytes", good[:31]
    yield "extended to 33 bytes", good + b"\x00"
    yield "empty", b""
    for other in NOT_HASHES:
        yield f"replaced by {type(other).__name__}", other


def bad_proofs(proof: list[bytes], foreign: list[bytes]) -> Iterator[tuple[str, Any]]:
    """Yield named alterations of a proof; foreign holds hashes to smuggle in."""
    for i, element in enumerate(proof):
        for what, bad in bad_hashes(element):
            yield f"proof[{i}] {what}", [*proof[:i], bad, *proof[i + 1 :]]
        yield f"proof[{i}] dropped", proof[:i] + proof[i + 1 :]
    for i in range(len(proof) - 1):
        if proof[i] != proof[i + 1]:
            swapped = [*proof[:i], proof[i + 1], proof[i], *proof[i + 2 :]]
            yield f"proof[{i}] and proof[{i + 1}] swapped", swapped
    for extra in [*foreign, *proof[:1], bytes(32)]:
        yield f"{extra[:4].hex()}… prepended", [extra, *proof]
        yield f"{extra[:4].hex()}… appended", [*proof, extra]
    if proof:
        yield "proof doubled", proof + proof
    yield "proof is None", None
    yield "proof is the concatenated bytes", b"".join(proof)
    yield "proof is a str", "".join(p.hex() for p in proof)


def failures(
    verify: Callable[..., bool], good: dict[str, Any], probes: Iterator[tuple[str, dict[str, Any]]]
) -> list[str]:
    """Return the probes that verified or raised instead of giving False."""
    assert verify(**good) is True, "the unaltered proof must verify"
    wrong = []
    for what, changes in probes:
        try:
            verdict = verify(**{**good, **changes})
        except Exception as error:  # the point of the test is that nothing escapes
            wrong.append(f"{what}: raised {error!r}")
            continue
        if verdict is not False:
            wrong.append(f"{what}: returned {verdict!r}")
    return wrong


def same(a: object, b: object) -> bool:
    """Return whether two values are equal and of the same type (True is not 1 here)."""
    return type(a) is type(b) and a == b


def inclusion_cases() -> Iterator[tuple[int, int]]:
    """Yield (size, index) pairs: the first, a middle and the last leaf of each size."""
    for size in BATTERY_SIZES:
        for index in sorted({0, size // 2, size - 1}):
            yield size, index


@pytest.mark.parametrize(("size", "index"), list(inclusion_cases()))
def test_every_alteration_of_an_inclusion_proof_is_rejected(size: int, index: int) -> None:
    leaves = make_leaves(size)
    root, leaf = merkle.root(leaves), merkle.leaf_hash(leaves[index])
    proof = merkle.inclusion_proof(leaves, index)
    other_root = merkle.root(make_leaves(size + 1))
    good = {"index": index, "size": size, "leaf_hash": leaf, "proof": proof, "root": root}

    def probes() -> Iterator[tuple[str, dict[str, Any]]]:
        for what, bad in bad_proofs(proof, [leaf, root]):
            yield what, {"proof": bad}
        shape = inclusion_shape(index, size)
        for bad_index in [index - 1, index + 1, -1, size, size + 1, None, str(index), 0.0, True]:
            if not same(bad_index, index) and inclusion_shape(bad_index, size) != shape:
                yield f"index {bad_index!r}", {"index": bad_index}
        for bad_size in [size - 1, size + 1, 0, -1, 2 * size, None, str(size), float(size)]:
            # A size whose proof has the same shape cannot be told apart (see the test below).
            if inclusion_shape(index, bad_size) != shape:
                yield f"size {bad_size!r}", {"size": bad_size}
        for what, bad in bad_hashes(root):
            yield f"root {what}", {"root": bad}
        for what, bad in bad_hashes(leaf):
            yield f"leaf hash {what}", {"leaf_hash": bad}
        yield "root of another tree", {"root": other_root}
        yield "empty root", {"root": merkle.EMPTY_ROOT}
        yield "leaf input instead of its hash", {"leaf_hash": leaves[index]}
        yield "another leaf's hash", {"leaf_hash": merkle.leaf_hash(b"intruder")}
        if size > 1:
            yield "root given as the leaf hash", {"leaf_hash": root}

    assert failures(merkle.verify_inclusion, good, probes()) == []


def consistency_cases() -> Iterator[tuple[int, int]]:
    """Yield (old_size, new_size) pairs with a non-empty proof."""
    for new_size in BATTERY_SIZES:
        k = 1 << ((new_size - 1).bit_length() - 1) if new_size > 1 else 1
        for old_size in sorted({1, k, new_size // 2, new_size - 1} - {0, new_size}):
            yield old_size, new_size


@pytest.mark.parametrize(("old_size", "new_size"), list(consistency_cases()))
def test_every_alteration_of_a_consistency_proof_is_rejected(old_size: int, new_size: int) -> None:
    leaves = make_leaves(new_size)
    old_root, new_root = merkle.root(leaves[:old_size]), merkle.root(leaves)
    proof = merkle.consistency_proof(leaves, old_size)
    good = {
        "old_size": old_size,
        "new_size": new_size,
        "old_root": old_root,
        "new_root": new_root,
        "proof": proof,
    }

    def probes() -> Iterator[tuple[str, dict[str, Any]]]:
        for what, bad in bad_proofs(proof, [old_root, new_root]):
            yield what, {"proof": bad}
        yield "empty proof", {"proof": []}
        shape = consistency_shape(old_size, new_size)
        for bad_old in [old_size - 1, old_size + 1, 0, -1, new_size + 1, None, str(old_size)]:
            if consistency_shape(bad_old, new_size) != shape:
                yield f"old size {bad_old!r}", {"old_size": bad_old}
        yield "a bool as old size", {"old_size": old_size == 1}
        for bad_new in [new_size - 1, new_size + 1, 0, -1, 2 * new_size, None, float(new_size)]:
            # A size whose proof has the same shape cannot be told apart (see the test below).
            if consistency_shape(old_size, bad_new) != shape:
                yield f"new size {bad_new!r}", {"new_size": bad_new}
        yield "sizes swapped", {"old_size": new_size, "new_size": old_size}
        yield "both sizes negative", {"old_size": -old_size, "new_size": -new_size}
        for what, bad in bad_hashes(old_root):
            yield f"old root {what}", {"old_root": bad}
        for what, bad in bad_hashes(new_root):
            yield f"new root {what}", {"new_root": bad}
        yield "roots swapped", {"old_root": new_root, "new_root": old_root}
        yield "old root for both", {"new_root": old_root}
        yield "empty root as old root", {"old_root": merkle.EMPTY_ROOT}
        yield "root of another tree", {"new_root": merkle.root(make_leaves(new_size + 1))}

    assert failures(merkle.verify_consistency, good, probes()) == []


def test_a_proof_cannot_tell_apart_tree_sizes_whose_proofs_have_the_same_shape() -> None:
    # Inherent to RFC 9162, not a verifier bug: leaf 0 of a 3-leaf tree and leaf 0 of a 4-leaf
    # tree both hash right, right, so the 3-leaf proof also "verifies" as size 4 against the
    # 3-leaf root. The size is only as good as its binding to the root, which is why they must
    # come together from one signed checkpoint, never from separate sources.
    leaves = make_leaves(3)
    proof, root = merkle.inclusion_proof(leaves, 0), merkle.root(leaves)
    leaf = merkle.leaf_hash(leaves[0])
    assert inclusion_shape(0, 3) == inclusion_shape(0, 4) == "RR"
    assert merkle.verify_inclusion(index=0, size=4, leaf_hash=leaf, proof=proof, root=root)
    # Likewise a 6-to-7 consistency proof reads the same as 6-to-8.
    leaves = make_leaves(7)
    proof, old_root, new_root = (
        merkle.consistency_proof(leaves, 6),
        merkle.root(leaves[:6]),
        merkle.root(leaves),
    )
    assert consistency_shape(6, 7) == consistency_shape(6, 8)
    assert merkle.verify_consistency(
        old_size=6, new_size=8, old_root=old_root, new_root=new_root, proof=proof
    )


@given(
    value=st.one_of(
        st.none(),
        st.integers(-(2**70), 2**70),
        st.binary(max_size=40),
        st.text(max_size=5),
        st.lists(st.one_of(st.none(), st.binary(min_size=30, max_size=34)), max_size=70),
    ),
    field=st.sampled_from(["index", "size", "leaf_hash", "proof", "root"]),
)
def test_the_verifiers_never_raise_whatever_they_are_given(value: Any, field: str) -> None:
    leaves = make_leaves(6)
    inclusion: dict[str, Any] = {
        "index": 3,
        "size": 6,
        "leaf_hash": merkle.leaf_hash(leaves[3]),
        "proof": merkle.inclusion_proof(leaves, 3),
        "root": merkle.root(leaves),
    }
    assert merkle.verify_inclusion(**{**inclusion, field: value}) in (True, False)
    consistency_field = {"index": "old_size", "size": "new_size", "leaf_hash": "old_root"}
    consistency: dict[str, Any] = {
        "old_size": 3,
        "new_size": 6,
        "old_root": merkle.root(leaves[:3]),
        "new_root": merkle.root(leaves),
        "proof": merkle.consistency_proof(leaves, 3),
    }
    changed = {consistency_field.get(field, "new_root" if field == "root" else field): value}
    assert merkle.verify_consistency(**{**consistency, **changed}) in (True, False)
