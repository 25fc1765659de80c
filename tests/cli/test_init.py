"""``banner init``: a starter config that passes check-config as written, runs at once,
holds fresh keys and every tracker kind's example, and never overwrites a file."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from banner.cli.commands import main
from banner.cli.starter import TRACKER_EXAMPLES, render
from banner.core.config import load_config, parse_config
from banner.core.tracker_kinds import KINDS
from banner.log.signing import from_pem


def init(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["init", "--output", str(tmp_path / "banner.toml"), *args])
    return result.exit_code, result.output


def test_the_starter_passes_check_config_and_holds_fresh_keys(tmp_path: Path) -> None:
    code, out = init(tmp_path, "--domain", "tokoku.co.id")
    assert code == 0, out
    path = tmp_path / "banner.toml"
    check = CliRunner().invoke(main, ["check-config", "--config", str(path)])
    assert check.exit_code == 0 and "ok (1 site(s): tokoku)" in check.output
    config = load_config(path, env={})
    site = config.sites["tokoku"]
    assert site.origins == ("https://tokoku.co.id", "https://www.tokoku.co.id")
    assert config.log_key_file and from_pem(Path(config.log_key_file).read_bytes(), "key")
    for made in (path, tmp_path / "banner-log-key.pem"):
        assert stat.S_IMODE(made.stat().st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert "[sites.tokoku.controller]" in text and text.count("REPLACE") >= 5
    again = tmp_path / "second"
    again.mkdir()
    init(again, "--domain", "tokoku.co.id")
    assert load_config(again / "banner.toml", env={}).secret_keys != config.secret_keys


def test_every_tracker_kind_has_an_example_that_is_valid_uncommented() -> None:
    kinds = {kind.split(".")[0] for _title, kind, _lines in TRACKER_EXAMPLES}
    assert kinds == set(KINDS)

    text = render("tokoku", "tokoku.co.id", "missing.pem", examples_on=True)
    document = tomllib.loads(text)
    del document["banner"]["log_key_file"]  # no key file beside this in-memory document
    config = parse_config(document, "uncommented.toml", {})
    assert {t.kind for t in config.sites["tokoku"].trackers} == set(KINDS)


def test_the_starter_serves_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from banner.app import create_app

    init(tmp_path, "--site", "toko", "--domain", "www.toko.co.id")
    monkeypatch.chdir(tmp_path)  # the starter's SQLite file is relative to where banner starts
    app = create_app(load_config(tmp_path / "banner.toml", env={}))
    try:
        client = app.test_client()
        assert client.get("/healthz").status_code == 200
        assert client.get("/s/toko/loader.js").status_code == 200
    finally:
        app.extensions["banner"].log.dispose()


@pytest.mark.parametrize("existing", ["banner.toml", "banner-log-key.pem"])
def test_init_never_overwrites_a_file(tmp_path: Path, existing: str) -> None:
    (tmp_path / existing).write_text("mine", encoding="utf-8")
    code, out = init(tmp_path)
    assert code == 1
    assert out.strip() == (
        f"Error: {tmp_path / existing} exists already: banner init never overwrites a file"
    )
    assert (tmp_path / existing).read_text(encoding="utf-8") == "mine"
    assert [p.name for p in tmp_path.iterdir()] == [existing]


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--domain", "not a domain"], "--domain"),
        (["--domain", "http://x.co.id"], "--domain"),
        (["--domain", 'x.co.id"\n[banner]'], "--domain"),
        (["--site", "Toko Saya"], "--site"),
        (["--site", '"]\nsecret_keys = ["'], "--site"),
    ],
)
def test_bad_arguments_write_nothing(tmp_path: Path, args: list[str], names: str) -> None:
    code, out = init(tmp_path, *args)
    assert code == 2 and names in out and "Traceback" not in out
    assert list(tmp_path.iterdir()) == []
