"""The server-side check that customer backends import: verify a visitor's consent
without a web framework (also following the config file: :mod:`banner.check.live`),
WSGI middleware, and a gate for server-side tracker calls.

Imports :mod:`banner.core` only; never Flask, the consent log or the CLI. The
Flask helpers (``has_consent``, ``consent_required``) live with the extension in
:mod:`banner.web` and are re-exported by :mod:`banner`.
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
