"""The built wheel carries static/ and translations/ and runs outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.processes import free_port, write_config

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    [built] = out.glob("banner_consent-*.whl")
    return built


def test_wheel_carries_static_and_translations(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "banner/translations/id/LC_MESSAGES/messages.po" in names
    assert "banner/translations/en/LC_MESSAGES/messages.po" in names
    assert any(n.startswith("banner/static/") and n.endswith(".js") for n in names)
    assert "banner/py.typed" in names
    assert "banner/web/templates/banner/layout.html" in names
    for scanner_file in (  # the cookie scanner's databases, licence and templates
        "banner/scan/data/open-cookie-database.csv",
        "banner/scan/data/OPEN-COOKIE-DATABASE-LICENSE",
        "banner/scan/data/supplement.toml",
        "banner/scan/templates/scan/report.html",
        "banner/scan/templates/scan/section.html",
    ):
        assert scanner_file in names
    assert any(n.endswith(".dist-info/licenses/NOTICE") for n in names), names
    metadata = zipfile.ZipFile(wheel).read("banner_consent-0.1.0.dist-info/METADATA").decode()
    assert "Name: banner-consent" in metadata.splitlines()


def test_installed_wheel_serves_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, str(wheel)], check=True, capture_output=True)
    config = write_config(tmp_path / "banner.toml", f"sqlite:///{tmp_path / 'w.db'}")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "BANNER_CONFIG")}
    check = subprocess.run(
        [str(venv / "bin" / "banner"), "check-config", "--config", str(config)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stderr
    port = free_port()
    server = subprocess.Popen(
        [
            str(venv / "bin" / "banner"),
            "serve",
            "--config",
            str(config),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        located = subprocess.run(
            [
                str(venv / "bin" / "python"),
                "-c",
                "import banner.resources as r; print(r.resource_dir('translations'))",
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert located.startswith(str(venv)), located
        body = _get(f"http://127.0.0.1:{port}/s/tokodemo/loader.js")
        assert b"tokodemo" in body
        assert b'"database": "ok"' in _get(f"http://127.0.0.1:{port}/healthz").replace(
            b'":"', b'": "'
        )
    finally:
        server.terminate()
        server.wait(timeout=15)


def _get(url: str, attempts: int = 100) -> bytes:
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                data: bytes = answer.read()
                return data
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered")
