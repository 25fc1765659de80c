"""How many logins may be tried: per masked network and per account, counted before checking.

An attempt is counted *before* its password is checked, with one atomic
increment in the service's limiter storage (memory, or Redis across
instances), so 30 concurrent wrong passwords get at most
:data:`NETWORK_LIMIT` checks, never more (issue 26: a test-then-hit let 12
through). A right password gives its count back, so operators logging in
are never locked out by their own logins. Beside the per-network limit, a
per-account limit stops an attacker spreading guesses over many networks.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from limits.storage import Storage


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``count`` attempts per fixed window of ``seconds``."""

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

    def _key(self, limit: Limit, who: str) -> str:
        window = int(self.clock()) // limit.seconds
        return f"{limit.name}|{window}|{who}"

    def count(self, network: str, account: str) -> Attempt | int:
        """Count an attempt; the :class:`Attempt`, or the seconds to wait when over a limit.

        The network is counted first; an attempt refused there is not counted
        against the account (one network cannot lock an account out by itself).
        """
        counted: list[tuple[str, int]] = []
        for limit, who in ((NETWORK_LIMIT, network), (ACCOUNT_LIMIT, account.lower())):
            key = self._key(limit, who)
            if self.storage.incr(key, limit.seconds) > limit.count:
                return self.wait(limit)
            counted.append((key, limit.seconds))
        return Attempt(tuple(counted))

    def give_back(self, attempt: Attempt) -> None:
        """A right password: its attempt does not count."""
        for key, seconds in attempt.keys:
            self.storage.incr(key, seconds, amount=-1)

    def wait(self, limit: Limit) -> int:
        return max(1, limit.seconds - int(self.clock()) % limit.seconds)
