"""The consent service and the shop, started for one benchmark and stopped after."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import deployment
from bench.processes import Process, free_port, gunicorn


@dataclass(frozen=True, slots=True)
class Stack:
    """Where the running service and shop answer."""

    service_url: str
    shop_origin: str
    folder: Path

    def page(self, name: str) -> str:
        return f"{self.shop_origin}/{name}.html"


def service(folder: Path, database_url: str, shop_origin: str, port: int) -> Process:
    """banner under gunicorn (2 sync workers) with a config written into ``folder``."""
    config = deployment.write_config(folder, database_url, shop_origin)
    return gunicorn(
        "banner.app:create_app()",
        port,
        folder / "service.log",
        env={"BANNER_CONFIG": str(config)},
        ready_path="/healthz",
    )


@contextmanager
def running(with_shop: bool = True) -> Iterator[Stack]:
    """Start the service on SQLite (and the shop); stop both on the way out."""
    with tempfile.TemporaryDirectory(prefix="banner-bench-") as tmp, ExitStack() as stack:
        folder = Path(tmp)
        service_port, shop_port = free_port(), free_port()
        service_url = f"http://127.0.0.1:{service_port}"
        shop_origin = f"http://localhost:{shop_port}"
        url = deployment.sqlite_url(folder)
        stack.enter_context(service(folder, url, shop_origin, service_port))
        if with_shop:
            argv = [sys.executable, "-m", "bench.shop", str(shop_port), service_url]
            shop_ready = f"http://127.0.0.1:{shop_port}/privacy"
            # the service's config: the shop's back end draws the first layer from it
            config = {"BANNER_CONFIG": str(deployment.config_path(folder))}
            stack.enter_context(Process(argv, shop_ready, folder / "shop.log", config))
        yield Stack(service_url, shop_origin, folder)
