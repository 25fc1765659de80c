"""Group commit: decisions of concurrent requests share one transaction and one fsync.

A durable commit costs an fsync (SQLite) or a flush of the WAL (PostgreSQL),
and with one commit per decision that is where a worker's time goes. Here a
writer thread per process takes the decisions that have arrived (waiting at
most :data:`WINDOW_SECONDS` after the first, or until :data:`MAX_BATCH`),
writes them in one transaction and commits once. Each request thread waits on
its own entry and is answered only after the commit that holds its row.

A batch first takes the write locks of its sites (on PostgreSQL the
numbering row each decision's index comes from, held to the commit; SQLite's
``BEGIN IMMEDIATE``), then adds the decisions of those sites that arrived
while it waited for them: while another process's batch of the site commits,
this one's decisions gather and then share a single commit, instead of one
commit waiting for the other for each part. Entries of other sites taken
from the queue meanwhile go first into the next batch.

Inside a batch, entries are handled in arrival order, each against the latest
row of its consent id read under the write's lock *and* the entries before it
in the same batch, so the rules of :meth:`ConsentLog.append` hold as they do
one by one: a retry writes nothing, two decisions for one id keep their
order, and ``retry`` or ``amend`` may raise to refuse one entry (nothing of it is written,
only its request sees the error) while the rest commit. When the batch's
transaction fails, every entry of it gets :class:`StoreUnavailable` and
nothing of it is stored.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import os
import queue
import threading
import time
import weakref
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from banner.log import tree
from banner.log.direct import Direct, InList
from banner.log.rows import decision_of
from banner.log.schema import consent_log
from banner.log.store import (
    ConsentLog,
    Decision,
    StoreUnavailable,
    _same_choice,
    translate_error,
)

#: How long the writer waits for more decisions after the first of a batch.
WINDOW_SECONDS = 0.002
#: The most decisions committed together.
MAX_BATCH = 64
#: An idle writer thread ends after this long; the next decision starts another.
IDLE_SECONDS = 5.0
#: A request waits at most this long for its commit, then answers 503 (the
#: client retries; a retry of a decision committed late writes nothing).
WAIT_SECONDS = 30.0

Amend = Callable[[Decision | None], Decision]
Retry = Callable[[Decision], None]
_Key = tuple[str, str]


class Done:
    """A one-shot signal: set once by the writer, waited for by the request's thread.

    What :class:`threading.Event` does for this use, on a bare lock held until
    :meth:`set` (an event builds a condition per entry, and its ``wait`` and
    ``set`` run the condition's Python code on every decision).
    """

    __slots__ = ("_held", "_is_set")

    def __init__(self) -> None:
        self._held = threading.Lock()
        self._held.acquire()
        self._is_set = False

    def set(self) -> None:
        """Wake every waiter, now and later (only the writer thread sets)."""
        if not self._is_set:
            self._is_set = True
            self._held.release()

    def is_set(self) -> bool:
        return self._is_set

    def wait(self, timeout: float) -> bool:
        """True once set; False when ``timeout`` seconds passed first."""
        if self._is_set:
            return True
        if not self._held.acquire(timeout=timeout):
            return False
        self._held.release()  # for any other waiter, and a later wait
        return True


@dataclass(slots=True)
class Entry:
    """One decision waiting for its commit, and what its request gets back."""

    decision: Decision
    fresh: bool
    amend: Amend | None
    retry: Retry | None = None
    done: Done = field(default_factory=Done)
    stored: Decision | None = None
    error: BaseException | None = None
    #: Whether this entry adds a row (not a retry, not refused).
    writes: bool = False

    @property
    def key(self) -> _Key:
        return (self.decision.consent_id, self.decision.site)

    def outcome(self) -> Decision:
        if not self.done.wait(WAIT_SECONDS):
            raise StoreUnavailable("database busy", retry_after=2)
        if self.error is not None:
            raise self.error
        assert self.stored is not None
        return self.stored


class GroupCommitLog(ConsentLog):
    """A :class:`ConsentLog` whose :meth:`append` commits in batches.

    :param url: as for :class:`ConsentLog`.
    :param window: seconds to wait for more decisions after the first one
        (default :data:`WINDOW_SECONDS`).
    :param max_batch: the most decisions per transaction.
    """

    def __init__(self, url: str, window: float | None = None, max_batch: int = MAX_BATCH) -> None:
        super().__init__(url)
        self.window = WINDOW_SECONDS if window is None else window
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[Entry] = queue.SimpleQueue()
        #: entries taken from the queue for another site's batch: the next batch's first
        self._carried: collections.deque[Entry] = collections.deque()
        self._writer: threading.Thread | None = None
        self._pid = os.getpid()
        _open_logs.add(self)

    def append(
        self,
        decision: Decision,
        fresh: bool = False,
        amend: Amend | None = None,
        retry: Retry | None = None,
    ) -> Decision:
        """Queue ``decision`` for the next batch and wait for its commit.

        Same contract as :meth:`ConsentLog.append`.

        :raises StoreUnavailable: when its batch could not be committed.
        """
        entry = Entry(decision, fresh, amend, retry)
        with self._lock:
            self._ensure_writer()
            self._queue.put(entry)
        return entry.outcome()

    def _ensure_writer(self) -> None:
        if self._pid != os.getpid():  # forked: the parent's thread and queue are not ours
            self._pid, self._queue, self._writer = os.getpid(), queue.SimpleQueue(), None
            self._carried = collections.deque()
        if self._writer is None or not self._writer.is_alive():
            self._writer = threading.Thread(target=self._run, name="banner-group-commit")
            self._writer.daemon = True
            self._writer.start()

    def _run(self) -> None:
        """The writer: one connection while it runs, opened again after a failed batch."""
        held: list[sa.Connection] = []
        try:
            while True:
                try:
                    first = self._next(IDLE_SECONDS)
                except queue.Empty:
                    with self._lock:
                        if self._queue.empty() and not self._carried:
                            self._writer = None
                            return
                    continue
                if first is _STOP:
                    self.commit_batch(self._drain(), held)
                    return
                batch, stop = self._gather(first)
                self.commit_batch(batch, held)
                if stop:
                    return
        finally:
            for conn in held:
                conn.close()

    def _gather(self, first: Entry) -> tuple[list[Entry], bool]:
        batch = [first]
        deadline = time.monotonic() + self.window
        while len(batch) < self.max_batch:
            try:
                entry = self._next(max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if entry is _STOP:
                return batch + self._drain(), True
            batch.append(entry)
        return batch, False

    def _next(self, timeout: float) -> Entry:
        """The oldest waiting entry, a carried one first; :class:`queue.Empty` after ``timeout``."""
        if self._carried:
            return self._carried.popleft()
        return self._queue.get(timeout=timeout)

    def _join(self, batch: list[Entry], sites: set[str]) -> list[Entry]:
        """Entries of ``sites`` that arrived meanwhile, up to the batch's size; others wait."""
        joined: list[Entry] = []
        while len(batch) + len(joined) < self.max_batch:
            try:
                entry = self._queue.get_nowait()
            except queue.Empty:
                break
            if entry is not _STOP and entry.decision.site in sites:
                joined.append(entry)
            else:  # the next batch's, in arrival order (a stop ends the joining)
                self._carried.append(entry)
                if entry is _STOP:
                    break
        return joined

    def _drain(self) -> list[Entry]:
        rest = [e for e in self._carried if e is not _STOP]
        self._carried.clear()
        while True:
            try:
                entry = self._queue.get_nowait()
            except queue.Empty:
                return rest
            if entry is not _STOP:
                rest.append(entry)

    def commit_batch(self, batch: list[Entry], held: list[sa.Connection] | None = None) -> None:
        """Write ``batch`` in one transaction and answer each entry.

        :param held: the writer's connection, kept from batch to batch (a pool
            check-out and its reset cost as much as a statement): empty, one is
            opened into it; after a failure it is closed and taken out.
        """
        if not batch:
            return
        prepared = tree.prepare(e.decision for e in batch)  # JSON work before the lock
        try:
            with self._writing(held) as conn:
                sites = {e.decision.site for e in batch}
                tree.lock_sites(conn, sites)
                joined = self._join(batch, sites)
                batch.extend(joined)  # answered with the batch, whatever happens
                prepared.update(tree.prepare(e.decision for e in joined))
                latest = self._latest_of(conn, batch)
                # what was read, before settling adds the batch's own
                before = {e.key: latest.get(e.key) for e in batch if not e.fresh}
                written = [e.decision for e in batch if _settle(e, latest)]
                self.insert(conn, written, prepared, before)
        except SQLAlchemyError as exc:
            _drop(held)
            _fail(batch, translate_error(exc))
        except Exception as exc:  # a failure of the batch itself: nobody is acknowledged
            _drop(held)
            _fail(batch, StoreUnavailable(f"batch failed: {type(exc).__name__}"))
        else:
            for entry in batch:
                entry.done.set()
            self.appended({e.decision.site for e in batch if e.writes})

    @contextlib.contextmanager
    def _writing(self, held: list[sa.Connection] | None) -> Iterator[sa.Connection]:
        """A transaction on the held connection (opened if there is none), or on the pool's."""
        if held is None:
            with self.engine.begin() as conn:
                yield conn
            return
        if not held:
            held.append(self.engine.connect())
        with held[0].begin():
            yield held[0]

    def _latest_of(self, conn: sa.Connection, batch: list[Entry]) -> dict[_Key, Decision]:
        """The newest row of every consent id of ``batch``, read under the write's lock."""
        ids = sorted({e.decision.consent_id for e in batch if not e.fresh})
        if not ids:
            return {}
        if self.is_postgres:
            # One advisory lock per consent id, taken in a fixed order so two
            # instances' batches cannot deadlock (SQLite's BEGIN IMMEDIATE
            # already serialises writers).
            keys = sorted({zlib.crc32(i.encode()) - 2**31 for i in ids})
            _PG_LOCKS.run(conn, {"keys": keys})
        found: dict[_Key, Decision] = {}
        for row in _LATEST.mappings_direct(conn, ids):
            stored = decision_of(row)
            found[(stored.consent_id, stored.site)] = stored
        return found

    def close(self) -> None:
        """Commit what is queued and stop the writer (waits for it)."""
        with self._lock:
            writer = self._writer if self._pid == os.getpid() else None
            if writer is not None and writer.is_alive():
                self._queue.put(_STOP)
        if writer is not None:
            writer.join(WAIT_SECONDS)
        with self._lock:
            self._writer = None

    def dispose(self) -> None:
        self.close()
        super().dispose()


def _settle(entry: Entry, latest: dict[_Key, Decision]) -> bool:
    """Decide ``entry`` against the rows before it; True when it adds a row."""
    previous = None if entry.fresh else latest.get(entry.key)
    try:  # a refusal by ``retry`` or ``amend`` is this entry's only; the batch goes on
        if previous is not None and _same_choice(previous, entry.decision):
            if entry.retry is not None:
                entry.retry(previous)
            entry.stored = previous
            return False
        decision = entry.decision if entry.amend is None else entry.amend(previous)
    except Exception as refusal:
        entry.error = refusal
        return False
    entry.decision = entry.stored = decision
    entry.writes = True
    latest[entry.key] = decision
    return True


def _drop(held: list[sa.Connection] | None) -> None:
    """Close the writer's connection after a failed batch: the next one opens another."""
    while held:
        with contextlib.suppress(SQLAlchemyError):  # already unusable: the pool lets it go
            held.pop().close()


def _fail(batch: list[Entry], error: StoreUnavailable) -> None:
    for entry in batch:
        if entry.error is None:  # a refused entry keeps its own refusal
            entry.error, entry.stored = error, None
        entry.done.set()


#: The newest row of each (consent id, site) of a batch's consent ids (built once
#: per number of ids). Only those rows are read and turned into decisions: a
#: consent id with a long history costs its batch no more than a new one.
_LATEST = InList(
    lambda ids: sa.select(consent_log).where(
        consent_log.c.row_id.in_(
            sa.select(sa.func.max(consent_log.c.row_id))
            .where(consent_log.c.consent_id.in_(ids))
            .group_by(consent_log.c.consent_id, consent_log.c.site)
            .correlate(None)
            .scalar_subquery()
        )
    ),
    "ids",
    consent_log.c.consent_id.type,
)

_PG_LOCKS = Direct(
    sa.text(
        "SELECT pg_advisory_xact_lock(k) FROM "
        "(SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY k) AS ordered"
    )
)

#: Tells a writer to commit what it holds and end.
_STOP: Any = Entry.__new__(Entry)

_open_logs: weakref.WeakSet[GroupCommitLog] = weakref.WeakSet()


@atexit.register
def _flush_all() -> None:
    """On a clean exit (a worker's graceful shutdown), queued decisions are committed."""
    for log in list(_open_logs):
        log.close()
