"""Daily roll-ups equal a count of the rows: concurrent writers, two instances, purge, backfill."""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from banner.log import purge
from banner.log.group_commit import GroupCommitLog
from banner.log.rollups import Rollups, ensure, read_days
from banner.log.schema import SCHEMA_VERSION, consent_log, log_nodes, rollup_zones
from banner.log.store import ConsentLog, Decision, as_utc
from banner.web.app import create_app
from tests.factories import make_config
from tests.log.seeding import decision, seed

JAKARTA = "Asia/Jakarta"
CATEGORIES = ("functional", "analytics", "preference")
#: 16:30 UTC on 2026-11-01 is 23:30 in Jakarta: the decisions straddle local midnights.
START = datetime(2026, 11, 1, 16, 30, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, database_url: str) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return database_url


def counted_from_rows(engine: sa.Engine, site: str, zone: str) -> dict[date, tuple[Any, ...]]:
    """Per local day, straight from the rows: actions, visitors, grants of each id's last row."""
    tz = ZoneInfo(zone)
    actions: dict[date, Counter[str]] = defaultdict(Counter)
    last: dict[date, dict[str, tuple[str, ...]]] = defaultdict(dict)
    query = sa.select(consent_log).where(consent_log.c.site == site).order_by(consent_log.c.row_id)
    with engine.connect() as conn:
        for row in conn.execute(query):
            day = as_utc(row.recorded_at).astimezone(tz).date()
            actions[day][row.action] += 1
            last[day][row.consent_id] = tuple(json.loads(row.granted))
    return {
        day: (
            dict(actions[day]),
            len(last[day]),
            {c: n for c in CATEGORIES if (n := sum(c in g for g in last[day].values()))},
        )
        for day in actions
    }


def rolled_up(engine: sa.Engine, site: str) -> dict[date, tuple[Any, ...]]:
    with engine.connect() as conn:
        found = read_days(conn, site, date(2000, 1, 1), date(2100, 1, 1))
    return {
        day: (
            {a: n for a, n in f.actions.items() if n},
            f.visitors,
            {c: n for c, n in f.granted.items() if n and c in CATEGORIES},
        )
        for day, f in found.items()
    }


def with_rollups(log: ConsentLog, zone: str = JAKARTA) -> ConsentLog:
    companion = Rollups({"tokodemo": zone})
    with log.engine.begin() as conn:
        ensure(conn, companion)
    log.companions.append(companion)
    return log


def visit(number: int, rng: random.Random) -> Decision:
    """One of 40 visitors deciding at some minute of three local days."""
    granted = tuple(c for c in CATEGORIES if rng.random() < 0.5)
    return decision(
        number,
        consent_id=f"visitor-{rng.randrange(40):04d}-abcdefghijkl",
        recorded_at=START + timedelta(minutes=rng.randrange(3 * 24 * 60)),
        action=rng.choice(["accept", "reject", "custom", "change", "withdraw"]),
        granted=granted,
        denied=tuple(c for c in CATEGORIES if c not in granted),
    )


def test_concurrent_writers_on_two_instances_roll_up_exactly(url: str) -> None:
    """Two group-commit logs (two instances), four threads each; visitors decide again and again."""
    first = GroupCommitLog(url)
    first.create_schema()
    second = GroupCommitLog(url)
    logs = [with_rollups(first), with_rollups(second)]
    rng = random.Random(24)
    decisions = [visit(n, rng) for n in range(400)]
    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda n: logs[n % 2].append(decisions[n]), range(len(decisions))))
        expected = counted_from_rows(first.engine, "tokodemo", JAKARTA)
        assert len(expected) >= 3
        assert rolled_up(first.engine, "tokodemo") == expected
    finally:
        first.dispose()
        second.dispose()


def test_a_visitor_deciding_twice_in_one_batch_and_out_of_order_counts_once(url: str) -> None:
    log = ConsentLog(url)
    log.create_schema()
    with_rollups(log)
    same = "visitor-0001-abcdefghijkl"
    noon = datetime(2026, 11, 2, 5, tzinfo=UTC)  # 12:00 in Jakarta
    batch = [
        decision(1, consent_id=same, recorded_at=noon, action="accept", granted=CATEGORIES),
        decision(2, consent_id=same, recorded_at=noon + timedelta(hours=1), granted=()),
        # logged after, but recorded the day before (a clock step): a visitor of that day
        decision(3, consent_id=same, recorded_at=noon - timedelta(days=1), granted=("analytics",)),
    ]
    with log.engine.begin() as conn:
        log.insert(conn, batch)
    # A later batch: the same visitor again, on the 2nd, granting functional.
    log.append(replace(batch[1], recorded_at=noon + timedelta(hours=2), granted=("functional",)))
    try:
        assert rolled_up(log.engine, "tokodemo") == counted_from_rows(
            log.engine, "tokodemo", JAKARTA
        )
        days = rolled_up(log.engine, "tokodemo")
        assert days[date(2026, 11, 2)][1:] == (1, {"functional": 1})
        assert days[date(2026, 11, 1)][1:] == (1, {"analytics": 1})
    finally:
        log.dispose()


def test_purge_keeps_the_rollups_and_the_leaves(url: str) -> None:
    """Roll-ups count decisions made: a purge (in many batches here) leaves them as they were."""
    log = ConsentLog(url)
    log.create_schema()
    with_rollups(log)
    rng = random.Random(7)
    for n in range(60):
        log.append(visit(n, rng))
    try:
        before = rolled_up(log.engine, "tokodemo")
        cut = START + timedelta(days=2)
        with log.engine.connect() as conn:
            doomed = conn.execute(
                sa.select(sa.func.count()).where(consent_log.c.recorded_at < cut)
            ).scalar_one()
            total = conn.execute(sa.select(sa.func.count()).select_from(consent_log)).scalar_one()
        removed = purge.purge_in_batches(log.engine, cut, datetime.now(UTC), batch=7)
        assert removed == doomed > 14  # several batches
        assert rolled_up(log.engine, "tokodemo") == before
        with log.engine.connect() as conn:
            left = conn.execute(sa.select(sa.func.count()).select_from(consent_log)).scalar_one()
            marked = conn.execute(
                sa.select(sa.func.count()).where(
                    log_nodes.c.level == 0, log_nodes.c.purged_at.is_not(None)
                )
            ).scalar_one()
        assert (left, marked) == (total - doomed, doomed)
    finally:
        log.dispose()


def test_rows_logged_before_the_rollups_are_counted_at_the_first_start(url: str) -> None:
    """Schema step 6 then the start: rows seeded without roll-ups are counted in the site's zone."""
    log = ConsentLog(url)
    log.create_schema()
    rng = random.Random(3)
    seed(log, 300, chunk=64, make=lambda n: visit(n, rng))
    try:
        with_rollups(log)
        assert rolled_up(log.engine, "tokodemo") == counted_from_rows(
            log.engine, "tokodemo", JAKARTA
        )
        # A new zone in the config: the next start counts again in it.
        tokyo = Rollups({"tokodemo": "Asia/Tokyo"})
        with log.engine.begin() as conn:
            assert ensure(conn, tokyo) == ["tokodemo"]
            assert ensure(conn, tokyo) == []  # up to date: nothing to do
            zone = conn.execute(sa.select(rollup_zones.c.zone)).scalar_one()
        assert zone == "Asia/Tokyo"
        # This log's companion was made with Jakarta (an instance started before the
        # change): it counts in the zone stored.
        for n in range(300, 320):
            log.append(visit(n, rng))
        assert rolled_up(log.engine, "tokodemo") == counted_from_rows(
            log.engine, "tokodemo", "Asia/Tokyo"
        )
    finally:
        log.dispose()


def test_schema_step_6_counts_an_older_database_at_its_first_start(url: str) -> None:
    """A database of schema 5 (no roll-up tables) with rows of a configured and another site."""
    log = ConsentLog(url)
    log.create_schema()
    rng = random.Random(5)
    seed(log, 120, chunk=50, make=lambda n: visit(n, rng))
    seed(log, 10, start=500, make=lambda n: decision(n, site="other"))
    with log.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE rollup_days"))
        conn.execute(sa.text("DROP TABLE rollup_zones"))
        conn.execute(sa.text("UPDATE banner_schema SET version = 5"))
    log.dispose()
    config = make_config(url)
    app = create_app(config)
    started: ConsentLog = app.extensions["banner"].log
    try:
        assert started.schema_version() == SCHEMA_VERSION == 6
        zone = config.sites["tokodemo"].timezone
        for site, counted_in in (("tokodemo", zone), ("other", "UTC")):
            assert rolled_up(started.engine, site) == counted_from_rows(
                started.engine, site, counted_in
            )
        assert rolled_up(started.engine, "tokodemo")
    finally:
        started.dispose()
