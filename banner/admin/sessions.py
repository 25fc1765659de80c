"""Dashboard sessions in the database: opened at login, ended at logout or after a time.

Rows hold the SHA-256 of the session id (never the id), the account, its
password stamp at login, when the session opened and when it was last used.
A session is valid while it is younger than ``LIFETIME_SECONDS`` and was used
within ``IDLE_SECONDS`` (:mod:`banner.admin.session`); expired rows are
removed at the next login.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from banner.admin.accounts import Account
from banner.admin.session import IDLE_SECONDS, LIFETIME_SECONDS, new_session_id, session_hash
from banner.log.schema import admin_sessions
from banner.log.store import ConsentLog, as_utc, translate_error

#: A session's last use is written at most this often (not on every page view).
TOUCH_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Session:
    """A valid session: its hash, account, password stamp and last use."""

    key: str
    user_id: int
    stamp: str
    seen_at: datetime


def _write(log: ConsentLog, statement: sa.Executable) -> int:
    try:
        with log.engine.begin() as conn:
            return int(conn.execute(statement).rowcount)
    except SQLAlchemyError as exc:
        raise translate_error(exc) from exc


def open_session(log: ConsentLog, account: Account, now: datetime | None = None) -> str:
    """Store a new session for ``account``; return its id (for the cookie only)."""
    moment = now or datetime.now(UTC)
    session_id = new_session_id()
    _write(log, admin_sessions.delete().where(_expired(moment)))
    values = {
        "session_hash": session_hash(session_id),
        "user_id": account.user_id,
        "stamp": account.stamp,
        "created_at": moment,
        "seen_at": moment,
    }
    _write(log, admin_sessions.insert().values(**values))
    return session_id


def _expired(moment: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(
        admin_sessions.c.created_at < moment - timedelta(seconds=LIFETIME_SECONDS),
        admin_sessions.c.seen_at < moment - timedelta(seconds=IDLE_SECONDS),
    )


def find_session(log: ConsentLog, session_id: str, now: datetime | None = None) -> Session | None:
    """The session of ``session_id`` while it is valid, else ``None``."""
    moment = now or datetime.now(UTC)
    query = sa.select(admin_sessions).where(
        admin_sessions.c.session_hash == session_hash(session_id)
    )
    try:
        with log.engine.connect() as conn:
            row = conn.execute(query).first()
    except SQLAlchemyError as exc:
        raise translate_error(exc) from exc
    if row is None:
        return None
    created, seen = as_utc(row.created_at), as_utc(row.seen_at)
    if moment - created > timedelta(seconds=LIFETIME_SECONDS):
        return None
    if not timedelta(0) <= moment - seen <= timedelta(seconds=IDLE_SECONDS):
        return None
    return Session(str(row.session_hash), int(row.user_id), str(row.stamp), seen)


def touch(log: ConsentLog, session: Session, now: datetime | None = None) -> None:
    """Note a use of ``session`` (its idle time starts again), at most every minute."""
    moment = now or datetime.now(UTC)
    if moment - session.seen_at < timedelta(seconds=TOUCH_SECONDS):
        return
    where = admin_sessions.c.session_hash == session.key
    _write(log, admin_sessions.update().where(where).values(seen_at=moment))


def end_session(log: ConsentLog, session: Session) -> None:
    """Log out: the row goes, so every copy of the cookie stops working."""
    _write(log, admin_sessions.delete().where(admin_sessions.c.session_hash == session.key))


def end_sessions_of(log: ConsentLog, user_id: int) -> int:
    """End every session of an account (deleted, or its password changed)."""
    return _write(log, admin_sessions.delete().where(admin_sessions.c.user_id == user_id))
