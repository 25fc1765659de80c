"""When each signing key was first seen: a SHA-256 fingerprint and a time, never the key.

The dashboard shows a key-rotation age (how long the signing key, the last of
``secret_keys``, has been in use). The service records each configured key's
fingerprint the first time it starts with it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from banner.admin.reading import reader
from banner.log.schema import signing_keys
from banner.log.store import ConsentLog, as_utc, translate_error


def fingerprint(key: str) -> str:
    """A key's fingerprint: SHA-256 under a label of its own, so it matches no other hash."""
    return hashlib.sha256(b"banner signing key\x00" + key.encode()).hexdigest()


def remember_keys(log: ConsentLog, keys: Sequence[str], now: datetime | None = None) -> None:
    """Record the first-seen time of every key not seen before.

    :raises banner.log.store.StoreUnavailable: when the database cannot be written.
    """
    stamp = now or datetime.now(UTC)
    for key in keys:
        try:
            with log.engine.begin() as conn:
                known = sa.select(signing_keys.c.fingerprint).where(
                    signing_keys.c.fingerprint == fingerprint(key)
                )
                if conn.execute(known).first() is None:
                    conn.execute(
                        signing_keys.insert(),
                        {"fingerprint": fingerprint(key), "first_seen": stamp},
                    )
        except IntegrityError:
            continue  # another instance starting at the same time recorded it
        except SQLAlchemyError as exc:
            raise translate_error(exc) from exc


def first_seen(log: ConsentLog, key: str) -> datetime | None:
    """When ``key`` was first seen, ``None`` if never."""
    query = sa.select(signing_keys.c.first_seen).where(
        signing_keys.c.fingerprint == fingerprint(key)
    )
    try:
        with reader(log).connect() as conn:
            found = conn.execute(query).scalar()
    except SQLAlchemyError as exc:
        raise translate_error(exc) from exc
    return None if found is None else as_utc(found)
