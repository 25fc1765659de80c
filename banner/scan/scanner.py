"""A whole scan: both passes, the report, and the three files it writes.

:func:`scan` runs the browser; :func:`write_outputs` writes ``report.json``,
``report.html`` and ``cookies.toml``; :func:`exit_status` is what the command
returns (0 clean, 1 violations).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from banner.core.config_model import SiteConfig
from banner.scan.chromium import find_chromium, launched
from banner.scan.classify import DEFAULT_CONSENT_COOKIE, Classifier
from banner.scan.cookie_db import load
from banner.scan.crawl import Frontier, SiteUnreachable
from banner.scan.html_report import render_html
from banner.scan.observations import AFTER, BEFORE
from banner.scan.proposal import proposal
from banner.scan.report import Record, ScanInput, build_report
from banner.scan.routes import Routes

OUTPUTS = ("report.json", "report.html", "cookies.toml")
#: pass number, pages opened, pages found
Progress = Callable[[int, int, int], None]


@dataclass(frozen=True, slots=True)
class ScanRequest:
    """What to scan, and how far."""

    url: str
    site: SiteConfig | None = None
    pages: int = 20
    page_timeout: float = 20.0
    total_timeout: float = 600.0
    routes: Routes = field(default_factory=Routes)
    #: keep Chromium's sandbox on (``--unsafe-no-sandbox`` turns it off)
    sandbox: bool = True


class FixedPages:
    """Pass 2's pages: those pass 1 opened without an error, in the same order."""

    def __init__(self, urls: list[str]) -> None:
        self.found = urls
        self._index = 0

    def next(self, visited: int) -> str | None:
        if self._index >= len(self.found):
            return None
        self._index += 1
        return self.found[self._index - 1]

    def add(self, links: list[str]) -> None:
        """Pass 2 opens no page pass 1 did not."""


def scan(request: ScanRequest, progress: Progress) -> Record:
    """Run both passes and build the report.

    :raises BrowserMissing: when Playwright or Chromium is missing.
    :raises SiteUnreachable: when the first page does not load.
    """
    executable = find_chromium()
    started, clock = datetime.now(UTC), time.monotonic()
    deadline = clock + request.total_timeout
    with launched(executable, request.sandbox) as browser:
        from banner.scan.session import Limits, run_pass

        consent_cookie = request.site.cookie_name if request.site else DEFAULT_CONSENT_COOKIE
        limits = Limits(request.pages, request.page_timeout, request.total_timeout, consent_cookie)
        first = run_pass(
            browser,
            BEFORE,
            Frontier(request.url, request.pages),
            limits,
            deadline,
            request.routes,
            progress,
        )
        opened = [p.url for p in first.pages if p.error is None]
        if not first.pages:
            raise SiteUnreachable(f"{request.url}: no page opened within --timeout")
        second = run_pass(
            browser, AFTER, FixedPages(opened), limits, deadline, request.routes, progress
        )
    scan_input = ScanInput(
        request.url,
        request.site,
        started,
        time.monotonic() - clock,
        {
            "pages": request.pages,
            "page_timeout": request.page_timeout,
            "total_timeout": request.total_timeout,
        },
    )
    return build_report(scan_input, [first, second], Classifier(load(), request.site))


def write_outputs(report: Record, site: SiteConfig | None, directory: Path) -> list[Path]:
    """Write the three files into ``directory`` (created if needed); return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    texts = {
        "report.json": json.dumps(report, ensure_ascii=False, indent=2, sort_keys=False) + "\n",
        "report.html": render_html(report, site),
        "cookies.toml": proposal(report, site),
    }
    paths = []
    for name in OUTPUTS:
        path = directory / name
        path.write_text(texts[name], encoding="utf-8")
        paths.append(path)
    return paths


def exit_status(report: Record) -> int:
    """0 when nothing leaked before consent, 1 when something did."""
    return 1 if report["violations"] else 0


def summary(report: Record, directory: Path) -> Record:
    """The ``--json`` line for CI."""
    return {
        "url": report["url"],
        "site": report["site"],
        "pages": len(report["pages"]),
        "cookies": len(report["cookies"]),
        "requests": len(report["requests"]),
        "violations": report["violations"],
        "undeclared": [c["name"] for c in report["undeclared"]],
        "stale": [c["name"] for c in report["stale"]],
        "not_observable": [c["name"] for c in report["not_observable"]],
        "failed_scripts": report["failed_scripts"],
        "complete": report["complete"],
        "output": str(directory),
        "exit_status": exit_status(report),
    }
