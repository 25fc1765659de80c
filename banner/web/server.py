"""``banner serve``: the service under gunicorn.

The access log leaves out the client address: the consent service never
writes a raw IP anywhere.
"""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from banner.web.log_lines import gunicorn_logconfig

ACCESS_LOG_FORMAT = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from banner.web.app import create_app

        return create_app()


def serve(bind: str, workers: int) -> None:
    """Run gunicorn with sync workers; each worker builds its own app."""
    _Gunicorn(
        {
            "bind": bind,
            "workers": workers,
            "worker_class": "sync",
            "accesslog": "-",
            "access_log_format": ACCESS_LOG_FORMAT,
            "graceful_timeout": 10,
            "logconfig_dict": gunicorn_logconfig(),
        }
    ).run()
