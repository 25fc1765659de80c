"""banner's tree code against the independent RFC 9162 checker, on any sizes and leaves."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from banner.log import merkle, tree
from tests.log import rfc9162_verifier as rfc
from tests.log.seeding import decision


def _nodes(leaves: list[bytes]) -> dict[merkle.NodeKey, bytes]:
    """Every complete subtree, built through :func:`merkle.push` as the log does."""
    frontier: list[bytes] = []
    nodes: dict[merkle.NodeKey, bytes] = {}
    for index, leaf in enumerate(leaves):
        hashed = rfc.hash_leaf(leaf)
        nodes[(0, index)] = hashed
        nodes.update(merkle.push(frontier, index, hashed))
    return nodes


@given(size=st.integers(1, 300), data=st.data())
def test_proofs_check_with_the_independent_verifier(size: int, data: st.DataObject) -> None:
    leaves = [f"leaf {n}".encode() for n in range(size)]
    nodes = _nodes(leaves)
    root = rfc.mth(leaves)
    assert merkle.range_hash(0, size, nodes) == root
    index = data.draw(st.integers(0, size - 1))
    path = merkle.proof(merkle.inclusion_ranges(index, size), lambda keys: nodes)
    assert rfc.inclusion_ok(index, size, leaves[index], path, root)
    first = data.draw(st.integers(1, size))
    proof = merkle.proof(merkle.consistency_ranges(first, size), lambda keys: nodes)
    assert rfc.consistency_ok(first, size, rfc.mth(leaves[:first]), root, proof)
    assert merkle.consistent(first, size, rfc.mth(leaves[:first]), root, proof)


@given(
    text=st.text(),
    path=st.text(),
    index=st.integers(0, 2**53),
)
def test_leaf_parts_make_the_same_leaf_whatever_the_values(
    text: str, path: str, index: int
) -> None:
    """Hostile values (quotes, the key's own spelling, any Unicode) cannot move the index."""
    hostile = decision(3, user_agent=text + '","log_index":0,', page_path=path)
    before, after = tree.leaf_parts(hostile)
    assert before + str(index).encode() + after == tree.leaf_bytes(hostile, index)
