"""``banner export-static``: the files a CDN serves are the bytes the service serves."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from banner.cli.commands import main
from banner.web.site_files import CHUNK_FILES
from tests.processes import write_config

BASE = "https://consent.example.co.id/"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    return write_config(tmp_path / "banner.toml", f"sqlite:///{tmp_path / 's.db'}")


def test_exported_files_are_byte_identical_to_served(tmp_path: Path, config_file: Path) -> None:
    out = tmp_path / "cdn"
    args = ["export-static", "--config", str(config_file), "--output", str(out), "--base-url", BASE]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    names = {relative.removeprefix("s/tokodemo/") for relative in manifest}
    hashed = {name for name in names if name.count(".") >= 2}
    assert names - hashed == {"loader.js", "ui.js", "ui.css", "embeds.js", "embeds.css"}
    # ui.<hash>.js, .css, the subject part (issue 25) and the chunks
    assert len(hashed) == 3 + len(CHUNK_FILES)
    gate = (out / "s/tokodemo/loader.js").read_text()
    [named] = {name.split(".")[1] for name in hashed}  # one hash names every UI file
    assert f'"ui":"{named}"' in gate  # the gate names the files written

    from banner.core.config import load_config
    from banner.web.app import create_app

    app: Flask = create_app(load_config(config_file, env={}))
    client = app.test_client()
    for relative, digest in manifest.items():
        exported = (out / relative).read_bytes()
        served = client.get("/" + relative, base_url=BASE.rstrip("/")).get_data()
        assert exported == served, relative
        assert hashlib.sha256(exported).hexdigest() == digest
        assert gzip.decompress((out / (relative + ".gz")).read_bytes()) == exported
    assert BASE.encode() in (out / "s/tokodemo/loader.js").read_bytes()
    app.extensions["banner"].log.dispose()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base-url", "consent.example.co.id"], "expected an http(s) URL ending with /"),
        (["--base-url", "https://consent.example.co.id"], "expected an http(s) URL ending with /"),
        (["--base-url", BASE, "--site", "nope"], "no site 'nope'"),
    ],
)
def test_bad_arguments(tmp_path: Path, config_file: Path, args: list[str], message: str) -> None:
    base = ["export-static", "--config", str(config_file), "--output", str(tmp_path / "o")]
    result = CliRunner().invoke(main, [*base, *args])
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "o").exists()


def test_every_kind_exports_the_joined_gate_as_served(tmp_path: Path) -> None:
    """The parts of a site's tracker kinds are in the exported gate, byte for byte."""
    from banner.web.app import create_app
    from banner.web.static_export import export_sites
    from tests.core.test_config_trackers import EVERY_KIND, MARKETING
    from tests.factories import make_config

    config = make_config(
        f"sqlite:///{tmp_path / 'e.db'}", categories={"marketing": MARKETING}, trackers=EVERY_KIND
    )
    manifest = export_sites(config.sites.values(), BASE, tmp_path / "cdn")
    app = create_app(config)
    served = app.test_client().get("/s/tokodemo/loader.js", base_url=BASE.rstrip("/"))
    exported = (tmp_path / "cdn" / "s/tokodemo/loader.js").read_bytes()
    assert exported == served.get_data()
    assert hashlib.sha256(exported).hexdigest() == manifest["s/tokodemo/loader.js"]
    assert b"tiktok_pixel=" in exported and b"gtm.js?id=" in exported
    app.extensions["banner"].log.dispose()
