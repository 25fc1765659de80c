"""Kept so imports written for banner 0.1 keep working;
new code imports :mod:`banner.web.extension`
or the public names from :mod:`banner`."""

from banner.web.extension import Banner

__all__ = ["Banner"]
