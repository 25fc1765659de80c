"""Subjects in the consent log: which consent ids a signed-in person decided on (issue 25).

A decision made with a subject token carries the subject's keyed hash
(:attr:`~banner.log.rows.Decision.subject`); :func:`link`, a companion of the
log, stores the link in the decision's own transaction, so a link exists
exactly when its decision does. The subject's current choice is its newest
decision on any linked consent id. Forgetting deletes the links and leaves the
decisions, the proof, under their consent ids.

Only the keyed hash is ever stored (:func:`banner.core.subject.subject_hash`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from banner.core.subject import SKEW_SECONDS, TOKEN_SECONDS
from banner.log.rows import Before, Decision, decision
from banner.log.schema import consent_log, subject_forgotten, subject_links

#: How long a forgotten subject is remembered: the life of a token it may have had.
TOMBSTONE = timedelta(seconds=TOKEN_SECONDS + 2 * SKEW_SECONDS)


def link(
    conn: sa.Connection, decisions: Sequence[Decision], rows: list[dict[str, Any]], before: Before
) -> None:
    """Companion: link each decision's consent id to its subject (one subject per id)."""
    del rows, before
    wanted = {(d.site, d.consent_id): d for d in decisions if d.subject}
    for (site, consent_id), made in wanted.items():
        put(conn, site, consent_id, made.subject, made.recorded_at)


def put(conn: sa.Connection, site: str, consent_id: str, subject: str, at: datetime) -> None:
    """Link ``consent_id`` to ``subject`` (instead of any subject it had)."""
    conn.execute(
        subject_links.delete()
        .where(subject_links.c.site == site)
        .where(subject_links.c.consent_id == consent_id)
    )
    conn.execute(
        subject_links.insert().values(
            site=site, consent_id=consent_id, subject=subject, linked_at=at
        )
    )


def subject_of(conn: sa.Connection, site: str, consent_id: str) -> str | None:
    """The keyed hash of the subject ``consent_id`` is linked to on ``site``, if any."""
    query = (
        sa.select(subject_links.c.subject)
        .where(subject_links.c.site == site)
        .where(subject_links.c.consent_id == consent_id)
    )
    found = conn.execute(query).scalar()
    return None if found is None else str(found)


@dataclass(frozen=True, slots=True)
class Newest:
    """A subject's newest decision and its place in the log (higher: later)."""

    decision: Decision
    row_id: int


def newest(conn: sa.Connection, site: str, subject: str) -> Newest | None:
    """The subject's current choice: its newest decision on any linked consent id."""
    query = (
        sa.select(consent_log)
        .join(
            subject_links,
            sa.and_(
                subject_links.c.site == consent_log.c.site,
                subject_links.c.consent_id == consent_log.c.consent_id,
            ),
        )
        .where(subject_links.c.site == site)
        .where(subject_links.c.subject == subject)
        .order_by(consent_log.c.row_id.desc())
        .limit(1)
    )
    row = conn.execute(query).first()
    return None if row is None else Newest(decision(row), int(row.row_id))


def latest_of(conn: sa.Connection, site: str, consent_id: str) -> Newest | None:
    """The newest decision of one consent id on ``site``."""
    query = (
        sa.select(consent_log)
        .where(consent_log.c.consent_id == consent_id)
        .where(consent_log.c.site == site)
        .order_by(consent_log.c.row_id.desc())
        .limit(1)
    )
    row = conn.execute(query).first()
    return None if row is None else Newest(decision(row), int(row.row_id))


def forgotten_at(conn: sa.Connection, site: str, subject: str) -> int | None:
    """Unix seconds when the subject was last forgotten, within a token's life."""
    query = (
        sa.select(subject_forgotten.c.forgotten_at)
        .where(subject_forgotten.c.site == site)
        .where(subject_forgotten.c.subject == subject)
    )
    found = conn.execute(query).scalar()
    if found is None:
        return None
    stamp = found if found.tzinfo else found.replace(tzinfo=UTC)
    return int(stamp.timestamp())


def forget(conn: sa.Connection, site: str, subject: str, now: datetime) -> int:
    """Delete the subject's links; returns how many consent ids were unlinked.

    Remembers the subject (its hash) for a token's life, so a token issued
    before now links nothing again; older such marks are dropped.
    """
    gone = conn.execute(
        subject_links.delete()
        .where(subject_links.c.site == site)
        .where(subject_links.c.subject == subject)
    ).rowcount
    conn.execute(
        subject_forgotten.delete().where(subject_forgotten.c.forgotten_at < now - TOMBSTONE)
    )
    conn.execute(
        subject_forgotten.delete()
        .where(subject_forgotten.c.site == site)
        .where(subject_forgotten.c.subject == subject)
    )
    conn.execute(subject_forgotten.insert().values(site=site, subject=subject, forgotten_at=now))
    return int(gone or 0)
