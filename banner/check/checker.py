"""The server-side consent check, free of any web framework.

A Python backend asks one question on every request: *may I do this for
this visitor?* :func:`check_consent` answers it from the visitor's token, or
from the raw ``Cookie`` header, with the site's keys::

    from banner.check import check_consent

    consent = check_consent("tokodemo", SITE_KEYS, cookie_header=environ.get("HTTP_COOKIE"),
                            policy_version=3, consent_days=180)
    if consent is not None and consent.allows("analytics"):
        send_purchase_event(...)

The answer is a :class:`~banner.core.token.ConsentToken` (granted categories,
consent id, policy version, expiry) or ``None`` for *no consent*, for the very
same reasons ``POST /api/v1/verify`` gives (see :meth:`ConsentChecker.verdict`).
Bad input never raises.

Pure core: imports the standard library, itsdangerous and banner's own core
modules, never Flask, so it runs inside Django, FastAPI or a worker process.

Several consent cookies in one header
    A page on ``shop.example.co.id`` may receive two ``banner_consent``
    cookies: its own and one set for the parent domain by another subdomain
    ("cookie tossing"). The rule: every value is verified on its own; values
    that are not valid consent (forged, expired, stale, for another site) are
    ignored and never grant anything; when several valid tokens disagree,
    only the categories *all* of them grant are granted. A tossed token can
    therefore take consent away but never add it. The consent id and policy
    version are those of the most recently issued valid token. A header
    with more than :data:`MAX_COOKIE_VALUES` values is no consent at all:
    reading only the first ones would let tossed values hide the visitor's own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from functools import lru_cache

from banner.core.config import SiteConfig
from banner.core.consent import ESSENTIAL
from banner.core.keys import site_token_keys
from banner.core.subject import SubjectConsent
from banner.core.token import CLOCK_SKEW_SECONDS, Clock, ConsentToken, TokenCodec, Verdict

__all__ = [
    "DEFAULT_COOKIE_NAME",
    "ConsentChecker",
    "ConsentToken",
    "VerificationCache",
    "check_consent",
    "cookie_values",
    "covers",
    "merge_consents",
    "too_many",
]

DEFAULT_COOKIE_NAME = "banner_consent"
#: Verified tokens remembered per checker; a visitor sends the same one on
#: every request, so a small cache serves almost every check.
DEFAULT_CACHE_SIZE = 1024
#: Values of the consent cookie considered in one header; more is an attack.
MAX_COOKIE_VALUES = 8

# (consent, site policy version it was judged under, first and last second
# at which the cold check would accept it)
_Entry = tuple[ConsentToken, int, int, int]


class VerificationCache:
    """A small bounded cache of successful verifications, keyed by the token.

    An entry is returned only while the cold check would still accept the
    token: never after its expiry (nor before its issue time minus the clock
    skew allowance), and never under another site policy version than the
    one it was verified under. Only valid tokens are cached: garbage never
    evicts a real visitor's entry.

    :param size: most entries kept; the oldest is dropped first.
    :param clock: seconds since the epoch; inject a fake one in tests.
    """

    def __init__(self, size: int = DEFAULT_CACHE_SIZE, clock: Clock = time.time) -> None:
        if size < 1:
            raise ValueError("the cache needs room for at least one entry")
        self.size = size
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, token: str, policy_version: int) -> ConsentToken | None:
        """The cached consent for ``token`` if it is still valid, else ``None``."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        consent, version, not_before, not_after = entry
        if version == policy_version and not_before <= int(self._clock()) <= not_after:
            return consent
        with self._lock:  # every change of the dict holds the lock; reads need not
            self._entries.pop(token, None)
        return None

    def put(self, token: str, policy_version: int, consent: ConsentToken) -> None:
        """Remember a token verified under ``policy_version``."""
        not_before = consent.issued_at - CLOCK_SKEW_SECONDS
        entry = (consent, policy_version, not_before, consent.expires_at)
        with self._lock:
            self._entries[token] = entry
            while len(self._entries) > self.size:
                del self._entries[next(iter(self._entries))]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class ConsentChecker:
    """Checks consent tokens of one site; build it once and reuse it.

    :param site: the site id tokens must belong to.
    :param secret_keys: the site's token keys, oldest first (all verify): what
        ``banner keys show --site SITE`` prints, derived from the service's
        ``secret_keys`` (:mod:`banner.core.keys`); never the service's own keys.
    :param policy_version: the site's current policy version; tokens issued
        under an older one are no consent.
    :param consent_days: how long a choice is kept (the token's lifetime).
    :param cookie_name: the consent cookie's name for this site.
    :param clock: seconds since the epoch, shared by verification and cache.
    :param cache_size: verified tokens remembered.
    :raises ValueError: when ``secret_keys`` is empty.
    """

    def __init__(
        self,
        site: str,
        secret_keys: Sequence[str | bytes],
        *,
        policy_version: int = 1,
        consent_days: int = 180,
        cookie_name: str = DEFAULT_COOKIE_NAME,
        clock: Clock = time.time,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        self._codec = TokenCodec(site, secret_keys, policy_version, consent_days * 86400, clock)
        self.cookie_name = cookie_name
        self.cache = VerificationCache(cache_size, clock)

    @classmethod
    def for_site(
        cls,
        site: SiteConfig,
        secret_keys: Sequence[str | bytes],
        *,
        clock: Clock = time.time,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> ConsentChecker:
        """A checker for a configured site (policy, lifetime and cookie name from it).

        :param secret_keys: the service's configured ``secret_keys``; the site's
            token keys are derived from them here.
        """
        return cls(
            site.id,
            site_token_keys(secret_keys, site.id),
            policy_version=site.policy_version,
            consent_days=site.consent_days,
            cookie_name=site.cookie_name,
            clock=clock,
            cache_size=cache_size,
        )

    @property
    def site(self) -> str:
        return self._codec.site

    @property
    def policy_version(self) -> int:
        """The site's current policy version; raising it re-asks every visitor."""
        return self._codec.policy_version

    @policy_version.setter
    def policy_version(self, version: int) -> None:
        self._codec.policy_version = version

    def verdict(self, token: object) -> Verdict:
        """Verify ``token`` without the cache, with the reason when it fails.

        Exactly what ``POST /api/v1/verify`` answers: the same codec, the same
        :class:`~banner.core.token.Reason` values.
        """
        return self._codec.verify(token)

    def check(self, token: object) -> ConsentToken | None:
        """The consent ``token`` carries, or ``None``; served from the cache when it can be."""
        if type(token) is not str:
            return None
        version = self._codec.policy_version
        consent = self.cache.get(token, version)
        if consent is None:
            consent = self._codec.verify(token).token
            if consent is not None:
                self.cache.put(token, version, consent)
        return consent

    def check_cookie_header(self, header: str | None) -> ConsentToken | None:
        """The consent in a raw ``Cookie`` header (see the module's rule for several values)."""
        values = cookie_values(header, self.cookie_name)
        if too_many(values):
            return None
        if len(values) == 1:
            return self.check(values[0])
        return merge_consents(self.check(value) for value in values)


def covers(consent: ConsentToken | SubjectConsent | None, category: str) -> bool:
    """True when ``consent`` allows ``category``; without consent only ``essential``."""
    if consent is None:
        return category == ESSENTIAL
    return consent.allows(category)


def cookie_values(header: str | None, name: str, limit: int = MAX_COOKIE_VALUES) -> list[str]:
    """Every value of cookie ``name`` in a raw ``Cookie`` header, in header order.

    Tolerates any garbage (it is someone else's header) and stops after
    ``limit + 1`` values: more than ``limit`` is an attack (see
    :func:`too_many`); surrounding double quotes are removed.
    """
    if not header or name not in header:
        return []
    values = []
    for part in header.split(";"):
        key, sep, value = part.partition("=")
        if sep and key.strip() == name:
            values.append(value.strip().removeprefix('"').removesuffix('"'))
            if len(values) > limit:
                break
    return values


def too_many(values: Sequence[str], limit: int = MAX_COOKIE_VALUES) -> bool:
    """True when a header carried more consent values than are read: no consent then.

    Reading only the first ``limit`` would let tossed values push the
    visitor's own refusal out of view.
    """
    return len(values) > limit


def merge_consents(found: Iterable[ConsentToken | None]) -> ConsentToken | None:
    """Combine the valid consents of one request: only what all of them grant.

    ``None`` entries (values that were not valid consent) are ignored. The
    result carries the consent id and policy version of the most recently
    issued consent, and the earliest expiry.
    """
    valid = [consent for consent in found if consent is not None]
    if len(valid) <= 1:
        return valid[0] if valid else None
    newest = max(valid, key=lambda consent: consent.issued_at)
    granted = tuple(g for g in newest.granted if all(g in other.granted for other in valid))
    expires_at = min(consent.expires_at for consent in valid)
    return replace(newest, granted=granted, expires_at=expires_at)


def check_consent(
    site: str | SiteConfig,
    secret_keys: Sequence[str | bytes],
    *,
    token: str | None = None,
    cookie_header: str | None = None,
    policy_version: int = 1,
    consent_days: int = 180,
    cookie_name: str = DEFAULT_COOKIE_NAME,
) -> ConsentToken | None:
    """Check one visitor's consent in one call: from ``token`` or a raw ``Cookie`` header.

    :param site: a site id, or a :class:`~banner.core.config.SiteConfig` whose
        policy version, consent days and cookie name are then used instead
        of the keyword arguments.
    :param secret_keys: the site's token keys, oldest first
        (``banner keys show --site SITE``).
    :param token: the consent token, when the caller already has it.
    :param cookie_header: the raw ``Cookie`` request header, when it has not.
    :returns: the verified consent, or ``None`` for no consent.
    :raises TypeError: when both ``token`` and ``cookie_header`` are given.

    Checkers (and their caches) are kept per set of arguments, so calling this
    on every request stays cheap. Long-running code may prefer to hold a
    :class:`ConsentChecker` itself.
    """
    if token is not None and cookie_header is not None:
        raise TypeError("give either token or cookie_header, not both")
    site_id = site if isinstance(site, str) else site.id
    if isinstance(site, SiteConfig):
        policy_version, consent_days = site.policy_version, site.consent_days
        cookie_name = site.cookie_name
    keys = tuple(secret_keys)
    checker = _shared_checker(site_id, keys, policy_version, consent_days, cookie_name)
    if token is not None:
        return checker.check(token)
    return checker.check_cookie_header(cookie_header)


@lru_cache(maxsize=32)
def _shared_checker(
    site: str, keys: tuple[str | bytes, ...], policy_version: int, days: int, cookie_name: str
) -> ConsentChecker:
    return ConsentChecker(
        site, keys, policy_version=policy_version, consent_days=days, cookie_name=cookie_name
    )
