"""Signed tree heads: what the log commits to, signed with the log key.

A head is ``{"site", "tree_size", "root_hash", "timestamp"}`` in canonical JSON
(:func:`banner.log.tree.canonical_bytes`), signed with Ed25519; the signature
is standard base64. Heads are stored (``log_heads``, one per site and size):

- after a commit, when the site's last head is 60 s old or more, else by a
  timer at most 60 s after it, so a head follows every decision within a
  minute while decisions arrive;
- at every purge, at start-up for a tree that has grown without one (the
  migration), and on demand (a proof of a decision no head covers yet).

Making one builds the tree from the leaves numbered since the last head
(:func:`banner.log.tree.build`), then reads the site's frontier: no work
proportional to the whole log.
Two instances making a head of the same size store the first one; both then
serve that one, so their heads agree.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from banner.log import merkle, tree
from banner.log.schema import log_heads
from banner.log.signing import LogKey, insert_missing, signature_valid

#: The longest a decision waits for a head while decisions arrive.
HEAD_INTERVAL = 60.0
#: How long closing waits for a head being made (building a big tree's tail).
CLOSE_SECONDS = 30.0

logger = logging.getLogger("banner")


@dataclass(frozen=True, slots=True)
class SignedHead:
    """One signed tree head."""

    site: str
    tree_size: int
    root_hash: str
    timestamp: str
    signature: str
    key_id: str

    def body(self) -> dict[str, Any]:
        """The signed object."""
        return {
            "site": self.site,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "timestamp": self.timestamp,
        }

    def signed_bytes(self) -> bytes:
        return tree.canonical_bytes(self.body())

    def as_json(self) -> dict[str, Any]:
        """The head with its ``signature`` and ``key_id``."""
        return {**self.body(), "signature": self.signature, "key_id": self.key_id}

    def verifies(self, public_raw: bytes) -> bool:
        """Whether the signature is ``public_raw``'s over the head."""
        return signature_valid(public_raw, self.signed_bytes(), self.signature)

    @classmethod
    def from_json(cls, data: object) -> SignedHead:
        """A head read back from JSON; :class:`ValueError` names the first bad field."""
        if not isinstance(data, Mapping):
            raise ValueError("a signed head is a JSON object")
        kinds = {"site": str, "tree_size": int, "root_hash": str, "timestamp": str}
        kinds |= {"signature": str, "key_id": str}
        for name, kind in kinds.items():
            value = data.get(name)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise ValueError(f"{name}: missing or not a {kind.__name__}")
        return cls(**{name: data[name] for name in kinds})

    @classmethod
    def of_row(cls, row: sa.Row[Any]) -> SignedHead:
        values = dict(row._mapping)
        return cls(**{**values, "tree_size": int(values["tree_size"])})


def rfc3339(moment: float) -> str:
    """``2026-12-06T16:12:44Z``: RFC 3339, UTC, to the second."""
    return datetime.fromtimestamp(int(moment), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sign_head(key: LogKey, site: str, size: int, root_hash: bytes, moment: float) -> SignedHead:
    unsigned = SignedHead(site, size, root_hash.hex(), rfc3339(moment), "", key.key_id)
    return SignedHead(**{**unsigned.as_json(), "signature": key.sign(unsigned.signed_bytes())})


def newest(conn: sa.Connection, site: str) -> SignedHead | None:
    """The site's head of the largest tree."""
    query = (
        sa.select(log_heads)
        .where(log_heads.c.site == site)
        .order_by(log_heads.c.tree_size.desc())
        .limit(1)
    )
    row = conn.execute(query).first()
    return None if row is None else SignedHead.of_row(row)


def at_size(conn: sa.Connection, site: str, size: int) -> SignedHead | None:
    """The site's head of the tree of ``size`` leaves, if one was signed."""
    query = sa.select(log_heads).where(log_heads.c.site == site, log_heads.c.tree_size == size)
    row = conn.execute(query).first()
    return None if row is None else SignedHead.of_row(row)


def every(conn: sa.Connection, site: str) -> list[SignedHead]:
    """Every head of ``site``, smallest tree first."""
    query = sa.select(log_heads).where(log_heads.c.site == site).order_by(log_heads.c.tree_size)
    return [SignedHead.of_row(row) for row in conn.execute(query)]


class HeadKeeper:
    """Makes and serves the signed heads of every site of one database.

    :param clock: seconds since the epoch (for timestamps and the interval).
    """

    def __init__(
        self,
        engine: Engine,
        key: LogKey,
        clock: Callable[[], float] = time.time,
        interval: float = HEAD_INTERVAL,
    ) -> None:
        self.engine, self.key, self.clock, self.interval = engine, key, clock, interval
        self._lock = threading.Lock()
        self._made: dict[str, float] = {}
        self._timers: dict[str, threading.Timer] = {}
        self._making: set[threading.Thread] = set()
        self._closed = False

    def make(self, site: str) -> SignedHead:
        """A head of the site's whole tree (the stored one when its size has one).

        The tree is built up to the decisions numbered so far first, a chunk
        per transaction, so writers wait for one chunk at most (SQLite).
        """
        tree.catch_up(self.engine, site)
        with self.engine.begin() as conn:
            size, frontier = tree.read_state(conn, site)
            found = at_size(conn, site, size)
            if found is None:
                head = sign_head(self.key, site, size, merkle.root(frontier), self.clock())
                conn.execute(insert_missing(conn, log_heads).values(**head.as_json()))
        with self.engine.connect() as conn:
            stored = found or at_size(conn, site, size)
        with self._lock:
            self._made[site] = self.clock()
        assert stored is not None
        return stored

    def newest(self, site: str) -> SignedHead | None:
        with self.engine.connect() as conn:
            return newest(conn, site)

    def covering(self, site: str, size: int) -> SignedHead:
        """The newest head when it covers ``size`` leaves, else a new one (on demand)."""
        found = self.newest(site)
        return found if found is not None and found.tree_size >= size else self.make(site)

    def cover_all(self) -> list[SignedHead]:
        """A head for every tree that has grown past its newest head (after a migration)."""
        with self.engine.connect() as conn:
            grown = [
                site
                for site in tree.sites(conn)
                if (newest(conn, site) or _NO_HEAD).tree_size < tree.numbered(conn, site)
            ]
        return [self.make(site) for site in grown]

    def note(self, sites: set[str]) -> None:
        """Sites got decisions: a head now when the last is old enough, else soon.

        Made on a timer's thread either way, never on the caller's (the group
        commit's writer): building the tree takes time proportional to the
        decisions since the last head.
        """
        now = self.clock()
        for site in sorted(sites):
            with self._lock:
                if self._closed or site in self._timers:
                    continue
                wait = max(0.0, self._made.get(site, -math.inf) + self.interval - now)
                self._timers[site] = timer = threading.Timer(wait, self._timed, (site,))
                timer.daemon = True
                timer.start()

    def _timed(self, site: str) -> None:
        me = threading.current_thread()
        with self._lock:
            self._timers.pop(site, None)
            if self._closed:
                return
            self._making.add(me)
        try:
            self._quietly(site)
        finally:
            with self._lock:
                self._making.discard(me)

    def _quietly(self, site: str) -> None:
        """A head, or one log line: the decisions are committed whatever happens here."""
        try:
            self.make(site)
        except Exception as exc:  # the next decision or timer tries again
            logger.warning("signed tree head of %s not made: %s", site, exc)

    def close(self, wait: float = CLOSE_SECONDS) -> None:
        """Stop the pending timers and wait up to ``wait`` s for a head being made.

        Called before the engine is disposed: a head still being made would
        otherwise take its connections back to a pool nobody closes (they
        stay open until the garbage collector finds them). No timer starts
        after this; the decisions are committed, and the next start covers
        them with a head.
        """
        with self._lock:
            self._closed = True
            timers, self._timers = list(self._timers.values()), {}
            making = list(self._making)
        for timer in timers:
            timer.cancel()
        deadline = time.monotonic() + wait
        for thread in making:
            thread.join(max(0.0, deadline - time.monotonic()))


_NO_HEAD = SignedHead("", -1, "", "", "", "")
