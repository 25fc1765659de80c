"""Banner's durable ``POST /api/v1/consent`` of several commits side by side, with hello-world.

Each commit is a ``git archive`` of its own, served by gunicorn with ``banner
serve``'s settings from that folder (its ``banner`` and its gunicorn
settings), on SQLite and on PostgreSQL (when reachable), each on a database of
its own. wrk loads hello-world and every commit's servers round-robin, as
``bench.post_floor`` does, so a change is read as a ratio of the same run.

Run: ``.venv/bin/python -m bench.post_pair ROUNDS REV [REV ...]``
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import deployment, load
from bench.processes import free_port, gunicorn
from bench.throughput import CONSENT_ID_SLOT, HELLO, SHOP, Case, run_rounds

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class Servers:
    urls: dict[str, str]
    masters: dict[str, int]


def short(rev: str) -> str:
    """The commit's short hash (the table names commits, not ``HEAD``)."""
    found = subprocess.run(
        ["git", "rev-parse", "--short", rev], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return found.stdout.strip()


def unpack(rev: str, folder: Path) -> None:
    archive = subprocess.run(
        ["git", "archive", rev], cwd=ROOT, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)


@contextmanager
def servers(folder: Path, revs: list[str]) -> Iterator[Servers]:
    """hello-world, and each commit's banner on SQLite and on PostgreSQL."""
    with ExitStack() as started:
        urls: dict[str, str] = {}
        masters: dict[str, int] = {}

        def start(name: str, app: str, code: Path, env: dict[str, str], ready: str) -> None:
            port = free_port()
            urls[name] = f"http://127.0.0.1:{port}"
            log = folder / f"{name.replace(' ', '-')}.log"
            process = gunicorn(app, port, log, env, ready, cwd=code)
            masters[urls[name]] = started.enter_context(process).pid

        start(HELLO, "bench.hello:app", ROOT, {}, "/")
        postgres = deployment.postgres_reachable()
        for rev in revs:
            code = folder / rev
            code.mkdir()
            unpack(rev, code)
            for database in ("SQLite", "PostgreSQL") if postgres else ("SQLite",):
                home = folder / f"{rev}-{database}"
                home.mkdir()
                url = deployment.sqlite_url(home) if database == "SQLite" else None
                if url is None:
                    url = started.enter_context(deployment.postgres_schema())
                config = deployment.write_config(home, url, SHOP)
                env = {"BANNER_CONFIG": str(config), "PYTHONPATH": str(code)}
                start(f"{rev} {database}", "banner.app:create_app()", code, env, "/healthz")
        yield Servers(urls, masters)


def cases(running: Servers) -> list[Case]:
    found = [Case(HELLO, load.Shape(f"{running.urls[HELLO]}/"), 200)]
    for name, url in running.urls.items():
        if name == HELLO:
            continue
        notice = deployment.notice_hash(url)
        body = {**json.loads(deployment.consent_body(notice)), "consent_id": CONSENT_ID_SLOT}
        headers = {"Content-Type": "application/json", "Origin": SHOP}
        shape = load.Shape(f"{url}/api/v1/consent", "POST", json.dumps(body), headers)
        found.append(Case(f"POST /api/v1/consent, {name}", shape, 201))
    return found


def main(argv: list[str]) -> None:
    rounds = int(argv[0])
    revs = [short(rev) for rev in argv[1:]]
    load.wrk_path()
    with tempfile.TemporaryDirectory(prefix="banner-pair-") as tmp, servers(Path(tmp), revs) as run:
        print(run_rounds(run, cases(run), rounds))
    print(
        f"\nbanner serve's gunicorn settings for every server; wrk 1 thread, "
        f"{load.CONNECTIONS} connections, {load.SECONDS} s per case per round, {rounds} rounds, "
        "round-robin, median (min-max); CPU ceiling = hello-world's worker CPU per request "
        "÷ the row's."
    )


if __name__ == "__main__":
    main(sys.argv[1:])
