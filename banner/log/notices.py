"""The notice archive: every distinct notice a visitor was shown, stored once under its hash.

The consent log keeps only the SHA-256 of the notice with each decision
(``text_hash``). To prove later which words a visitor agreed to (UU PDP
Pasal 24), without the config and catalogs of that day, the notice document
itself is archived the first time a decision uses it. The stored text is the
canonical JSON the hash was taken over, so anyone can recompute the hash.

Archiving is an insert-if-missing (``ON CONFLICT DO NOTHING`` on SQLite and
PostgreSQL), done before the decision is appended, in its own short
transaction. Each process remembers the hashes it has archived, so a
decision whose notice is already stored costs no extra query; the memory is
refreshed every :data:`RECHECK_SECONDS`, which also puts back a notice that
``banner log purge`` removed while a worker still showed it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from banner.core.notice import canonical_json
from banner.log.schema import consent_log, notices
from banner.log.store import as_utc, translate_error

#: How long a process trusts that a notice it archived is still stored.
RECHECK_SECONDS = 300.0
#: Hashes remembered per process; distinct notices are few (sites x languages x versions).
KNOWN_LIMIT = 4096
#: Hashes read per query (well under every driver's parameter limit).
BATCH = 500


@dataclass(frozen=True, slots=True)
class ArchivedNotice:
    """One archived notice: its hash, when it was first used, and the document."""

    hash: str
    first_seen: datetime
    text: str

    @property
    def document(self) -> Any:
        """The document as stored (a JSON object, as :func:`notice_document` made it)."""
        return json.loads(self.text)

    def as_record(self) -> dict[str, Any]:
        """A JSON-ready dict (``first_seen`` in ISO 8601 UTC)."""
        return {
            "hash": self.hash,
            "first_seen": self.first_seen.astimezone(UTC).isoformat(),
            "document": self.document,
        }


class NoticeArchive:
    """The ``notices`` table of one consent database.

    :param engine: the consent log's engine.
    :param clock: monotonic seconds, for the memory of archived hashes.
    """

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.monotonic) -> None:
        self.engine = engine
        self._clock = clock
        self._known: dict[str, float] = {}
        self._lock = threading.Lock()

    def ensure(self, notice_hash: str, document: Mapping[str, Any]) -> None:
        """Store ``document`` under ``notice_hash`` unless it is already there.

        :raises banner.log.store.StoreUnavailable: when it could not be written.
        """
        seen = self._known.get(notice_hash)
        now = self._clock()
        if seen is not None and now - seen < RECHECK_SECONDS:
            return
        values = {
            "hash": notice_hash,
            "first_seen": datetime.now(UTC).replace(microsecond=0),
            "document": canonical_json(document),
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(_insert_if_missing(conn.dialect.name).values(values))
        except SQLAlchemyError as exc:
            raise translate_error(exc) from exc
        with self._lock:
            if len(self._known) >= KNOWN_LIMIT:
                self._known.clear()
            self._known[notice_hash] = now

    def get(self, notice_hash: str) -> ArchivedNotice | None:
        """The archived notice of ``notice_hash``, or ``None`` when it was never archived."""
        return self.many([notice_hash]).get(notice_hash)

    def many(self, hashes: Iterable[str]) -> dict[str, ArchivedNotice]:
        """The archived notices among ``hashes``, by hash (missing ones are left out)."""
        wanted = sorted(set(hashes))
        found: dict[str, ArchivedNotice] = {}
        try:
            with self.engine.connect() as conn:
                for start in range(0, len(wanted), BATCH):
                    query = sa.select(notices).where(
                        notices.c.hash.in_(wanted[start : start + BATCH])
                    )
                    for row in conn.execute(query):
                        found[row.hash] = ArchivedNotice(
                            row.hash, as_utc(row.first_seen), row.document
                        )
        except SQLAlchemyError as exc:
            raise translate_error(exc) from exc
        return found

    def purge_unreferenced(self, before: datetime) -> int:
        """Delete notices first used before ``before`` that no logged decision refers to.

        A notice archived just now, whose decision is still being appended,
        is younger than ``before`` and so is kept.

        :raises banner.log.store.StoreUnavailable: when the database refused.
        """
        referenced = sa.select(consent_log.c.text_hash).distinct()
        statement = notices.delete().where(
            notices.c.first_seen < before, notices.c.hash.not_in(referenced)
        )
        try:
            with self.engine.begin() as conn:
                return int(conn.execute(statement).rowcount)
        except SQLAlchemyError as exc:
            raise translate_error(exc) from exc


def _insert_if_missing(dialect: str) -> Any:
    """``INSERT ... ON CONFLICT (hash) DO NOTHING`` in the engine's dialect."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(notices).on_conflict_do_nothing(index_elements=[notices.c.hash])
