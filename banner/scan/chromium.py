"""Finding and starting the headless Chromium the scanner drives.

Playwright is an optional extra, imported here only; the browser is the one
installed on the machine (Debian's ``/usr/bin/chromium``, or ``chromium-browser``
or ``google-chrome`` on ``PATH``), or the file named by ``BANNER_CHROMIUM``.

The scanned site's scripts (and every tracker's) run in that browser, so it keeps
Chromium's sandbox on. Where the machine cannot give one (root, as in most
containers, or no user namespaces) the scan refuses, unless the operator opts
out with ``--unsafe-no-sandbox``: scan from a machine or container that holds
no keys and no database.
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
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)


NO_SANDBOX = "--no-sandbox"
OPT_OUT = "--unsafe-no-sandbox"
NO_SANDBOX_HERE = (
    "Chromium cannot sandbox the scanned site's scripts here ({why}): scan as an ordinary "
    "user, from a machine or container that holds no banner keys or database, or pass "
    f"{OPT_OUT} to scan without the sandbox (see the README)"
)


class BrowserMissing(RuntimeError):
    """Playwright or a Chromium executable is not installed; the message says how to fix it."""


class SandboxUnavailable(BrowserMissing):
    """The sandbox cannot run on this machine and the operator did not opt out."""


def launch_flags(sandbox: bool, euid: int | None = None) -> list[str]:
    """Chromium's flags: the sandbox stays on unless ``sandbox`` is false.

    :raises SandboxUnavailable: when the sandbox is wanted and the process is root
        (Chromium refuses to start its sandbox as root).
    """
    if not sandbox:
        return [NO_SANDBOX, *FLAGS]
    if (os.geteuid() if euid is None else euid) == 0:
        raise SandboxUnavailable(NO_SANDBOX_HERE.format(why="running as root"))
    return list(FLAGS)


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
def launched(executable: str, sandbox: bool = True) -> Iterator[Browser]:
    """A headless Chromium started through Playwright, closed afterwards.

    :raises SandboxUnavailable: when ``sandbox`` is asked and cannot run here.
    :raises BrowserMissing: when Playwright is not installed or the browser does not start.
    """
    flags = launch_flags(sandbox)
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        raise BrowserMissing(
            "the scanner needs Playwright: pip install 'banner-consent[scan]'"
        ) from None
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=executable, args=flags)
        except Error as exc:
            if sandbox and "sandbox" in str(exc).lower():
                why = "the machine offers no user namespaces or setuid sandbox"
                raise SandboxUnavailable(NO_SANDBOX_HERE.format(why=why)) from None
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else "failed"
            raise BrowserMissing(f"Chromium at {executable} did not start: {first}") from None
        try:
            yield browser
        finally:
            browser.close()
