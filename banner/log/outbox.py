"""The webhook outbox: one row per (decision, webhook that wants its event).

:class:`Outbox` is a companion of the consent log (``log.companions``): it runs
inside the transaction that stores the decisions, so an event exists exactly
when its decision does. The sender (:mod:`banner.log.webhook_delivery`) takes
due rows with :func:`claim` and settles them with :func:`settle`; the CLI and
the dashboard read and reset them with the functions at the end.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from banner.core.config_model import BannerConfig
from banner.core.config_webhooks import EVENT_OF_ACTION
from banner.log.rows import Before, Decision, as_utc
from banner.log.rows import decision as decision_of
from banner.log.schema import consent_log, webhook_outbox
from banner.log.subjects import subject_of

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
STATES = (PENDING, DELIVERED, FAILED)


class Outbox:
    """Writes the events of stored decisions; ``config`` gives the current config."""

    def __init__(self, config: Callable[[], BannerConfig]) -> None:
        self.config = config

    def __call__(
        self,
        conn: sa.Connection,
        decisions: Sequence[Decision],
        rows: list[dict[str, Any]],
        before: Before,
    ) -> None:
        del before
        sites = self.config().sites
        now = datetime.now(UTC)
        events = [
            _event(decision, row["log_index"], hook.name, now)
            for decision, row in zip(decisions, rows, strict=True)
            if (site := sites.get(decision.site)) is not None
            for hook in site.webhooks
            if EVENT_OF_ACTION.get(decision.action) in hook.events
        ]
        if events:
            conn.execute(webhook_outbox.insert(), events)


def _event(decision: Decision, log_index: int, webhook: str, now: datetime) -> dict[str, Any]:
    return {
        "event_id": secrets.token_hex(16),
        "site": decision.site,
        "webhook": webhook,
        "consent_id": decision.consent_id,
        "log_index": log_index,
        "event": EVENT_OF_ACTION[decision.action],
        "created_at": now,
        "tries_since": now,
        "state": PENDING,
        "attempts": 0,
        "next_at": now,
        "last_result": "",
    }


@dataclass(frozen=True, slots=True)
class Claimed:
    """An event taken for sending, with its body; settled under its ``lease``."""

    site: str
    log_index: int
    webhook: str
    event_id: str
    tries_since: datetime
    attempts: int
    lease: str
    #: the JSON body to send, or ``None`` when the decision is gone (purged)
    body: bytes | None


def claim(conn: sa.Connection, now: datetime, limit: int, lease_for: timedelta) -> list[Claimed]:
    """Take up to ``limit`` due events, each the oldest unsent of its consent id.

    On PostgreSQL the rows are locked ``FOR UPDATE SKIP LOCKED`` while the
    lease is written, so two instances never take one event; SQLite's
    ``BEGIN IMMEDIATE`` serialises the writers anyway. An event with an
    earlier pending one for the same (site, webhook, consent id) waits.
    """
    o, earlier, log = webhook_outbox, webhook_outbox.alias("earlier"), consent_log
    # the consent id's earlier decisions come from consent_log's consent-id index
    # (no site term: a planner would prefer a range over the site's whole log)
    before = sa.select(log.c.log_index).where(log.c.consent_id == o.c.consent_id)
    before = before.where(log.c.log_index < o.c.log_index).correlate_except(log)
    blocked = (
        sa.select(earlier.c.log_index)
        .where(earlier.c.site == o.c.site, earlier.c.webhook == o.c.webhook)
        .where(earlier.c.log_index.in_(before), earlier.c.state == PENDING)
        .correlate_except(earlier)
    )
    due = (
        sa.select(o)
        # a literal, so both databases use the partial index of waiting events
        .where(o.c.state == sa.literal_column(f"'{PENDING}'"), o.c.next_at <= now)
        .where(sa.or_(o.c.lease_until.is_(None), o.c.lease_until < now))
        .where(~sa.exists(blocked))
        .order_by(o.c.next_at)
        .limit(limit)
        .with_for_update(skip_locked=True, of=o)
    )
    rows = list(conn.execute(due))
    if not rows:
        return []
    lease = secrets.token_hex(16)
    keys = [(r.site, r.log_index, r.webhook) for r in rows]
    taken = o.update().where(sa.tuple_(o.c.site, o.c.log_index, o.c.webhook).in_(keys))
    conn.execute(taken.values(lease=lease, lease_until=now + lease_for))
    stored = _decisions(conn, rows)
    return [_claimed(conn, row, lease, stored.get((row.site, row.log_index))) for row in rows]


def _decisions(conn: sa.Connection, rows: list[sa.Row[Any]]) -> dict[tuple[str, int], Decision]:
    """The stored decisions of ``rows``' events, by (site, log index), in one query."""
    pairs = sorted({(r.site, r.log_index) for r in rows})
    key = sa.tuple_(consent_log.c.site, consent_log.c.log_index)
    found = conn.execute(sa.select(consent_log).where(key.in_(pairs)))
    return {(r.site, r.log_index): decision_of(r) for r in found}


def _claimed(conn: sa.Connection, row: sa.Row[Any], lease: str, stored: Decision | None) -> Claimed:
    return Claimed(
        site=row.site,
        log_index=row.log_index,
        webhook=row.webhook,
        event_id=row.event_id,
        tries_since=as_utc(row.tries_since),
        attempts=row.attempts,
        lease=lease,
        body=None if stored is None else _body(conn, row, stored),
    )


def _body(conn: sa.Connection, row: sa.Row[Any], stored: Decision) -> bytes:
    """The decision's export object without the IP, with ``subject``, ``event_id``, ``event``."""
    record = stored.as_record()
    del record["ip_masked"]
    subject = subject_of(conn, row.site, row.consent_id)
    if subject is not None:
        record["subject"] = subject
    record["event_id"], record["event"] = row.event_id, row.event
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()


def settle(
    conn: sa.Connection, event: Claimed, result: str, state: str, next_at: datetime | None
) -> bool:
    """Record one attempt's outcome, if ``event`` is still ours; True when it was."""
    o = webhook_outbox
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "state": state,
        "attempts": event.attempts + 1,
        "last_result": result[:200],
        "lease": None,
        "lease_until": None,
    }
    if next_at is not None:
        values["next_at"] = next_at
    if state != PENDING:
        values["done_at"] = now
    query = o.update().where(o.c.site == event.site, o.c.log_index == event.log_index)
    query = query.where(o.c.webhook == event.webhook, o.c.lease == event.lease)
    return bool(conn.execute(query.values(**values)).rowcount)


def counts(conn: sa.Connection, sites: Sequence[str] | None = None) -> dict[str, dict[str, int]]:
    """Per site: how many events are pending, delivered and failed."""
    o = webhook_outbox
    query = sa.select(o.c.site, o.c.state, sa.func.count()).group_by(o.c.site, o.c.state)
    if sites is not None:
        query = query.where(o.c.site.in_(list(sites)))
    found: dict[str, dict[str, int]] = {}
    for site, state, number in conn.execute(query):
        found.setdefault(site, dict.fromkeys(STATES, 0))[state] = int(number)
    return found


def retry_failed(conn: sa.Connection, site: str | None = None) -> int:
    """Make every failed event (of ``site``) pending again, due now; return how many."""
    return _reset(conn, webhook_outbox.c.state == FAILED, site)


def replay(conn: sa.Connection, since: datetime, site: str | None = None) -> int:
    """Send again every event created since ``since`` (same event ids); return how many."""
    o = webhook_outbox
    return _reset(conn, sa.and_(o.c.created_at >= since, o.c.state != PENDING), site)


def _reset(conn: sa.Connection, which: Any, site: str | None) -> int:
    o = webhook_outbox
    query = o.update().where(which)
    if site is not None:
        query = query.where(o.c.site == site)
    now = datetime.now(UTC)
    values = {"state": PENDING, "next_at": now, "tries_since": now, "done_at": None}
    return int(conn.execute(query.values(**values)).rowcount)


def prune(conn: sa.Connection, before: datetime) -> int:
    """Forget delivered events settled before ``before``; return how many went."""
    o = webhook_outbox
    query = o.delete().where(o.c.state == DELIVERED, o.c.done_at < before)
    return int(conn.execute(query).rowcount)


def listed(conn: sa.Connection, site: str | None, state: str | None, limit: int) -> list[Any]:
    """The newest events (of ``site``, in ``state``), newest first."""
    o = webhook_outbox
    query = sa.select(o).order_by(o.c.created_at.desc(), o.c.log_index.desc()).limit(limit)
    if site is not None:
        query = query.where(o.c.site == site)
    if state is not None:
        query = query.where(o.c.state == state)
    return list(conn.execute(query))
