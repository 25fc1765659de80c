"""A bounded load generator: wrk (Debian's ``wrk`` package) for a fixed time.

Every run is bounded by :data:`SECONDS` (and wrk's own timeout); the
request shape goes to ``wrk/request.lua`` through the environment.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

SECONDS = 5
CONNECTIONS = 8
SCRIPT = Path(__file__).resolve().parent / "wrk" / "request.lua"


@dataclass(frozen=True, slots=True)
class Shape:
    """What one benchmark request looks like."""

    url: str
    method: str = "GET"
    body: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Result:
    requests_per_second: float
    errors: int


def wrk_path() -> str:
    """The wrk binary.

    :raises RuntimeError: when wrk is not installed.
    """
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("the throughput benchmark needs wrk: apt-get install wrk")
    return found


def run(shape: Shape, seconds: int = SECONDS) -> Result:
    """Load ``shape`` with :data:`CONNECTIONS` connections for ``seconds``."""
    return run_spread([shape], seconds)


def run_spread(shapes: list[Shape], seconds: int = SECONDS) -> Result:
    """Load every shape at once (one wrk each), :data:`CONNECTIONS` split between them.

    For several instances of a service: the figure is their sum.
    """
    connections = max(1, CONNECTIONS // len(shapes))
    running = [_start(shape, seconds, connections, n) for n, shape in enumerate(shapes)]
    results = [_finish(child, seconds) for child in running]
    rate = sum(r.requests_per_second for r in results)
    return Result(rate, sum(r.errors for r in results))


def _start(shape: Shape, seconds: int, connections: int, seed: int) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "BENCH_METHOD": shape.method,
        "BENCH_BODY": shape.body,
        "BENCH_HEADERS": "\n".join(f"{k}: {v}" for k, v in shape.headers.items()),
        "BENCH_SEED": str(seed * 7919),
    }
    argv = [wrk_path(), "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout=5s"]
    argv += ["-s", str(SCRIPT), shape.url]
    return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, text=True)


def _finish(child: subprocess.Popen[str], seconds: int) -> Result:
    try:
        out, _ = child.communicate(timeout=seconds + 30)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, child.args, out)
    errors = _number(out, r"Non-2xx or 3xx responses: (\d+)")
    errors += _number(out, r"Socket errors: connect (\d+)") + _number(out, r"timeout (\d+)")
    return Result(_number(out, r"Requests/sec:\s+([\d.]+)"), int(errors))


def _number(output: str, pattern: str) -> float:
    found = re.search(pattern, output)
    return float(found.group(1)) if found else 0.0
