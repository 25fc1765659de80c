"""Kept so imports written for banner 0.1 keep working;
new code imports :mod:`banner.check.middleware`
or the public names from :mod:`banner`."""

from banner.check.middleware import ConsentMiddleware, consent_in

__all__ = ["ConsentMiddleware", "consent_in"]
