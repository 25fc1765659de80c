"""gunicorn settings of every benchmarked server: those of ``banner serve``.

hello-world and banner run under the same worker class, threads and
keep-alive cap (see :mod:`banner.web.server`), so their ratio compares the
apps, not the servers. Loaded with ``gunicorn -c python:bench.gunicorn_settings``.
"""

from banner.web.server import KEEPALIVE_REQUESTS, THREADS, WORKER_CLASS, cap_keepalive

workers = 2
worker_class = WORKER_CLASS
threads = THREADS
pre_request = cap_keepalive

__all__ = ["KEEPALIVE_REQUESTS", "pre_request", "threads", "worker_class", "workers"]
