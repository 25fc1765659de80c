"""The tamper-evident log (issue 22): proofs at 1,000,000 decisions, heads, write cost.

1. **Proof**: inclusion proofs of random decisions of a site with 1,000,000
   decisions (SQLite), as the route builds them (the rows of the consent id,
   their leaves and audit paths, the head that covers them), against the
   receipt's own query (every row of the consent id) in the same run.
2. **Head**: making a signed head and appending a batch of 64 decisions, at
   1,000 and at 1,000,000 decisions: no cost proportional to the log.
3. **Durable decisions**: decisions/s through ``ConsentService.record`` and the
   group commit, 16 threads, with the tree and with the tree switched off
   (``tree.append`` replaced by nothing, here only), interleaved over rounds,
   on SQLite and PostgreSQL. The HTTP layer adds the same cost to both, so
   the drop measured here is an upper bound of the POST's drop.

Run: ``.venv/bin/python -m bench.logtree [DECISIONS]``
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from banner.core.config import load_config
from banner.core.texts import banner_texts
from banner.log import tree
from banner.log.group_commit import GroupCommitLog
from banner.log.heads import HeadKeeper
from banner.log.proofs import inclusion_document
from banner.log.schema import consent_log
from banner.log.service import ConsentService, DecisionRequest
from banner.log.signing import LogKey, from_pem, new_pem
from banner.log.store import ConsentLog, Decision, _row_values
from bench import deployment
from bench.figures import Spread, ratio
from bench.table import markdown

SITE = deployment.SITE
SHOP = "https://shop.example"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
CHUNK = 20_000
PROOFS = 200
ROUNDS = 5
THREADS = 16
SECONDS = 3.0


def _decision(number: int) -> Decision:
    return Decision(
        f"bench-consent-{number:014d}", SITE, T0 + timedelta(seconds=number), "custom",
        ("analytics",), ("functional", "preference"), 1, "id", f"{number % 5:064x}", "banner",
        SHOP, "/produk/kopi", False, "203.0.113.0/24", "Mozilla/5.0 (bench)",
    )  # fmt: skip


def seed(log: ConsentLog, count: int, start: int = 0) -> None:
    """``count`` decisions, numbered and hashed as the group commit does, in big transactions."""
    for first in range(start, start + count, CHUNK):
        decisions = [_decision(n) for n in range(first, min(first + CHUNK, start + count))]
        rows = [_row_values(d) for d in decisions]
        with log.engine.begin() as conn:
            tree.append(conn, decisions, rows)
            conn.execute(consent_log.insert(), rows)


def _ms(action: Callable[[], object], times: int) -> Spread:
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        action()
        samples.append(1000 * (time.perf_counter() - start))
    return Spread.of(samples)


def _key() -> LogKey:
    return from_pem(new_pem(), "bench")


def proofs_and_heads(size: int) -> list[list[object]]:
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        log = ConsentLog(f"sqlite:///{Path(tmp) / 'tree.db'}")
        log.create_schema()
        keeper = HeadKeeper(log.engine, _key())
        seed(log, 1000)
        small = _head_and_append(log, keeper, 1000)  # up to 2,300
        started = time.perf_counter()
        seed(log, size - 2300, start=2300)
        print(
            f"seeded {size:,} decisions in {time.perf_counter() - started:.0f} s", file=sys.stderr
        )
        large = _head_and_append(log, keeper, size)
        keeper.make(SITE)
        picks = iter(random.Random(7).sample(range(2300, size), PROOFS * 2))
        proof = _ms(lambda: inclusion_document(log.engine, keeper, SITE, _id(next(picks))), PROOFS)
        receipt = _ms(lambda: log.history(_id(next(picks)), SITE), PROOFS)
        rows.append(
            [
                f"inclusion proof at {size:,} (ms)",
                proof.show(2),
                "receipt rows: " + receipt.show(2),
                ratio(proof.median, receipt.median),
            ]
        )
        for name, index in (("signed head (ms)", 0), ("append 64 decisions (ms)", 1)):
            rows.append(
                [
                    f"{name}, {size:,} vs 1,000",
                    large[index].show(2),
                    small[index].show(2),
                    ratio(large[index].median, small[index].median),
                ]
            )
        log.dispose()
    return rows  # fmt: skip


def _id(number: int) -> str:
    return _decision(number).consent_id


def _head_and_append(log: ConsentLog, keeper: HeadKeeper, size: int) -> tuple[Spread, Spread]:
    """Milliseconds to sign a head of a grown tree, and to append a batch of 64."""
    heads, appends = [], []
    for number in range(size, size + 20 * 65, 65):
        seed(log, 1, start=number)  # a new size: a head is made, not found
        heads.append(_ms(lambda: keeper.make(SITE), 1).median)
        appends.append(_ms(lambda n=number: seed(log, 64, start=n + 1), 1).median)
    return Spread.of(heads), Spread.of(appends)


# --- durable decisions, with and without the tree ---------------------------------


def _writes(service: ConsentService, seconds: float) -> float:
    request = DecisionRequest(SITE, ("analytics",), "id", page_origin=SHOP, page_path="/",
                              ip="203.0.113.77", user_agent="Mozilla/5.0 (bench)")  # fmt: skip
    done, stop = [0] * THREADS, time.perf_counter() + seconds

    def writer(slot: int) -> None:
        while time.perf_counter() < stop:
            service.record(request)
            done[slot] += 1

    start = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(writer, range(THREADS)))
    return sum(done) / (time.perf_counter() - start)


@contextmanager
def _no_tree() -> Iterator[None]:
    real = tree.append
    tree.append = lambda *_args: None  # type: ignore[assignment]
    try:
        yield
    finally:
        tree.append = real  # type: ignore[assignment]


@contextmanager
def _database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "SQLite":
        yield deployment.sqlite_url(folder)
    else:
        with deployment.postgres_schema() as url:
            yield url


def durable(kind: str) -> list[object]:
    with tempfile.TemporaryDirectory() as tmp, _database(kind, Path(tmp)) as url:
        config = load_config(deployment.write_config(Path(tmp), url, SHOP))
        log = GroupCommitLog(url)
        log.create_schema()
        keeper = HeadKeeper(log.engine, _key())
        log.listeners.append(keeper.note)
        log.closers.append(keeper.close)
        service = ConsentService(config, log, texts=banner_texts)
        _writes(service, 0.5)  # connect, archive the notice
        with_tree, without = [], []
        for _ in range(ROUNDS):
            with_tree.append(_writes(service, SECONDS))
            with _no_tree():
                without.append(_writes(service, SECONDS))
        log.dispose()
    a, b = Spread.of(with_tree), Spread.of(without)
    name = f"durable decisions/s ({kind}, {THREADS} threads)"
    return [name, a.show(0), "no tree: " + b.show(0), ratio(a.median, b.median)]


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rows = [durable("SQLite")]
    if deployment.postgres_reachable():
        rows.append(durable("PostgreSQL"))
    rows += proofs_and_heads(size)
    print(markdown(["figure", "measured", "reference (same run)", "ratio"], rows))
    print(
        f"\nmedian (min-max); {PROOFS} random proofs; {ROUNDS} rounds of {SECONDS:.0f} s per case."
    )


if __name__ == "__main__":
    main()
