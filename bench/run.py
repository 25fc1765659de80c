"""Run benchmarks and write their latest figures into ``bench/RESULTS.md``.

Each benchmark runs as its own process (``python -m bench.NAME``), exactly
as documented in ``bench/README.md``; its printed table becomes one section
of RESULTS.md with the date, the machine and the command. Sections of
benchmarks not run this time are kept as they were, and so is the
hand-written ``targets`` section.

Run: ``.venv/bin/python -m bench.run [NAME ...]`` (default: all)
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

from bench import machine

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "RESULTS.md"
#: Benchmark modules in the order RESULTS.md shows them, with their titles.
BENCHMARKS = {
    "weight": "Weight: what a visitor downloads",
    "browser": "Browser cost (Chromium, CPU x4)",
    "throughput": "Server throughput (gunicorn, banner serve's gthread settings)",
    "verify": "Token verification cost",
    "lograte": "Consent log write rate",
    "profile": "Where the server's time goes (py-spy under wrk)",
    "logpost": "Durable POST with and without the tamper-evident log",
    "dashboard": "Dashboard page on a million decisions",
    "purge": "Consent POST while the log is purged",
    "export_memory": "Memory of a big log export",
}
#: A hand-written section (the targets, what was missed and why), kept as is.
NOTES = "targets"
HEADER = """# Benchmark results

Latest figures, written by `.venv/bin/python -m bench.run`. Every figure is a
median over repeated runs with (min-max), and a ratio against a reference
measured in the same run. See `bench/README.md` for what each one measures.
"""


def available(name: str) -> bool:
    return (HERE / f"{name}.py").is_file()


def command(name: str) -> list[str]:
    return [".venv/bin/python", "-m", f"bench.{name}"]


def run(name: str) -> str:
    """Run one benchmark; its section of RESULTS.md."""
    argv = command(name)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, *argv[1:]], capture_output=True, text=True, cwd=HERE.parent
    )
    minutes = (time.monotonic() - started) / 60
    output = done.stdout.strip()
    if done.returncode != 0:
        output += f"\n\nFAILED (exit {done.returncode}):\n\n```\n{done.stderr[-3000:]}\n```"
    return (
        f"## {BENCHMARKS[name]}\n\n"
        f"- command: `{' '.join(argv)}`\n"
        f"- machine: {machine.describe()}\n"
        f"- took {minutes:.1f} min\n\n"
        f"{output}\n"
    )


def _sections(text: str) -> dict[str, str]:
    found = re.findall(r"<!-- bench:(\w+) -->\n(.*?)<!-- /bench:\1 -->", text, re.S)
    return dict(found)


def write(sections: dict[str, str]) -> None:
    parts = [HEADER]
    if NOTES in sections:
        parts.append(f"<!-- bench:{NOTES} -->\n{sections[NOTES]}<!-- /bench:{NOTES} -->\n")
    for name in BENCHMARKS:
        if name in sections:
            parts.append(f"<!-- bench:{name} -->\n{sections[name]}<!-- /bench:{name} -->\n")
    RESULTS.write_text("\n".join(parts), encoding="utf-8")


def main() -> None:
    names = sys.argv[1:] or [n for n in BENCHMARKS if available(n)]
    unknown = [n for n in names if n not in BENCHMARKS or not available(n)]
    if unknown:
        raise SystemExit(f"no such benchmark: {', '.join(unknown)}")
    sections = _sections(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    for name in names:
        print(f"running {' '.join(command(name))} ...", flush=True)
        sections[name] = run(name)
        write(sections)
        print(sections[name], flush=True)


if __name__ == "__main__":
    main()
