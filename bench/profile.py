"""Where a server case spends its time: py-spy on the gunicorn workers under wrk.

For a throughput case that misses its target, this answers "what dominates"
with a profile rather than a guess. The case runs under the same load as in
``bench.throughput`` while py-spy samples every worker, idle frames included
(time blocked in ``fsync`` or on a socket is time a request waits too).
Printed: each part's share of the samples of threads busy with a request or
with a batch's commit (the waits a durable write makes first, else the
innermost layer: banner, Flask-Limiter, Werkzeug, Flask, gunicorn), largest
first; the shares add up to 100%. Under ``gthread`` workers several threads
are busy at once, so a share is of thread time, not of a CPU.

With ``--cpu``, py-spy samples only the thread holding the GIL (``--gil``):
the shares are of the workers' Python CPU time, by the innermost module that
owns a sample (banner's by file; libraries by package), and a commit's own
work (the group commit's writer thread) split into the tree's numbering and
the rest. Where the CPU goes decides what a request can cost at best.

Run: ``.venv/bin/python -m bench.profile [--cpu] [CASE-PREFIX ...]``
(default: hello-world, ``loader.js 200`` and the ``POST /api/v1/consent`` cases, busy
time then CPU)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from bench import load
from bench.table import markdown
from bench.throughput import Case, Services, cases, services

SECONDS = 5
DEFAULT_CASES = ("hello-world", "loader.js 200", "POST /api/v1/consent")

#: Parts of a request that own a sample wherever they appear in its stack,
#: in priority order: the waits a durable write makes.
WAITS: tuple[tuple[str, str], ...] = (
    ("waiting for its batch's commit (group commit)", "outcome (banner/log/group_commit.py"),
    ("SQLite BEGIN IMMEDIATE (waiting for the write lock)", "_sqlite_begin (banner/log/store.py"),
    ("SQL COMMIT (fsync)", "do_commit (sqlalchemy/engine/default.py"),
    ("SQL pool pre-ping", "do_ping ("),
    ("SQL statements (SQLAlchemy, driver, server)", "(sqlalchemy/"),
    ("token signing (itsdangerous)", "(itsdangerous/"),
    ("rate limit storage (limits)", "(limits/"),
)
#: Otherwise the sample belongs to the innermost of these layers.
LAYERS: tuple[tuple[str, str], ...] = (
    ("banner code", "(banner/"),
    ("Flask-Limiter", "(flask_limiter/"),
    ("Werkzeug", "(werkzeug/"),
    ("Flask", "(flask/"),
    ("gunicorn: sockets and HTTP parsing", "(gunicorn/"),
)
#: Threads busy with a request, and the group-commit writer committing a batch
#: (idle threads of the pool, gunicorn's poller and limits' timer are left out).
BUSY_THREAD = (
    "handle_request (gunicorn/workers/gthread.py",
    "commit_batch (banner/log/group_commit.py",
)


def part_of(frames: list[str]) -> str:
    """The part of the request one sampled stack (outermost frame first) belongs to."""
    stack = ";".join(frames)
    for name, marker in WAITS:
        if marker in stack:
            return name
    for frame in reversed(frames):
        for name, marker in LAYERS:
            if marker in frame:
                return name
    return "other"


#: ``--cpu``: libraries named by package when they own the innermost frame.
PACKAGES = (
    "sqlalchemy",
    "psycopg",
    "flask_limiter",
    "limits",
    "itsdangerous",
    "werkzeug",
    "flask",
    "gunicorn",
    "json",
    "sqlite3",
    "threading",
    "queue",
)


def cpu_part_of(frames: list[str]) -> str:
    """The part of the CPU one GIL-holding stack belongs to (outermost frame first)."""
    stack = ";".join(frames)
    if "commit_batch (banner/log/group_commit.py" in stack:
        if "(banner/log/tree.py" in stack:
            return "group commit: numbering and leaf hashes (banner/log/tree.py)"
        return "group commit: the rest of the batch (SQL, driver, commit)"
    for frame in reversed(frames):
        path = frame[frame.find("(") + 1 :]
        if "/banner/" in path or path.startswith("banner/"):
            return "banner: " + path[path.find("banner/") :].split(":")[0]
        for package in PACKAGES:
            if f"/{package}/" in path or path.startswith(f"{package}/"):
                return package
    return "other (interpreter, C code)"


def cpu_shares(raw: Iterable[str]) -> Counter[str]:
    """Samples of the GIL holder per part, from py-spy's raw stacks (``--gil``)."""
    parts = Counter[str]()
    for line in raw:
        stack, _, count = line.rstrip().rpartition(" ")
        if count.isdigit() and stack:
            parts[cpu_part_of(stack.split(";"))] += int(count)
    return parts


def workers(master: int) -> list[int]:
    """The gunicorn master's worker processes."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def record(pid: int, seconds: int, out: Path, cpu: bool = False) -> subprocess.Popen[bytes]:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    argv = [spy, "record", "--format", "raw", "--rate", "200", "-d", str(seconds)]
    argv += ["--gil"] if cpu else ["--idle"]
    argv += ["--pid", str(pid), "-o", str(out)]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def shares(raw: Iterable[str]) -> Counter[str]:
    """Busy threads' samples per part of the request, from py-spy's raw stacks."""
    parts = Counter[str]()
    for line in raw:
        stack, _, count = line.rstrip().rpartition(" ")
        if any(marker in stack for marker in BUSY_THREAD) and count.isdigit():
            parts[part_of(stack.split(";"))] += int(count)
    return parts


def profile(
    running: Services, case: Case, folder: Path, cpu: bool = False
) -> tuple[float, Counter[str]]:
    """Load ``case`` and sample its workers; requests/s and the samples."""
    url = case.shape.url
    master = next(m for base, m in running.masters.items() if url.startswith(base))
    outputs = [folder / f"{pid}.txt" for pid in workers(master)]
    result: list[load.Result] = []
    loader = threading.Thread(target=lambda: result.append(load.run(case.shape, SECONDS + 2)))
    loader.start()
    spies = [record(int(out.stem), SECONDS, out, cpu) for out in outputs]
    for spy in spies:
        spy.wait(timeout=SECONDS + 60)
    loader.join(timeout=SECONDS + 60)
    parts = Counter[str]()
    for out in outputs:
        if out.exists():
            lines = out.read_text().splitlines()
            parts += cpu_shares(lines) if cpu else shares(lines)
    return (result[0].requests_per_second if result else 0.0), parts


def report(name: str, rate: float, parts: Counter[str], cpu: bool = False) -> str:
    total = parts.total() or 1
    rows = [
        [part, f"{100 * n / total:.0f}%"] for part, n in parts.most_common() if n / total >= 0.005
    ]
    what = "share of the workers' Python CPU" if cpu else "share of busy thread time"
    head = f"### {name}: {rate:,.0f} requests/s while sampled, {total} samples\n\n"
    return head + markdown(["part of the request", what], rows)


def main() -> None:
    """Busy thread time of the cases; with ``--cpu`` their CPU; without arguments, both."""
    named = [a for a in sys.argv[1:] if a != "--cpu"]
    views = [True] if "--cpu" in sys.argv[1:] else [False] if named else [False, True]
    wanted = tuple(named) or DEFAULT_CASES
    load.wrk_path()
    with tempfile.TemporaryDirectory(prefix="banner-profile-") as tmp, services(Path(tmp)) as run:
        for cpu in views:
            for case in cases(run):
                if case.name.startswith(wanted):
                    folder = Path(tmp) / f"case-{cpu}-{abs(hash(case.name))}"
                    folder.mkdir()
                    rate, parts = profile(run, case, folder, cpu)
                    print(report(case.name, rate, parts, cpu), end="\n\n", flush=True)


if __name__ == "__main__":
    main()
