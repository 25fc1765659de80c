"""In-process rate-limit counts that expire without a timer thread.

``limits``' ``memory://`` storage starts a ``threading.Timer`` (10 ms) on a hit
whenever the previous one has ended, so under load a worker starts a thread
for nearly every decision (the profile of ``POST /api/v1/consent``: 5-6% of
its busy time, and the largest part of Flask-Limiter's cost). Counts are
already expired when read (``get`` drops an expired key), so the timer only
frees memory; here that sweep runs at most every :data:`SWEEP_SECONDS`, in
the thread that counts a hit. Same counts, same refusals, no thread.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from limits.storage import MemoryStorage

#: The URL scheme banner gives Flask-Limiter for ``rate_limit_storage = "memory://"``.
SCHEME = "banner-memory"
#: How often expired keys are swept out of memory.
SWEEP_SECONDS = 10.0


class SweptMemoryStorage(MemoryStorage):
    """``memory://`` with the expiry sweep done inline, every :data:`SWEEP_SECONDS`."""

    STORAGE_SCHEME = [SCHEME]  # noqa: RUF012 (limits' registry reads this list)

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._swept_at = time.monotonic()
        self._sweeping = threading.Lock()

    # The parent's private hook (name-mangled), called on every counted hit.
    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now - self._swept_at < SWEEP_SECONDS or not self._sweeping.acquire(blocking=False):
            return
        try:
            self._swept_at = now
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]
        finally:
            self._sweeping.release()


def storage_uri(configured: str) -> str:
    """The URI to hand Flask-Limiter: ours for in-memory counts, else the configured one."""
    if configured.startswith("memory://"):
        return SCHEME + configured.removeprefix("memory")
    return configured
