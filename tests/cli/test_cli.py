"""The ``banner`` command: export round-trip, formula escaping, purge, stats, bad arguments."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from banner.cli.commands import main
from banner.core.config import load_config
from banner.log.service import ConsentService, DecisionRequest
from banner.log.store import ConsentLog

HOSTILE_UA = '=HYPERLINK("https://evil.example")'


def record(
    config_file: Path,
    granted: tuple[str, ...],
    ua: str = "Mozilla/5.0",
    when: float | None = None,
    consent_id: str | None = None,
    token: bool = False,
) -> str:
    """Record a decision; ``token`` sends a current token of ``consent_id`` (a change)."""
    config = load_config(config_file, env={})
    log = ConsentLog(config.database_url)
    log.create_schema()
    service = ConsentService(config, log, clock=time.time if when is None else lambda: when)
    current = service.codecs["tokodemo"].sign(consent_id, ())[0] if token and consent_id else None
    done = service.record(
        DecisionRequest(
            "tokodemo", granted, "id", consent_id, ip="203.0.113.9", user_agent=ua, token=current
        )
    )
    log.dispose()
    return done.decision.consent_id


def test_show_an_id_that_looks_like_an_option(cli: CliRunner, config_file: Path) -> None:
    """Browsers may choose ids starting with "-"; "--" ends the options."""
    chosen = record(config_file, ("analytics",), consent_id="-browser-chosen-id-0001")
    shown = cli.invoke(main, ["log", "show", "--config", str(config_file), "--", chosen])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["consent_id"] == chosen


def test_check_config_ok_and_bad(cli: CliRunner, config_file: Path, tmp_path: Path) -> None:
    ok = cli.invoke(main, ["check-config", "--config", str(config_file)])
    assert ok.exit_code == 0 and "ok (1 site(s): tokodemo)" in ok.output
    bad = tmp_path / "bad.toml"
    bad.write_text(config_file.read_text().replace("G-", "").replace("https://www", "www"))
    result = cli.invoke(main, ["check-config", "--config", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}: sites.tokodemo.origins: expected" in result.output
    assert "Traceback" not in result.output


def test_config_from_environment(cli: CliRunner, config_file: Path) -> None:
    result = cli.invoke(main, ["check-config"], env={"BANNER_CONFIG": str(config_file)})
    assert result.exit_code == 0, result.output


def test_export_csv_round_trip_with_formula_escaping(cli: CliRunner, config_file: Path) -> None:
    first = record(config_file, ("analytics",), ua=HOSTILE_UA)
    record(config_file, ())
    result = cli.invoke(main, ["log", "export", "--site", "tokodemo", "--config", str(config_file)])
    assert result.exit_code == 0, result.output
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(table) == 2
    assert table[0]["consent_id"] == first and table[0]["granted"] == "analytics"
    assert table[0]["user_agent"] == "'" + HOSTILE_UA
    assert table[0]["ip_masked"] == "203.0.113.0/24"
    assert "203.0.113.9" not in result.stdout
    assert "exported 2 row(s)" in result.stderr


def test_export_jsonl_to_file_and_date_range(
    cli: CliRunner, config_file: Path, tmp_path: Path
) -> None:
    old = datetime(2026, 1, 10, tzinfo=UTC).timestamp()
    record(config_file, ("analytics",), when=old)
    recent = record(config_file, ("functional",))
    out = tmp_path / "out.jsonl"
    args = ["log", "export", "--site", "tokodemo", "--format", "jsonl", "--since", "2026-02-01"]
    result = cli.invoke(main, [*args, "--output", str(out), "--config", str(config_file)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["consent_id"] for line in lines] == [recent]
    assert lines[0]["granted"] == ["functional"] and lines[0]["recorded_at"].endswith("+00:00")


def test_show_and_purge(cli: CliRunner, config_file: Path) -> None:
    long_ago = (datetime.now(UTC) - timedelta(days=400)).timestamp()
    old = record(config_file, ("analytics",), when=long_ago)
    fresh = record(config_file, ("analytics",))
    shown = cli.invoke(main, ["log", "show", old, "--config", str(config_file)])
    assert shown.exit_code == 0 and json.loads(shown.output)["consent_id"] == old
    purged = cli.invoke(main, ["log", "purge", "--older-than", "365", "--config", str(config_file)])
    assert purged.exit_code == 0 and "purged 1 row(s)" in purged.output
    assert cli.invoke(main, ["log", "show", old, "--config", str(config_file)]).exit_code == 1
    assert cli.invoke(main, ["log", "show", fresh, "--config", str(config_file)]).exit_code == 0


def test_stats_table(cli: CliRunner, config_file: Path) -> None:
    """Decisions (rows) and visitors (consent ids) are both shown, each under its own name."""
    changing = record(config_file, ("functional",))
    record(config_file, ("analytics",))
    record(config_file, ("analytics", "functional"))
    record(config_file, (), consent_id=changing, token=True)  # the same visitor changes
    result = cli.invoke(main, ["stats", "--site", "tokodemo", "--config", str(config_file)])
    assert result.exit_code == 0, result.output
    header, row = result.output.splitlines()
    assert header.split() == [
        "day",
        "decisions",
        "visitors",
        "functional",
        "analytics",
        "preference",
    ]
    assert row.split()[1:] == ["4", "3", "33.3%", "66.7%", "0.0%"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["log", "export", "--site", "nope"], "no site 'nope'"),
        (["log", "export", "--site", "tokodemo", "--since", "yesterday"], "expected a date"),
        (["log", "export", "--site", "tokodemo", "--format", "xml"], "'xml' is not one of"),
        (["log", "purge", "--older-than", "0"], "0 is not in the range"),
        (["log", "purge"], "Missing option '--older-than'"),
        (["stats", "--site", "tokodemo", "--days", "x"], "'x' is not a valid integer"),
        (["log", "show", "unknown-consent-id"], "no rows for consent id"),
    ],
)
def test_bad_arguments(cli: CliRunner, config_file: Path, args: list[str], message: str) -> None:
    result = cli.invoke(main, [*args, "--config", str(config_file)])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_missing_config_file(cli: CliRunner, tmp_path: Path) -> None:
    result = cli.invoke(main, ["stats", "--site", "x", "--config", str(tmp_path / "none.toml")])
    assert result.exit_code == 1 and "expected an existing TOML file" in result.output
