"""The application factory, where the README and WSGI servers look for it
(``banner.app:create_app()``); it lives in :mod:`banner.web.app`."""

from banner.web.app import create_app

__all__ = ["create_app"]
