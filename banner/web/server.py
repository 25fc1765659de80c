"""``banner serve``: the service under gunicorn, ``gthread`` workers.

Threads, because a durable decision waits for the commit it shares with the
other decisions that arrived with it (:mod:`banner.log.group_commit`): a
worker must hold several requests at once for them to share one. A thread
waiting on that commit releases the GIL, so :data:`THREADS` per worker cost
little; async workers (gevent) would need the database drivers patched.

A keep-alive connection stays with the worker that accepted it, so a few busy
clients (a proxy's pooled connections, a load test) can all land on one
worker after a start and leave the other idle. Each connection is closed
(``Connection: close``) after :data:`KEEPALIVE_REQUESTS` requests; the client
reconnects and the next accept goes to whichever worker is free first, so the
load evens out within a second.

The access log leaves out the client address: the consent service never
writes a raw IP anywhere. gunicorn's control socket (``gunicornc``, 25.1 and
later) is switched off: it would be written under the home directory, and
banner needs no runtime control beyond signals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from banner.web.log_lines import gunicorn_logconfig

ACCESS_LOG_FORMAT = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
WORKER_CLASS = "gthread"
THREADS = 8
KEEPALIVE_REQUESTS = 100


def cap_keepalive(_worker: Any, req: Any) -> None:
    """gunicorn's ``pre_request`` hook: the connection's last request gets ``Connection: close``."""
    if req.req_number >= KEEPALIVE_REQUESTS:
        req.must_close = True


def options(bind: str, workers: int) -> dict[str, Any]:
    """gunicorn's settings for ``banner serve``."""
    return {
        "bind": bind,
        "workers": workers,
        "worker_class": WORKER_CLASS,
        "threads": THREADS,
        "pre_request": cap_keepalive,
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "graceful_timeout": 10,
        "logconfig_dict": gunicorn_logconfig(),
        "control_socket_disable": True,
    }


#: Settings only newer gunicorns have; an older one runs without them.
OPTIONAL_SETTINGS = frozenset({"control_socket_disable"})


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any], factory: Callable[[], Any] | None) -> None:
        self.options = options
        self.factory = factory
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in OPTIONAL_SETTINGS and key not in self.cfg.settings:
                continue
            self.cfg.set(key, value)

    def load(self) -> Any:
        from banner.web.webhooks import start_delivery

        if self.factory is not None:
            app = self.factory()
        else:
            from banner.web.app import create_app

            app = create_app()
        start_delivery(app)  # in each worker, after the fork
        return app


def serve(bind: str, workers: int, factory: Callable[[], Any] | None = None) -> None:
    """Run gunicorn with ``gthread`` workers; each worker builds its own app.

    :param factory: builds the app (default :func:`banner.web.app.create_app`);
        the CLI passes :func:`banner.app.create_app`, which adds the dashboard.
    """
    _Gunicorn(options(bind, workers), factory).run()
