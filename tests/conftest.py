"""Shared fixtures: ``config`` → ``app`` → ``client`` / ``runner``."""

from __future__ import annotations

import functools
import inspect
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from banner.core.config import BannerConfig
from banner.web.app import create_app
from banner.web.state import BannerState
from tests.factories import SHOP_ORIGIN, make_config

POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

#: Figures the fault tests measured (requests, acknowledged, stored, lost),
#: printed at the end of the run so CI's output carries the evidence.
_FIGURES: list[str] = []


@pytest.fixture
def figure(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Report one measured line under this test's name in the run's summary."""

    def report(text: str) -> None:
        _FIGURES.append(f"{request.node.nodeid}: {text}")

    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _FIGURES:
        terminalreporter.section("figures measured by the fault tests")
        for line in _FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A schema of its own in the machine's ``test`` database, dropped afterwards."""
    schema = f"banner_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'banner.db'}"


@pytest.fixture
def config(database_url: str) -> BannerConfig:
    return make_config(database_url)


#: The two paths answering ``POST /api/v1/consent`` (banner.web.fast_consent, banner.web.api).
POST_PATHS = ("beside_flask", "through_flask")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test of a module that posts decisions runs on both of the POST's paths."""
    if "post_path" not in metafunc.fixturenames or metafunc.module is None:
        return
    if _posts_decisions(metafunc.module):
        metafunc.parametrize("post_path", POST_PATHS, indirect=True)


@functools.cache
def _posts_decisions(module: ModuleType) -> bool:
    if getattr(module, "POSTS_DECISIONS", False):
        return True
    source = inspect.getsource(module)
    return "/api/v1/consent" in source or "tests.web.test_api import" in source


@pytest.fixture
def post_path(request: pytest.FixtureRequest) -> str:
    """Which path answers the consent POST: beside Flask (``banner serve``'s) by default."""
    found: str = getattr(request, "param", POST_PATHS[0])
    return found


@pytest.fixture
def app(config: BannerConfig, post_path: str) -> Iterator[Flask]:
    app = create_app(config, consent_beside_flask=post_path == "beside_flask")
    app.config["TESTING"] = True
    yield app
    app.extensions["banner"].log.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def banner_state(app: Flask) -> BannerState:
    found: BannerState = app.extensions["banner"]
    return found


@pytest.fixture
def origin() -> dict[str, str]:
    """Headers of a request from the shop's own page."""
    return {"Origin": SHOP_ORIGIN}
