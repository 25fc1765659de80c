"""WSGI middleware: the visitor's verified consent in every request's environ.

Works with any WSGI framework (Django, Flask, Pyramid, Falcon, Bottle)::

    from banner.check import ConsentChecker
    from banner.check.middleware import ConsentMiddleware

    checker = ConsentChecker("tokodemo", SITE_KEYS, policy_version=3)
    application = ConsentMiddleware(get_wsgi_application(), checker)

Built from the config file instead, the middleware follows it: a raised
``policy_version`` (or new keys) reaches it within a few seconds, without a
restart::

    application = ConsentMiddleware.from_config(
        get_wsgi_application(), "/etc/banner/banner.toml", site="tokodemo"
    )

Views then read ``environ["banner.consent"]`` (``request.META`` in Django,
``request.environ`` in Flask): a :class:`~banner.core.token.ConsentToken`, or
``None`` for no consent. :func:`consent_in` reads it back typed.

Pure core: the standard library and :mod:`banner.check`, no framework.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from banner.check import ConsentChecker
from banner.check.live import LiveChecker
from banner.core.token import ConsentToken

#: Where the middleware puts the verified consent.
ENVIRON_KEY = "banner.consent"


class ConsentMiddleware:
    """Verify the consent cookie once per request and put the result in the environ.

    :param app: the WSGI application to wrap.
    :param checker: the site's checker (its cache is shared by every request),
        or a :class:`~banner.check.live.LiveChecker` that follows the config file.
    :param environ_key: the environ key to fill; ``banner.consent`` by default.

    The cookie is read from the raw ``Cookie`` header, so several consent
    cookies follow :mod:`banner.check`'s rule: a forged one never grants.
    A value already in the environ (set by an outer layer) is overwritten:
    only this check decides.
    """

    def __init__(
        self,
        app: WSGIApplication,
        checker: ConsentChecker | LiveChecker,
        environ_key: str = ENVIRON_KEY,
    ) -> None:
        self.app = app
        self.checker = checker
        self.environ_key = environ_key

    @classmethod
    def from_config(
        cls,
        app: WSGIApplication,
        path: str | os.PathLike[str],
        site: str | None = None,
        *,
        environ_key: str = ENVIRON_KEY,
        env: Mapping[str, str] | None = None,
    ) -> ConsentMiddleware:
        """Check ``site``'s consent with the keys and policy of the config at ``path``.

        The file is followed: changes reach the check within a few seconds.

        :param site: the site id; ``None`` for the config's only site.
        :raises banner.core.config.ConfigError: when the file is not valid at start
            or has no such site.
        """
        return cls(app, LiveChecker.from_file(path, site, env), environ_key)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        environ[self.environ_key] = self.checker.check_cookie_header(environ.get("HTTP_COOKIE"))
        return self.app(environ, start_response)


def consent_in(environ: dict[str, Any], key: str = ENVIRON_KEY) -> ConsentToken | None:
    """The consent :class:`ConsentMiddleware` put in ``environ`` (``None`` when absent)."""
    consent = environ.get(key)
    return consent if isinstance(consent, ConsentToken) else None
