"""A config that follows its file, so a policy bump reaches running checks without a restart.

:class:`LiveConfig` hands out the current :class:`~banner.core.config.BannerConfig`.
At most every :data:`RELOAD_INTERVAL` seconds it reads the file and compares
the SHA-256 of its content with the content in use (a rewrite with the same
size and modification time is seen too). A new content is taken only when it
is stable: a second read :data:`SETTLE_SECONDS` later must give the same hash,
so a file caught half-written in place (still valid TOML, but missing the
sites after the cut) is not taken; the next looks see the whole file. The
atomic way to change the file is still to write a new one and rename it over
the old. A file that became invalid (or vanished) is not taken: the last good
config stays, and one line says why, once per change of the file.

A config that does not come from a file (the demo, or one built in code) never
changes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping

from banner.core.config import BannerConfig, ConfigError, config_from_bytes, load_config

logger = logging.getLogger("banner")

#: Seconds between two looks at the file.
RELOAD_INTERVAL = 2.0
#: Seconds between the first read of a new content and the read that must agree.
SETTLE_SECONDS = 0.2
#: Pairs of reads tried in one look before leaving a still-changing file to the next look.
SETTLE_TRIES = 3
#: A config file larger than this is not read (it is not a config file).
MAX_CONFIG_BYTES = 4 * 1024 * 1024


def _read(path: str) -> bytes | None:
    """The file's content, or ``None`` when it cannot be read (vanished, too large)."""
    try:
        with open(path, "rb") as handle:
            content = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError:
        return None
    return None if len(content) > MAX_CONFIG_BYTES else content


def _digest(content: bytes | None) -> str | None:
    return None if content is None else hashlib.sha256(content).hexdigest()


def _stable(
    path: str, seen: str | None, sleep: Callable[[float], None]
) -> tuple[bytes | None, str | None]:
    """The file's content and hash once two reads :data:`SETTLE_SECONDS` apart agree.

    Unchanged (``seen``) after one read. Still changing after
    :data:`SETTLE_TRIES` pairs of reads: ``seen`` again, so the next look tries anew.
    Only the thread that looks waits; the others go on with the config in use.
    """
    content = _read(path)
    digest = _digest(content)
    for _ in range(SETTLE_TRIES):
        if digest == seen:
            return content, digest
        sleep(SETTLE_SECONDS)
        again = _read(path)
        if _digest(again) == digest:
            return content, digest
        content, digest = again, _digest(again)
    return None, seen


def file_of(config: BannerConfig) -> str | None:
    """The absolute path of the file ``config`` was loaded from, or ``None``."""
    if config.demo or not os.path.isfile(config.source):
        return None
    return os.path.abspath(config.source)


class LiveConfig:
    """The current config of a file, reloaded when the file changes.

    :param config: the config as loaded at start.
    :param path: the file to follow; by default the one ``config`` came from.
    :param interval: seconds between two looks at the file (:data:`RELOAD_INTERVAL`).
    :param env: the environment for reloading (``BANNER_SECRET_KEYS`` ...);
        the process environment by default.
    :param clock: monotonic seconds; inject a fake one in tests.
    :param sleep: waits between the reads of a new content (:data:`SETTLE_SECONDS`).
    """

    def __init__(
        self,
        config: BannerConfig,
        path: str | None = None,
        *,
        interval: float | None = None,
        env: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._config = config
        self.path = os.path.abspath(path) if path else file_of(config)
        self.interval = RELOAD_INTERVAL if interval is None else interval
        self._env = env
        self._clock = clock
        self._sleep = sleep
        #: the hash of the content in use (or last refused)
        self._seen = _digest(_read(self.path)) if self.path else None
        self._next_look = clock() + self.interval
        self._lock = threading.Lock()

    @classmethod
    def from_file(
        cls, path: str | os.PathLike[str], env: Mapping[str, str] | None = None
    ) -> LiveConfig:
        """Load ``path`` and follow it.

        :raises ConfigError: when the file is missing or not valid at start.
        """
        return cls(load_config(path, env), os.fspath(path), env=env)

    def in_use(self) -> BannerConfig:
        """The config in use, without looking at the file.

        For background threads and code inside a database transaction: the
        requests look at the file (:meth:`current`), so a change reaches these
        with the next request, and nothing waits on a file while it holds a lock.
        """
        return self._config

    def current(self) -> BannerConfig:
        """The config to use now (a dictionary look-up between two looks at the file)."""
        if self.path is None or self._clock() < self._next_look:
            return self._config
        if not self._lock.acquire(blocking=False):
            return self._config  # another thread is looking
        try:
            self._look(self.path)
        finally:
            self._lock.release()
        return self._config

    def _look(self, path: str) -> None:
        self._next_look = self._clock() + self.interval
        content, digest = _stable(path, self._seen, self._sleep)
        if digest == self._seen:
            return
        self._seen = digest
        try:
            if content is None:
                raise ConfigError(path, "(file)", "an existing, readable TOML file")
            env = os.environ if self._env is None else self._env
            self._config = config_from_bytes(content, path, env)
        except ConfigError as exc:
            logger.warning(
                "banner: %s changed but is not valid, keeping the last good config: %s",
                path,
                exc.summary(),
            )
