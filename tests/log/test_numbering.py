"""Numbering in the write, the tree built later: no gaps, no duplicates, nothing unproven.

A decision's write only numbers it (one statement under the site's write
lock) and stores its leaf hash; the tree's nodes are built from those leaves
when a head is made, by a purge or by ``banner log verify``. These tests
attack that split: several writers on one database, a rolled back batch,
decisions that no head covers yet, a purge before any head.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from banner.log import tree
from banner.log.group_commit import GroupCommitLog
from banner.log.heads import HeadKeeper
from banner.log.schema import consent_log, log_nodes
from banner.log.signing import LogKey, record_public
from banner.log.store import ConsentLog, _row_values, from_row
from banner.log.verify import verify_site
from tests.log import rfc9162_verifier as rfc
from tests.log.seeding import decision

SITE = "tokodemo"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, database_url: str) -> str:
    return (
        database_url if request.param == "sqlite" else str(request.getfixturevalue("postgres_url"))
    )


@pytest.fixture
def logs(url: str) -> Iterator[list[GroupCommitLog]]:
    """Two writers with engines of their own: what two instances are to the database."""
    first = GroupCommitLog(url)
    first.create_schema()
    both = [first, GroupCommitLog(url)]
    yield both
    for log in both:
        log.dispose()


def _keeper(log: ConsentLog) -> HeadKeeper:
    key = LogKey(Ed25519PrivateKey.generate(), "test")
    record_public(log.engine, key)
    return HeadKeeper(log.engine, key)


def _indices(log: ConsentLog) -> list[int]:
    query = sa.select(consent_log.c.log_index).where(consent_log.c.site == SITE)
    with log.engine.connect() as conn:
        return sorted(int(i) for i in conn.execute(query).scalars())


def _leaves(log: ConsentLog) -> list[bytes]:
    """Each row's leaf, written from the issue's definition (not banner's tree code)."""
    query = sa.select(consent_log).where(consent_log.c.site == SITE)
    with log.engine.connect() as conn:
        rows = conn.execute(query.order_by(consent_log.c.log_index)).all()
    found = []
    for row in rows:
        record = json.loads(json.dumps(from_row(row).as_record()))
        leaf = {**record, "log_index": row.log_index, "notice_hash": row.text_hash}
        found.append(rfc.canonical(leaf))
    return found


def test_two_writers_number_without_gaps_and_a_head_covers_every_leaf(
    logs: list[GroupCommitLog],
) -> None:
    def write(number: int) -> None:
        logs[number % 2].append(decision(number), fresh=True)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(60)))
    assert _indices(logs[0]) == list(range(60))
    head = _keeper(logs[1]).make(SITE)
    assert head.tree_size == 60
    assert head.root_hash == rfc.mth(_leaves(logs[0])).hex()
    with logs[0].engine.connect() as conn:
        assert verify_site(conn, SITE).problems == []


def test_a_rolled_back_batch_gives_its_numbers_back(logs: list[GroupCommitLog]) -> None:
    log = logs[0]
    with pytest.raises(RuntimeError), log.engine.begin() as conn:
        log.insert(conn, [decision(1), decision(2)])
        raise RuntimeError("the batch fails after numbering")
    log.append(decision(3), fresh=True)
    assert _indices(log) == [0]


def test_decisions_no_head_covers_yet_verify_and_the_next_head_takes_them(
    logs: list[GroupCommitLog],
) -> None:
    log, keeper = logs[0], _keeper(logs[0])
    for number in range(5):
        log.append(decision(number), fresh=True)
    assert keeper.make(SITE).tree_size == 5
    for number in range(5, 12):
        log.append(decision(number), fresh=True)
    with log.engine.connect() as conn:
        assert tree.read_state(conn, SITE)[0] == 5  # the write built nothing
        assert tree.numbered(conn, SITE) == 12
        report = verify_site(conn, SITE)
    assert report.problems == [] and report.decisions == 5
    head = keeper.make(SITE)
    assert head.tree_size == 12 and head.root_hash == rfc.mth(_leaves(log)).hex()


def test_a_row_forged_after_the_numbering_is_not_taken_into_the_tree(
    logs: list[GroupCommitLog],
) -> None:
    log = logs[0]
    for number in range(3):
        log.append(decision(number), fresh=True)
    forged = replace(decision(99), consent_id="forged-consent-00001")
    values = {**_row_values(forged), "log_index": 3, "leaf_hash": "00" * 32}
    with log.engine.begin() as conn:
        conn.execute(consent_log.insert().values(**values))
    assert _keeper(log).make(SITE).tree_size == 3
    with log.engine.connect() as conn:
        problems = verify_site(conn, SITE).problems
    assert [text for _index, text in problems] == ["log_index 3: row inserted (not in the tree)"]


def test_a_purge_before_any_head_keeps_every_leaf(logs: list[GroupCommitLog]) -> None:
    log = logs[0]
    for number in range(6):
        log.append(decision(number), fresh=True)
    latest = max(decision(n).recorded_at for n in range(6))
    assert log.purge(latest + timedelta(seconds=1)) == 6
    leaves = sa.select(sa.func.count()).where(
        log_nodes.c.site == SITE, log_nodes.c.level == 0, log_nodes.c.purged_at.is_not(None)
    )
    with log.engine.connect() as conn:
        assert conn.execute(leaves).scalar_one() == 6
    log.append(decision(7), fresh=True)  # numbering goes on after the purged rows
    assert _indices(log) == [6]
    assert _keeper(log).make(SITE).tree_size == 7
    with log.engine.connect() as conn:
        report = verify_site(conn, SITE)
    assert report.problems == [] and report.purged == 6
