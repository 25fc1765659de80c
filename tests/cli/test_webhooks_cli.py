"""``banner webhooks list|retry|replay``: counts, queuing again, and errors in one line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from banner.cli import main
from banner.core.config import load_config
from banner.log.outbox import Outbox
from banner.log.schema import webhook_outbox
from banner.log.store import ConsentLog
from tests.log.seeding import decision

SECRET = "a-webhook-secret-0123456789"


@pytest.fixture
def hooked_file(config_file: Path) -> Path:
    with config_file.open("a", encoding="utf-8") as out:
        out.write(
            f'\n[sites.tokodemo.webhooks.crm]\nurl = "https://crm.example.co.id/hook"\n'
            f'secret = "{SECRET}"\n'
        )
    return config_file


@pytest.fixture
def stored(hooked_file: Path) -> ConsentLog:
    config = load_config(hooked_file)
    log = ConsentLog(config.database_url)
    log.create_schema()
    log.companions.append(Outbox(lambda: config))
    for n in range(3):
        log.append(decision(n))
    with log.engine.begin() as conn:  # one delivered, one failed, one pending
        conn.execute(
            webhook_outbox.update()
            .where(webhook_outbox.c.log_index == 0)
            .values(state="delivered", last_result="200")
        )
        conn.execute(
            webhook_outbox.update()
            .where(webhook_outbox.c.log_index == 1)
            .values(state="failed", last_result="500")
        )
    return log


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def states(log: ConsentLog) -> list[str]:
    with log.engine.connect() as conn:
        query = sa.select(webhook_outbox.c.state).order_by(webhook_outbox.c.log_index)
        return list(conn.execute(query).scalars())


def test_list_counts_and_events(hooked_file: Path, stored: ConsentLog) -> None:
    code, out = run("webhooks", "list", "--config", str(hooked_file))
    assert code == 0
    assert "tokodemo: 1 pending, 1 delivered, 1 failed" in out
    assert out.count("tokodemo/crm decision") == 3
    code, out = run("webhooks", "list", "--config", str(hooked_file), "--state", "failed")
    assert out.count("tokodemo/crm") == 1 and "500" in out
    assert SECRET not in out


def test_retry_queues_the_failed_again(hooked_file: Path, stored: ConsentLog) -> None:
    code, out = run("webhooks", "retry", "--config", str(hooked_file), "--site", "tokodemo")
    assert code == 0 and out.startswith("1 failed events queued again")
    assert states(stored) == ["delivered", "pending", "pending"]


def test_replay_since_sends_again(hooked_file: Path, stored: ConsentLog) -> None:
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    code, out = run("webhooks", "replay", "--config", str(hooked_file), "--since", since)
    assert code == 0 and out.startswith("2 events queued again")
    assert states(stored) == ["pending"] * 3
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    code, out = run("webhooks", "replay", "--config", str(hooked_file), "--since", tomorrow)
    assert out.startswith("0 events")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("replay",), "Missing option '--since'"),
        (("replay", "--since", "yesterday"), "expected a date like 2026-11-01"),
        (("retry", "--site", "nope"), "no site 'nope'"),
        (("list", "--state", "lost"), "Invalid value for '--state'"),
        (("list", "--limit", "0"), "Invalid value for '--limit'"),
    ],
)
def test_mistakes_end_in_one_line(hooked_file: Path, args: tuple[str, ...], words: str) -> None:
    code, out = run("webhooks", *args, "--config", str(hooked_file))
    assert code != 0 and words in out and "Traceback" not in out


def test_a_missing_secret_env_is_a_config_error(config_file: Path) -> None:
    with config_file.open("a", encoding="utf-8") as out:
        out.write(
            '\n[sites.tokodemo.webhooks.crm]\nurl = "https://crm.example.co.id/hook"\n'
            'secret_env = "BANNER_TEST_UNSET_SECRET"\n'
        )
    code, out = run("webhooks", "list", "--config", str(config_file))
    assert code == 1 and "Traceback" not in out
    assert "sites.tokodemo.webhooks.crm.secret_env" in out and str(config_file) in out


def test_an_unreachable_database_is_one_line(tmp_path: Path, hooked_file: Path) -> None:
    text = hooked_file.read_text(encoding="utf-8")
    broken = text.replace(
        'database_url = "sqlite:///', f'database_url = "sqlite:///{tmp_path}/no/such/dir/'
    )
    hooked_file.write_text(broken, encoding="utf-8")
    code, out = run("webhooks", "list", "--config", str(hooked_file))
    assert code == 1 and "consent log unavailable" in out and "Traceback" not in out
