"""Several instances on one PostgreSQL database and one key list."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner

from banner.cli.commands import main
from tests.processes import ServerProcess, api_call, write_config

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def decide(
    url: str,
    granted: list[str],
    consent_id: str | None = None,
    token: object = None,
    retry_key: str | None = None,
) -> dict[str, object]:
    body: dict[str, object] = {
        "site": "tokodemo",
        "granted": granted,
        "language": "id",
        "policy_version": 3,
    }
    if consent_id:
        body["consent_id"] = consent_id
    if token:
        body["token"] = token  # a change carries the id's current token
    if retry_key:
        body["retry_key"] = retry_key  # a retry carries the key of the decision it repeats
    return api_call(url + "/api/v1/consent", body)


def test_two_instances_share_tokens_log_export_and_stats(tmp_path: Path, postgres_url: str) -> None:
    config = write_config(tmp_path / "banner.toml", postgres_url)
    first, second = ServerProcess(config), ServerProcess(config)
    try:
        a = decide(first.url, ["analytics"], retry_key="instances-decision-a")
        b = decide(second.url, [])
        retried = decide(  # a retry, on the other instance
            second.url, ["analytics"], str(a["consent_id"]), retry_key="instances-decision-a"
        )
        changed = decide(first.url, ["functional"], str(b["consent_id"]), b["token"])
        for token, server in (
            (a["token"], second),
            (b["token"], first),
            (changed["token"], second),
        ):
            verdict = api_call(server.url + "/api/v1/verify", {"site": "tokodemo", "token": token})
            assert verdict["valid"] is True
    finally:
        first.stop()
        second.stop()
    assert retried["consent_id"] == a["consent_id"]
    runner = CliRunner()
    exported = runner.invoke(main, ["log", "export", "--site", "tokodemo", "--config", str(config)])
    assert exported.exit_code == 0, exported.output
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert [(r["consent_id"], r["action"]) for r in rows] == [
        (a["consent_id"], "custom"),
        (b["consent_id"], "reject"),
        (b["consent_id"], "change"),
    ]
    stats = runner.invoke(main, ["stats", "--site", "tokodemo", "--config", str(config)])
    assert stats.exit_code == 0, stats.output
    assert stats.output.splitlines()[1].split()[1:3] == ["3", "2"]  # decisions, visitors
