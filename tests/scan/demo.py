"""The demo shop of ``banner run``, started for the scanner on free ports.

The service, the shop page and a fake of GA4's and the Meta Pixel's hosts
whose scripts set the first-party cookies the real ones set (``_ga``,
``_ga_<stream>``, ``_fbp``), so a scan sees what a visitor's browser would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

from tests.scan.site import Served, free_port

FAKE_GTAG = (
    'document.cookie = "_ga=GA1.1.123456789.1700000000; max-age=63072000; path=/";\n'
    'document.cookie = "_ga_DEMO12345X=GS1.1.1700000000.1.0; max-age=63072000; path=/";\n'
)
FAKE_PIXEL = 'document.cookie = "_fbp=fb.1.1700000000000.123456789; max-age=7776000; path=/";\n'
DEMO_TRACKER_HOSTS = ("www.googletagmanager.com", "connect.facebook.net", "www.facebook.com")


def fake_google_and_meta(request: Request) -> Response:
    if request.path.startswith("/gtag/js"):
        return Response(FAKE_GTAG, mimetype="text/javascript")
    if request.path.endswith("fbevents.js"):
        return Response(FAKE_PIXEL, mimetype="text/javascript")
    return Response(b"", mimetype="image/gif")


@dataclass
class Demo:
    url: str
    config: Path
    routes: list[str]
    document: dict[str, Any]


@contextmanager
def running_demo(folder: Path) -> Iterator[Demo]:
    """The demo site's config as a file, and its service, shop and fake trackers running."""
    from banner.core.config import load_config
    from banner.core.demo_site import demo_document
    from banner.web.app import create_app
    from banner.web.demo import demo_shop_app

    shop_port, service_port = free_port(), free_port()
    document = demo_document(shop_port)
    document["banner"]["database_url"] = f"sqlite:///{folder / 'demo.db'}"
    config_file = folder / "demo.toml"
    config_file.write_text(as_toml(document), encoding="utf-8")
    app = create_app(load_config(config_file))
    shop_app = demo_shop_app(f"http://127.0.0.1:{service_port}")
    servers = [
        Served(lambda r: Response.force_type(app, r.environ), service_port),
        Served(lambda r: Response.force_type(shop_app, r.environ), shop_port),
        fakes := Served(fake_google_and_meta, free_port()),
    ]
    fake = f"http://127.0.0.1:{fakes.server.port}"
    routes = [f"--route={host}={fake}" for host in DEMO_TRACKER_HOSTS]
    routes += ["--route=127.0.0.1=direct", "--route=*=block"]
    try:
        yield Demo(f"http://localhost:{shop_port}/", config_file, routes, document)
    finally:
        for server in servers:
            server.stop()
        app.extensions["banner"].log.dispose()


def as_toml(document: dict[str, Any]) -> str:
    """A config document (tables, strings, numbers, lists, arrays of tables) as TOML."""
    lines: list[str] = []
    _table(lines, [], document)
    return "\n".join(lines) + "\n"


def _table(lines: list[str], path: list[str], table: dict[str, Any]) -> None:
    if path:
        lines.append(f"[{'.'.join(path)}]")
    nested = {k: v for k, v in table.items() if isinstance(v, dict) or _tables(v)}
    lines.extend(f"{k} = {_inline(v)}" for k, v in table.items() if k not in nested)
    for key, value in nested.items():
        if isinstance(value, dict):
            _table(lines, [*path, key], value)
            continue
        for item in value:
            lines.append(f"[[{'.'.join([*path, key])}]]")
            lines.extend(f"{k} = {_inline(v)}" for k, v in item.items())


def _tables(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_inline(v)}" for k, v in value.items()) + " }"
    return json.dumps(value, ensure_ascii=False)
