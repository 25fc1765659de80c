"""``banner log export --with-notices``, purge of notices, and check-config's list of mistakes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from banner.cli.commands import main
from banner.core.config import load_config
from banner.core.texts import banner_texts
from banner.log.notices import NoticeArchive
from banner.log.schema import notices
from banner.log.service import ConsentService, DecisionRequest
from banner.log.store import ConsentLog


def record(config_file: Path, language: str, when: float | None = None) -> str:
    config = load_config(config_file, env={})
    log = ConsentLog(config.database_url)
    log.create_schema()
    clock = time.time if when is None else (lambda: when)
    service = ConsentService(config, log, texts=banner_texts, clock=clock)
    done = service.record(DecisionRequest("tokodemo", ("analytics",), language))
    log.dispose()
    return done.decision.text_hash


def export(cli: CliRunner, config_file: Path, *args: str) -> tuple[int, str, str]:
    command = ["log", "export", "--site", "tokodemo", "--config", str(config_file), *args]
    result = cli.invoke(main, command)
    return result.exit_code, result.stdout, result.stderr


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def canonical(document: object) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


def test_jsonl_with_notices_tags_every_line(cli: CliRunner, config_file: Path) -> None:
    ids = [record(config_file, "id"), record(config_file, "en"), record(config_file, "id")]
    code, out, err = export(cli, config_file, "--format", "jsonl", "--with-notices")
    assert code == 0, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["record"] for line in lines] == ["decision"] * 3 + ["notice"] * 2
    assert [line["text_hash"] for line in lines[:3]] == ids
    found = lines[3:]
    assert [n["hash"] for n in found] == [ids[0], ids[1]]
    assert all(sha256(canonical(n["document"])) == n["hash"] for n in found)
    assert found[1]["document"]["texts"]["accept_all"] == "Accept all"
    assert "exported 2 notice(s)" in err


def test_jsonl_without_the_flag_is_unchanged(cli: CliRunner, config_file: Path) -> None:
    record(config_file, "id")
    code, out, _ = export(cli, config_file, "--format", "jsonl")
    assert code == 0 and "record" not in json.loads(out)


def test_csv_with_notices_writes_a_twin_file(
    cli: CliRunner, config_file: Path, tmp_path: Path
) -> None:
    first = record(config_file, "id")
    out = tmp_path / "consent.csv"
    code, _, err = export(cli, config_file, "--with-notices", "--output", str(out))
    assert code == 0, err
    decisions = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [d["text_hash"] for d in decisions] == [first]
    twin = tmp_path / "consent.notices.csv"
    rows = list(csv.DictReader(io.StringIO(twin.read_text(encoding="utf-8"))))
    assert list(rows[0]) == ["hash", "first_seen", "document"]
    assert rows[0]["hash"] == first and sha256(rows[0]["document"]) == first
    assert f"in {twin}" in err


def test_csv_with_notices_to_stdout_is_refused(cli: CliRunner, config_file: Path) -> None:
    record(config_file, "id")
    code, out, err = export(cli, config_file, "--with-notices")
    assert code == 2 and out == ""
    assert "--with-notices" in err and "--output FILE" in err and "Traceback" not in err


def test_decisions_from_before_the_archive_are_counted(cli: CliRunner, config_file: Path) -> None:
    record(config_file, "id")
    log = ConsentLog(load_config(config_file, env={}).database_url)
    with log.engine.begin() as conn:
        conn.execute(notices.delete())
    log.dispose()
    code, out, err = export(cli, config_file, "--format", "jsonl", "--with-notices")
    assert code == 0 and len(out.splitlines()) == 1
    assert "1 logged before notices were archived" in err


def test_purge_keeps_the_notices_rows_still_refer_to(cli: CliRunner, config_file: Path) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=400)
    gone = record(config_file, "en", when=long_ago.timestamp())
    kept = record(config_file, "id")
    record(config_file, "id", when=long_ago.timestamp())
    log = ConsentLog(load_config(config_file, env={}).database_url)
    with log.engine.begin() as conn:  # both notices were first used long ago
        conn.execute(notices.update().values(first_seen=long_ago))
    purge = ["log", "purge", "--older-than", "365", "--config", str(config_file)]
    result = cli.invoke(main, purge)
    assert result.exit_code == 0, result.output
    assert "purged 2 row(s)" in result.output and "and 1 notice(s)" in result.output
    assert set(NoticeArchive(log.engine).many([gone, kept])) == {kept}
    log.dispose()


BROKEN = """
[banner]
secret_keys = ["short"]
databse_url = "sqlite:///x.db"

[sites.tokodemo]
name = "Toko Demo"
origins = ["www.tokodemo.co.id"]
polcy_version = 4
privacy_policy_url = "https://www.tokodemo.co.id/privasi"

[sites.tokodemo.trackers.ga4]
measurement_id = "UA-1234"
category = "marketing"

[sites.lain]
name = "Lain"
origins = ["https://lain.example"]
privacy_policy_url = "https://lain.example/p"

[[sites.lain.cookies]]
name = "_ga"
provider = "Google"
category = "analytic"
duration = { id = "2 tahun", en = "2 years" }
purpose = { id = "x", en = "y" }
"""


def test_check_config_lists_every_mistake_at_once(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(BROKEN, encoding="utf-8")
    result = cli.invoke(main, ["check-config", "--config", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = result.stderr.splitlines()
    keys = [
        "banner.databse_url",
        "banner.secret_keys",
        "sites.tokodemo.polcy_version",
        "sites.tokodemo.origins",
        "sites.tokodemo.trackers.ga4.category",
        "sites.tokodemo.trackers.ga4.measurement_id",
        "sites.lain.cookies[0].category",
    ]
    assert len(lines) == len(keys)
    for key in keys:
        [line] = [line for line in lines if f": {key}: " in line]
        assert line.startswith(f"Error: configuration error: {path}: {key}: ")
    text = result.stderr
    assert 'did you mean "database_url"?' in text and 'did you mean "policy_version"?' in text
    assert 'did you mean "analytics"?' in text
    assert "declare it: [sites.tokodemo.categories.marketing] label = {" in text


def test_start_up_lists_every_mistake_too(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(BROKEN, encoding="utf-8")
    result = cli.invoke(main, ["run", "--config", str(path)])
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 7


def test_an_unwritable_twin_file_is_one_line(
    cli: CliRunner, config_file: Path, tmp_path: Path
) -> None:
    record(config_file, "id")
    (tmp_path / "consent.notices.csv").mkdir()
    out = str(tmp_path / "consent.csv")
    code, _, err = export(cli, config_file, "--with-notices", "--output", out)
    assert code == 1 and "cannot write the notices to" in err and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("Error: cannot write the notices to")


THEMES_AND_MORE = """
[banner]
secret_keys = ["0123456789abcdef0123456789abcdef-key"]

[sites.tokodemo]
name = "Toko Demo"
origins = ["https://www.tokodemo.co.id"]
privacy_policy_url = "https://www.tokodemo.co.id/privasi"
cookies = "none"
changes = { "x" = "oops", "2" = 5 }
theme = { primary = "#ffff00", background = "#ffffff", text = "#fefefe", link = "blue" }
timezone = "Mars/Olympus"

[sites.tokodemo.categories]
essential = { label = { id = "a", en = "b" } }

[sites.tokodemo.trackers.custom."Bad Name"]
src = "https://x.example/a.js"

[sites.lain]
name = "Lain"
origins = ["https://lain.example"]
privacy_policy_url = "https://lain.example/p"
theme = { text = "#eeeeee" }
"""


def test_check_config_lists_theme_mistakes_with_all_the_others(
    cli: CliRunner, tmp_path: Path
) -> None:
    """Every unreadable colour pair, and what followed the first, is one line each."""
    path = tmp_path / "themes.toml"
    path.write_text(THEMES_AND_MORE, encoding="utf-8")
    result = cli.invoke(main, ["check-config", "--config", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    lines = result.stderr.splitlines()
    for key in (
        "sites.tokodemo.cookies",
        "sites.tokodemo.changes.x",
        "sites.tokodemo.changes.2",
        "sites.tokodemo.theme.link",
        "sites.tokodemo.timezone",
        "sites.tokodemo.categories.essential",
        "sites.tokodemo.trackers.custom.Bad Name",
        "sites.lain.theme.text",
    ):
        assert any(f": {key}: " in line for line in lines), (key, lines)
    contrast = [line for line in lines if "WCAG AA needs" in line]
    assert len(contrast) >= 3, lines  # primary and text of one site, text of the other
    assert all(line.startswith(f"Error: configuration error: {path}: ") for line in lines)
