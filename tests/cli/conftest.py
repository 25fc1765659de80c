"""The command line's fixtures: a one-site config file and a Click runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.factories import KEY_NEW

#: One declared cookie per built-in category, so the site asks for each of them.
COOKIES = (
    "cookies = [\n"
    + "".join(
        f'  {{ name = "{name}", provider = "Toko Demo", category = "{category}", '
        'duration = { id = "1 tahun", en = "1 year" }, '
        'purpose = { id = "Contoh", en = "Example" } },\n'
        for name, category in (
            ("ref_id", "functional"),
            ("_ga", "analytics"),
            ("bahasa", "preference"),
        )
    )
    + "]"
)


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "banner.toml"
    path.write_text(
        f"""
[banner]
secret_keys = ["{KEY_NEW}"]
database_url = "sqlite:///{tmp_path / "cli.db"}"

[sites.tokodemo]
name = "Toko Demo"
origins = ["https://www.tokodemo.co.id"]
privacy_policy_url = "https://www.tokodemo.co.id/privasi"
{COOKIES}
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def cli() -> CliRunner:
    return CliRunner()
