"""First visits of several commits' banners in one run, beside Orejime and Klaro!.

Each commit is a ``git archive`` of its own, served by its own service and
shop (``bench.stack.running`` in a child process whose ``PYTHONPATH`` is the
archive), so its gate, UI and service are that commit's. One Chromium visits
every page round-robin (the order reversed every other round), CPU x4, with
``bench.browser.first_visit``: the machine's load then falls on every page
alike, and only these same-run ratios are compared. Orejime and Klaro! come
from the first commit's shop.

Run: ``.venv/bin/python -m bench.paired ROUNDS REV [REV ...]``
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, TypeVar

from bench import browser, chromium, peers
from bench.figures import Spread, median_or_none, ratio
from bench.table import markdown

ROOT = Path(__file__).resolve().parent.parent
PEER_PAGES = ("orejime", "klaro")
Found = TypeVar("Found")
#: Run in the child, on the archive's own ``bench.stack``: one JSON line, then
#: it serves until its standard input closes.
SERVE = """
import json, sys
from bench.stack import running
with running() as s:
    print(json.dumps({"service": s.service_url, "shop": s.shop_origin}), flush=True)
    sys.stdin.read()
"""


@contextmanager
def served(
    rev: str, folder: Path, files: Mapping[str, bytes] | None = None
) -> Iterator[dict[str, str]]:
    """The service and shop of commit ``rev``, from an archive of it in ``folder``.

    :param files: files written into the archive before it is served, by their path in
        it (a page the commit's shop serves that the commit did not have).
    """
    archive = subprocess.run(
        ["git", "archive", rev], cwd=ROOT, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    (folder / "bench" / ".cache").symlink_to(peers.CACHE)
    for path, body in (files or {}).items():
        (folder / path).write_bytes(body)
    env = {**os.environ, "PYTHONPATH": str(folder)}
    child = subprocess.Popen(
        [sys.executable, "-c", SERVE],
        cwd=folder,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        yield json.loads(child.stdout.readline())
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=60)


def short(rev: str) -> str:
    """The commit's short hash (the tables name commits, not ``HEAD``)."""
    found = subprocess.run(
        ["git", "rev-parse", "--short", rev], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return found.stdout.strip()


def round_robin(
    pages: dict[str, str], rounds: int, visit: Callable[[Any, str, str], Found]
) -> tuple[dict[str, list[Found]], list[float]]:
    """``visit(browser, name, url)`` of every page once a round, in one Chromium, the
    order reversed every other round; the load average at the start and after each."""
    found: dict[str, list[Found]] = {name: [] for name in pages}
    loads = [os.getloadavg()[0]]
    names = list(pages)
    with chromium.browser() as launched:
        for n in range(rounds):
            for name in names if n % 2 == 0 else names[::-1]:
                found[name].append(visit(launched, name, pages[name]))
            loads.append(os.getloadavg()[0])
    return found, loads


def visit_all(
    pages: dict[str, str], rounds: int, unclicked: Collection[str] = ()
) -> tuple[dict[str, list[browser.FirstVisit]], list[float]]:
    """``browser.first_visit`` of every page, round-robin.

    :param unclicked: pages visited as ``browser.first_visit`` visits the page
        without a banner (no wait for a banner, no click): a page with nothing
        to click.
    """

    def visit(launched: Any, name: str, url: str) -> browser.FirstVisit:
        return browser.first_visit(launched, url, name not in unclicked)

    return round_robin(pages, rounds, visit)


def spread(values: Iterable[float | None]) -> Spread | None:
    """The spread of the figures a page has (none: no banner, or nothing clicked)."""
    found = [v for v in values if v]
    return Spread.of(found) if found else None


def _show(spread: Spread | None, digits: int) -> str:
    return "—" if spread is None else spread.show(digits)


def table(found: dict[str, list[browser.FirstVisit]]) -> str:
    """Banner visible and click to gone against the peers of the same run (a dash
    where a page has no such figure: no banner, or nothing to click)."""
    visible = {p: spread(r.visible_ms for r in runs) for p, runs in found.items()}
    gone = {p: spread(r.gone_ms for r in runs) for p, runs in found.items()}
    fastest_gone = min(PEER_PAGES, key=lambda p: median_or_none(gone[p]) or float("inf"))
    rows = []
    for page, runs in found.items():
        with_any = sum(1 for r in runs if r.long_tasks)
        rows.append(
            [
                page,
                _show(visible[page], 0),
                ratio(median_or_none(visible[page]), median_or_none(visible["orejime"])),
                f"{with_any} of {len(runs)}",
                Spread.of(max(r.long_tasks, default=0.0) for r in runs).show(0),
                Spread.of(r.longest_own_script_ms for r in runs).show(0),
                _show(gone[page], 1),
                ratio(median_or_none(gone[page]), median_or_none(gone[fastest_gone])),
            ]
        )
    headers = ["page", "banner visible ms", "÷ Orejime", "runs with a long task (> 50 ms)"]
    headers += ["a run's longest task ms", "own script in a long frame, longest ms"]
    headers += ["click to gone ms", f"÷ fastest peer ({fastest_gone})"]
    return markdown(headers, rows)


def main(argv: list[str]) -> None:
    rounds = int(argv[0])
    revs = [short(rev) for rev in argv[1:]]
    peers.install()
    started = time.strftime("%H:%M", time.gmtime())
    with ExitStack() as stack:
        shops = []
        for rev in revs:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="banner-pair-")))
            shops.append(stack.enter_context(served(rev, folder))["shop"])
        pages = {rev: f"{shop}/banner.html" for rev, shop in zip(revs, shops, strict=True)}
        pages.update({peer: f"{shops[0]}/{peer}.html" for peer in PEER_PAGES})
        found, loads = visit_all(pages, rounds)
    print(f"{rounds} rounds, {started}-{time.strftime('%H:%M', time.gmtime())} UTC, CPU x4,")
    print(f"load average {min(loads):.1f}-{max(loads):.1f} (1 min, read every round):\n")
    print(table(found))


if __name__ == "__main__":
    main(sys.argv[1:])
