"""Finding and starting the headless Chromium the scanner drives.

Playwright is an optional extra, imported here only; the browser is the one
installed on the machine (Debian's ``/usr/bin/chromium``, or ``chromium-browser``
or ``google-chrome`` on ``PATH``), or the file named by ``BANNER_CHROMIUM``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ENV_VAR = "BANNER_CHROMIUM"
CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)


class BrowserMissing(RuntimeError):
    """Playwright or a Chromium executable is not installed; the message says how to fix it."""


def find_chromium(environ: Mapping[str, str] = os.environ) -> str:
    """The Chromium executable to start.

    :raises BrowserMissing: when ``BANNER_CHROMIUM`` names no file, or none is found.
    """
    named = environ.get(ENV_VAR)
    if named:
        if Path(named).is_file() and os.access(named, os.X_OK):
            return named
        raise BrowserMissing(f"{ENV_VAR}={named!r} is not an executable file")
    for candidate in CANDIDATES:
        found = shutil.which(candidate, path=environ.get("PATH"))
        if found:
            return found
    raise BrowserMissing(
        "no Chromium found: install it (apt-get install chromium) or set "
        f"{ENV_VAR} to its executable"
    )


@contextmanager
def launched(executable: str) -> Iterator[Browser]:
    """A headless Chromium started through Playwright, closed afterwards.

    :raises BrowserMissing: when Playwright is not installed or the browser does not start.
    """
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        raise BrowserMissing(
            "the scanner needs Playwright: pip install 'banner-consent[scan]'"
        ) from None
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=executable, args=list(FLAGS))
        except Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else "failed"
            raise BrowserMissing(f"Chromium at {executable} did not start: {first}") from None
        try:
            yield browser
        finally:
            browser.close()
