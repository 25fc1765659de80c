"""Sending the outbox's events: retries with backoff, one sender per event, in order.

A :class:`WebhookDelivery` runs in every instance of the service. Each round
it claims due events (:func:`banner.log.outbox.claim`), posts them a few at a
time (:func:`banner.log.webhook_post.post`) and settles each: delivered on a
2xx; else tried again after :func:`retry_delay`, and failed once
:data:`GIVE_UP_AFTER` has passed since its tries began. A new decision wakes
it at once; otherwise it looks every :data:`POLL` seconds.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from banner.core.config_model import BannerConfig
from banner.core.config_webhooks import Webhook
from banner.log import outbox
from banner.log.outbox import Claimed
from banner.log.webhook_post import TIMEOUT, Answer, post

logger = logging.getLogger("banner.webhooks")

FIRST_RETRY = 5.0
MAX_RETRY = 600.0
GIVE_UP_AFTER = timedelta(hours=24)
POLL = 2.0
#: events claimed per round, and sent at once
BATCH = 16
SENDERS = 4
#: seconds to let events gather after a round that was not full
GATHER = 0.05
#: delivered events are kept this long (``banner webhooks replay`` reaches back as far)
KEEP_DELIVERED = timedelta(days=30)
PRUNE_EVERY = 3600.0
#: how long a claimed event is ours: past the longest request, then anyone's
LEASE = timedelta(seconds=TIMEOUT + 5)

Sender = Callable[[str, bytes, str, str], Answer]
#: ``map`` or an executor's ``map``: applies the sending to each claimed event
Mapper = Callable[[Callable[[Claimed], "Outcome"], list[Claimed]], Iterable["Outcome"]]


def retry_delay(
    attempt: int,
    first: float = FIRST_RETRY,
    cap: float = MAX_RETRY,
    rng: Callable[[], float] = random.random,
) -> float:
    """Seconds before the retry that follows failed attempt number ``attempt`` (from 1).

    ``first`` doubled per attempt and capped at ``cap``, then jittered down by
    up to a half, so the first retry comes within ``first`` seconds and
    receivers coming back are not hit by every sender at once.
    """
    nominal = min(first * 2.0 ** min(max(attempt, 1) - 1, 60), cap)
    return nominal * (0.5 + 0.5 * rng())


class WebhookDelivery:
    """Sends the outbox of ``engine`` to the webhooks of the current config."""

    def __init__(
        self,
        engine: Engine,
        config: Callable[[], BannerConfig],
        *,
        send: Sender = post,
        poll: float = POLL,
    ) -> None:
        self.engine, self.config, self.send, self.poll = engine, config, send, poll
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start sending in a daemon thread (once; later calls do nothing)."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="banner-webhooks", daemon=True
                )
                self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None

    def note(self, sites: set[str]) -> None:
        """A commit stored decisions of ``sites``: look for their events now.

        Only when one of them has webhooks: the others' decisions wrote no
        event (the sender's poll still finds any left by a change of config).
        Waking the sender after every batch cost the writer's process a
        thread switch per commit for nothing on a site without webhooks.
        """
        configured = self.config().sites
        if any((site := configured.get(s)) is not None and site.webhooks for s in sites):
            self._wake.set()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=TIMEOUT + 2)

    def _run(self) -> None:
        pruned = 0.0
        with ThreadPoolExecutor(SENDERS, thread_name_prefix="banner-webhook") as pool:
            while not self._stop.is_set():
                try:
                    if time.monotonic() - pruned > PRUNE_EVERY:
                        pruned = time.monotonic()
                        self.prune()
                    busy = self.round(pool.map)
                except SQLAlchemyError as exc:  # the database is down: try again later
                    logger.warning("webhook delivery paused: %s", type(exc).__name__)
                    busy = 0
                if busy >= BATCH:
                    continue  # more may be due at once
                if busy:  # a few at a time under load: let a batch gather first
                    self._stop.wait(GATHER)
                    continue
                self._wake.wait(self.poll)
                self._wake.clear()

    def prune(self) -> int:
        """Forget delivered events older than :data:`KEEP_DELIVERED`."""
        with self.engine.begin() as conn:
            return outbox.prune(conn, datetime.now(UTC) - KEEP_DELIVERED)

    def round(self, each: Mapper = map) -> int:
        """Claim, send and settle one batch of due events; return how many were sent.

        The outcomes are settled together, in one transaction after the batch.
        """
        hooks = self._hooks()
        if not hooks:
            return 0
        with self.engine.begin() as conn:
            claimed = outbox.claim(conn, datetime.now(UTC), BATCH, LEASE)
        if not claimed:
            return 0

        def send(event: Claimed) -> Outcome:
            return self._outcome(event, hooks.get((event.site, event.webhook)))

        self._settle(list(each(send, claimed)))
        return len(claimed)

    def _hooks(self) -> dict[tuple[str, str], Webhook]:
        sites = self.config().sites.values()
        return {(site.id, hook.name): hook for site in sites for hook in site.webhooks}

    def _outcome(self, event: Claimed, hook: Webhook | None) -> Outcome:
        """Send ``event``; what to record: its new state, when to try again, what happened."""
        if hook is None:
            answer, final = Answer(False, "webhook no longer configured"), True
        elif event.body is None:
            answer, final = Answer(False, "decision no longer stored (purged)"), True
        else:
            answer, final = self.send(hook.url, event.body, hook.secret, event.event_id), False
        now = datetime.now(UTC)
        if answer.ok:
            return Outcome(event, answer.result, outbox.DELIVERED, None)
        if final or now >= event.tries_since + GIVE_UP_AFTER:
            return Outcome(event, answer.result, outbox.FAILED, None)
        delay = retry_delay(event.attempts + 1, self.config().webhook_first_retry)
        next_at = min(now + timedelta(seconds=delay), event.tries_since + GIVE_UP_AFTER)
        return Outcome(event, answer.result, outbox.PENDING, next_at)

    def _settle(self, outcomes: list[Outcome]) -> None:
        try:
            with self.engine.begin() as conn:
                for o in outcomes:
                    outbox.settle(conn, o.event, o.result, o.state, o.next_at)
        except SQLAlchemyError as exc:  # their leases run out and they are sent again
            logger.warning("%d webhook events not settled: %s", len(outcomes), type(exc).__name__)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One attempt's result, to be settled."""

    event: Claimed
    result: str
    state: str
    next_at: datetime | None
