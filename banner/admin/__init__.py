"""The operator dashboard at ``/admin/``: accounts, per-site figures, lookup, export, scans.

Server-rendered, bilingual and working without JavaScript. Owns its
blueprint, templates, the SVG charts and the aggregate queries it reads.
May import :mod:`banner.core`, :mod:`banner.log` and :mod:`banner.web`
(page security, forms, the limiter); nothing imports it but the app factory
(:mod:`banner.app`) and the CLI.
"""

from __future__ import annotations

from flask import Flask


def init_admin(app: Flask) -> None:
    """Mount the dashboard in an app already set up by :class:`banner.web.extension.Banner`.

    Records the first-seen time of each signing key's fingerprint, and limits
    failed logins per masked network through the app's limiter.
    """
    from banner.admin.mount import mount

    mount(app)


__all__ = ["init_admin"]
