"""``check-config`` warns of a raised policy version without a change text, and still passes."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from banner.cli.commands import main


def test_check_config_warns_but_passes(config_file: Path) -> None:
    config_file.write_text(config_file.read_text() + "policy_version = 2\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check-config", "--config", str(config_file)])
    assert result.exit_code == 0
    assert "warning:" in result.output and "policy_version 2 has no change text" in result.output
    config_file.write_text(
        config_file.read_text() + '[sites.tokodemo.changes]\n"2" = { id = "a", en = "b" }\n',
        encoding="utf-8",
    )
    quiet = CliRunner().invoke(main, ["check-config", "--config", str(config_file)])
    assert quiet.exit_code == 0 and "warning" not in quiet.output
