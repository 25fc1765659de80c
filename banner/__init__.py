"""banner: a self-hosted, bilingual consent manager for websites under Indonesia's UU PDP.

The public names import from here, lazily, so ``import banner`` stays cheap and
a check-only user (Django, a worker) never pulls in Flask::

    from banner import check_consent, ConsentChecker      # framework-free
    from banner import Banner, has_consent, consent_required  # Flask

The parts, each a subpackage whose ``__init__`` says what it may import:
:mod:`banner.core` (pure), :mod:`banner.log` (consent log),
:mod:`banner.check` (what a site's back end imports: the server-side check and
the Flask helpers), :mod:`banner.web` (the consent service and its Flask
extension), :mod:`banner.cli` (command line).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> the module that defines it
_PUBLIC = {
    "Banner": "banner.web.extension",
    "has_consent": "banner.check.flask_consent",
    "consent_required": "banner.check.flask_consent",
    "current_consent": "banner.check.flask_consent",
    "check_consent": "banner.check.checker",
    "ConsentChecker": "banner.check.checker",
    "LiveChecker": "banner.check.live",
    "ConsentToken": "banner.core.token",
    "ConsentMiddleware": "banner.check.middleware",
    "consent_in": "banner.check.middleware",
    "TrackerGate": "banner.check.tracker_gate",
    "first_layer": "banner.web.drawn_layer",
    "load_config": "banner.core.config",
    "BannerConfig": "banner.core.config",
    "ConfigError": "banner.core.config",
    "create_app": "banner.app",
    "verify_webhook": "banner.core.webhook_signature",
    "subject_token": "banner.check.subject_token",
    "subject_consent": "banner.log.subject_service",
    "SubjectConsent": "banner.core.subject",
}

__all__ = [
    "Banner",
    "BannerConfig",
    "ConfigError",
    "ConsentChecker",
    "ConsentMiddleware",
    "ConsentToken",
    "LiveChecker",
    "SubjectConsent",
    "TrackerGate",
    "__version__",
    "check_consent",
    "consent_in",
    "consent_required",
    "create_app",
    "current_consent",
    "first_layer",
    "has_consent",
    "load_config",
    "subject_consent",
    "subject_token",
    "verify_webhook",
]

if TYPE_CHECKING:
    from banner.app import create_app
    from banner.check.checker import ConsentChecker, check_consent
    from banner.check.flask_consent import consent_required, current_consent, has_consent
    from banner.check.live import LiveChecker
    from banner.check.middleware import ConsentMiddleware, consent_in
    from banner.check.subject_token import subject_token
    from banner.check.tracker_gate import TrackerGate
    from banner.core.config import BannerConfig, ConfigError, load_config
    from banner.core.subject import SubjectConsent
    from banner.core.token import ConsentToken
    from banner.core.webhook_signature import verify_webhook
    from banner.log.subject_service import subject_consent
    from banner.web.drawn_layer import first_layer
    from banner.web.extension import Banner


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'banner' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
