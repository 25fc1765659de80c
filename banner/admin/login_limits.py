"""How many logins may be tried: per masked network and per account, counted before checking.

An attempt is counted *before* its password is checked, with one atomic
increment in the service's limiter storage (memory, or Redis across
instances), so 30 concurrent wrong passwords get at most
:data:`NETWORK_LIMIT` checks, never more (issue 26: a test-then-hit let 12
through). A right password gives its count back, so operators logging in
are never locked out by their own logins. Beside the per-network limit, a
per-account limit stops an attacker spreading guesses over many networks.

Each limit is a sliding window: the attempts of the window before are
weighed by how much of it still falls within the last ``seconds``. A fixed
window would let an attacker try twice the limit across a window's edge
(and made a test of the account limit fail when its ten attempts crossed a
quarter hour).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from limits.storage import Storage


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``count`` attempts in any ``seconds`` (a sliding-window counter)."""

    name: str
    count: int
    seconds: int


#: Per masked client network (IPv4 /24, IPv6 /48).
NETWORK_LIMIT = Limit("admin-login", 5, 5 * 60)
#: Per account name, from anywhere.
ACCOUNT_LIMIT = Limit("admin-login-account", 10, 15 * 60)


@dataclass(frozen=True, slots=True)
class Attempt:
    """The counters one attempt was counted in (to give back on success)."""

    keys: tuple[tuple[str, int], ...]


class LoginLimits:
    """Counts attempts in ``storage``; ``clock`` gives Unix seconds."""

    def __init__(self, storage: Storage, clock: Callable[[], float] = time.time) -> None:
        self.storage = storage
        self.clock = clock

    def _keys(self, limit: Limit, who: str) -> tuple[str, str, float]:
        """The current and the previous window's keys, and how much of the previous still counts."""
        window, into = divmod(self.clock(), limit.seconds)
        current = int(window)
        weight = 1.0 - into / limit.seconds
        return f"{limit.name}|{current}|{who}", f"{limit.name}|{current - 1}|{who}", weight

    def count(self, network: str, account: str) -> Attempt | int:
        """Count an attempt; the :class:`Attempt`, or the seconds to wait when over a limit.

        The network is counted first; an attempt refused there is not counted
        against the account (one network cannot lock an account out by itself).
        The increment is atomic and comes first, so concurrent attempts each see
        a different count: no more than the limit get through together.
        """
        counted: list[tuple[str, int]] = []
        for limit, who in ((NETWORK_LIMIT, network), (ACCOUNT_LIMIT, account.lower())):
            key, before, weight = self._keys(limit, who)
            # A window's count is read as the previous one for a whole window more.
            now = self.storage.incr(key, 2 * limit.seconds)
            previous = self.storage.get(before)
            if previous * weight + now > limit.count:
                return self.wait(limit, previous, now, weight)
            counted.append((key, 2 * limit.seconds))
        return Attempt(tuple(counted))

    def give_back(self, attempt: Attempt) -> None:
        """A right password: its attempt does not count."""
        for key, seconds in attempt.keys:
            self.storage.incr(key, seconds, amount=-1)

    def wait(self, limit: Limit, previous: int, now: int, weight: float) -> int:
        """Seconds until one more attempt would be within ``limit``."""
        room = limit.count - 1  # the next attempt adds one
        left = weight * limit.seconds  # seconds the previous window still counts
        if now <= room and previous > 0:
            # The previous window fades linearly: previous * (left - t) / seconds + now <= room.
            fade = left - (room - now) * limit.seconds / previous
            return max(1, math.ceil(fade))
        # This window's attempts alone are too many: wait for it to end, then for it to fade.
        fade = limit.seconds * (1 - room / now) if now else 0.0
        return max(1, math.ceil(left + fade))
