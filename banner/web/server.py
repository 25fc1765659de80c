"""``banner serve``: the service under gunicorn.

The access log leaves out the client address: the consent service never
writes a raw IP anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from banner.web.log_lines import gunicorn_logconfig

ACCESS_LOG_FORMAT = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any], factory: Callable[[], Any] | None) -> None:
        self.options = options
        self.factory = factory
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        if self.factory is not None:
            return self.factory()
        from banner.web.app import create_app

        return create_app()


def serve(bind: str, workers: int, factory: Callable[[], Any] | None = None) -> None:
    """Run gunicorn with sync workers; each worker builds its own app.

    :param factory: builds the app (default :func:`banner.web.app.create_app`);
        the CLI passes :func:`banner.app.create_app`, which adds the dashboard.
    """
    _Gunicorn(
        {
            "bind": bind,
            "workers": workers,
            "worker_class": "sync",
            "accesslog": "-",
            "access_log_format": ACCESS_LOG_FORMAT,
            "graceful_timeout": 10,
            "logconfig_dict": gunicorn_logconfig(),
        },
        factory,
    ).run()
