"""A checker that follows the config file, so a policy bump needs no restart.

:class:`LiveChecker` answers like a :class:`~banner.check.ConsentChecker` for
one site of a :class:`~banner.core.config_watch.LiveConfig`. When the file
changes (looked at every few seconds, never on every request), the checker
is rebuilt from the new config: a raised ``policy_version`` makes older
tokens no consent, new ``secret_keys`` verify, a new ``consent_days`` holds::

    from banner.check.live import LiveChecker

    checker = LiveChecker.from_file("/etc/banner/banner.toml", "tokodemo")
    consent = checker.check_cookie_header(environ.get("HTTP_COOKIE"))

A new config that no longer has the site keeps the last checker.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping

from banner.check.checker import DEFAULT_CACHE_SIZE, ConsentChecker
from banner.core.config import BannerConfig, ConfigError, SiteConfig
from banner.core.config_watch import LiveConfig
from banner.core.token import Clock, ConsentToken, Verdict


def only_site(config: BannerConfig, site: str | None) -> SiteConfig:
    """The site named ``site``, or the config's only site when ``site`` is ``None``.

    :raises ConfigError: when there is no such site, or several and none named.
    """
    if site is None and len(config.sites) == 1:
        return next(iter(config.sites.values()))
    if site is None or site not in config.sites:
        raise ConfigError(config.source, "site", f"one of {', '.join(config.sites)}", site)
    return config.sites[site]


class LiveChecker:
    """Checks consent tokens of one site of a config that may change.

    :param live: the followed config.
    :param site: the site id; ``None`` for the config's only site.
    :raises ConfigError: when the site is not in the config.
    """

    def __init__(
        self,
        live: LiveConfig,
        site: str | None = None,
        *,
        clock: Clock = time.time,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        self.live = live
        config = live.current()
        self.site = only_site(config, site).id
        self._clock, self._cache_size = clock, cache_size
        self._built = self._build(config)

    @classmethod
    def from_file(
        cls,
        path: str | os.PathLike[str],
        site: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> LiveChecker:
        """Load ``path``, follow it, and check ``site``'s tokens.

        :raises ConfigError: when the file is not valid at start, or has no such site.
        """
        return cls(LiveConfig.from_file(path, env), site)

    def _build(self, config: BannerConfig) -> tuple[BannerConfig, ConsentChecker]:
        site = config.sites[self.site]
        checker = ConsentChecker.for_site(
            site, config.secret_keys, clock=self._clock, cache_size=self._cache_size
        )
        return config, checker

    @property
    def checker(self) -> ConsentChecker:
        """The checker for the current config."""
        built = self._built
        config = self.live.current()
        if built[0] is not config and self.site in config.sites:
            built = self._built = self._build(config)
        return built[1]

    @property
    def policy_version(self) -> int:
        return self.checker.policy_version

    @property
    def cookie_name(self) -> str:
        return self.checker.cookie_name

    def verdict(self, token: object) -> Verdict:
        return self.checker.verdict(token)

    def check(self, token: object) -> ConsentToken | None:
        return self.checker.check(token)

    def check_cookie_header(self, header: str | None) -> ConsentToken | None:
        return self.checker.check_cookie_header(header)
