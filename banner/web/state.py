"""Per-app state of banner, kept in ``app.extensions["banner"]``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from banner.core.config import BannerConfig
from banner.log.service import ConsentService
from banner.log.store import ConsentLog

EXTENSION_KEY = "banner"


@dataclass
class BannerState:
    """What one Flask app needs to serve banner: log and service (which holds the config)."""

    log: ConsentLog
    service: ConsentService
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def config(self) -> BannerConfig:
        """The current config; it follows its file (see :mod:`banner.core.config_watch`)."""
        return self.service.config


def state() -> BannerState:
    """The current app's banner state."""
    found: BannerState = current_app.extensions[EXTENSION_KEY]
    return found


def service() -> ConsentService:
    return state().service
