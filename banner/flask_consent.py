"""Kept so imports written for banner 0.1 keep working;
new code imports :mod:`banner.web.flask_consent`
or the public names from :mod:`banner`."""

from banner.web.flask_consent import consent_required, current_consent, has_consent

__all__ = ["consent_required", "current_consent", "has_consent"]
