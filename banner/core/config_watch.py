"""A config that follows its file, so a policy bump reaches running checks without a restart.

:class:`LiveConfig` hands out the current :class:`~banner.core.config.BannerConfig`.
At most every :data:`RELOAD_INTERVAL` seconds it looks at the file's
modification time, size and inode (one ``stat``, never a read); only when
they changed does it load the file again. A file that became invalid (or
vanished) is not taken: the last good config stays, and one line says why,
once per change of the file.

A config that does not come from a file (the demo, or one built in code) never
changes.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping

from banner.core.config import BannerConfig, ConfigError, load_config

logger = logging.getLogger("banner")

#: Seconds between two looks at the file.
RELOAD_INTERVAL = 2.0

_Signature = tuple[int, int, int] | None


def _signature(path: str) -> _Signature:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_mtime_ns, found.st_size, found.st_ino)


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
    """

    def __init__(
        self,
        config: BannerConfig,
        path: str | None = None,
        *,
        interval: float | None = None,
        env: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        self.path = os.path.abspath(path) if path else file_of(config)
        self.interval = RELOAD_INTERVAL if interval is None else interval
        self._env = env
        self._clock = clock
        self._seen = _signature(self.path) if self.path else None
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
        signature = _signature(path)
        if signature == self._seen:
            return
        self._seen = signature
        try:
            self._config = load_config(path, self._env)
        except ConfigError as exc:
            logger.warning(
                "banner: %s changed but is not valid, keeping the last good config: %s",
                path,
                exc.summary(),
            )
