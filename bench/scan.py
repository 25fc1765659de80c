"""How long ``banner scan`` takes for 20 pages, and what it finds on the demo shop.

``python -m bench.scan [RUNS]`` scans the fixture website of the scanner's tests
(``tests/scan/site.py``: 40 chained pages, banner's loader, a fake of the tracker
hosts) with ``--pages 20``, RUNS times (default 3), as a process the way CI runs
it. The reference, measured in the same run, is a bare Playwright script that
starts the same Chromium and opens the same 20 pages twice (a fresh profile
each time) waiting only for ``load``: what any two-pass crawl costs before the
scanner records, waits for the page's scripts and clicks "accept all".

``python -m bench.scan demo`` scans the demo shop (service, shop page and a fake
GA4 and Meta Pixel that set their first-party cookies as the real ones do) with
``--site tokodemo`` and prints the summary and the proposed ``cookies.toml``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.figures import Spread, ratio
from bench.table import markdown
from tests.scan.demo import running_demo
from tests.scan.site import running_fixture

PAGES = 20
BARE = """
import sys
from playwright.sync_api import sync_playwright
from banner.scan.chromium import FLAGS, NO_SANDBOX, find_chromium
urls = sys.argv[1:]
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path=find_chromium(), args=[NO_SANDBOX, *FLAGS])
    for _ in range(2):
        context = browser.new_context()
        page = context.new_page()
        for url in urls:
            page.goto(url)
        context.close()
    browser.close()
"""


def _timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=900)
    return time.perf_counter() - started, done


def measure(runs: int) -> str:
    scans: list[float] = []
    bare: list[float] = []
    with tempfile.TemporaryDirectory() as folder, running_fixture(Path(folder)) as fixture:
        urls = [fixture.url] + [f"{fixture.url}deep/{n}" for n in range(1, PAGES)]
        for run in range(runs):
            out = Path(folder) / f"out{run}"
            seconds, done = _timed(
                [
                    sys.executable,
                    "-m",
                    "banner",
                    "scan",
                    fixture.url,
                    "--pages",
                    str(PAGES),
                    "--output",
                    str(out),
                    "--unsafe-no-sandbox",  # the bench machine runs as root
                    *fixture.routes(),
                ]
            )
            report = json.loads((out / "report.json").read_text(encoding="utf-8"))
            assert len(report["pages"]) == PAGES and done.returncode == 0, done.stderr
            scans.append(seconds)
            seconds, done = _timed([sys.executable, "-c", BARE, *urls])
            assert done.returncode == 0, done.stderr
            bare.append(seconds)
    scan, reference = Spread.of(scans), Spread.of(bare)
    rows = [
        [
            "`banner scan --pages 20` (2 passes)",
            scan.show(),
            f"{scan.median / PAGES:.2f}",
            ratio(scan.median, reference.median),
        ],
        [
            "bare Playwright, same 20 pages twice",
            reference.show(),
            f"{reference.median / PAGES:.2f}",
            "1.00x",
        ],
    ]
    headers = ["run", f"seconds, median (min-max) of {runs}", "s/page", "vs bare"]
    return markdown(headers, rows)


def demo() -> str:
    """Scan the demo shop; return the exit status, the summary and the proposal."""
    with tempfile.TemporaryDirectory() as folder, running_demo(Path(folder)) as shop:
        seconds, done = _timed(
            [
                *(sys.executable, "-m", "banner", "scan", shop.url),
                *("--config", str(shop.config), "--site", "tokodemo"),
                *("--output", f"{folder}/out", "--unsafe-no-sandbox", *shop.routes),
            ]
        )
        proposal = (Path(folder) / "out" / "cookies.toml").read_text(encoding="utf-8")
    return f"exit {done.returncode} in {seconds:.1f} s\n{done.stdout}\n{proposal}"


if __name__ == "__main__":
    if sys.argv[1:] == ["demo"]:
        print(demo())
    else:
        print(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
