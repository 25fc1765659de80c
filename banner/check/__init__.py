"""What a site's back end imports: verify a visitor's consent without a web
framework (also following the config file: :mod:`banner.check.live`), WSGI
middleware, a gate for server-side tracker calls, and the Flask helpers
(:mod:`banner.check.flask_consent`: ``has_consent``, ``consent_required``,
``current_consent``), all re-exported by :mod:`banner`.

Imports :mod:`banner.core` only; never the consent log, the web service or the
CLI. Only :mod:`banner.check.flask_consent` imports Flask, and nothing here
imports it, so a framework-free check pulls no Flask.
"""

from banner.check.checker import (
    DEFAULT_COOKIE_NAME,
    MAX_COOKIE_VALUES,
    ConsentChecker,
    ConsentToken,
    VerificationCache,
    check_consent,
    cookie_values,
    covers,
    merge_consents,
)

__all__ = [
    "DEFAULT_COOKIE_NAME",
    "MAX_COOKIE_VALUES",
    "ConsentChecker",
    "ConsentToken",
    "VerificationCache",
    "check_consent",
    "cookie_values",
    "covers",
    "merge_consents",
]
