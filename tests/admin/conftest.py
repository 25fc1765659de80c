"""Dashboard fixtures: the full app (service + dashboard), an account, a logged-in client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from banner.admin.accounts import create_user
from banner.app import create_app
from banner.core.config import BannerConfig
from banner.log.store import ConsentLog, Decision

NAME, PASSWORD = "operator", "correct horse battery"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def admin_app(config: BannerConfig) -> Iterator[Flask]:
    app = create_app(config)
    app.config["TESTING"] = True
    yield app
    app.extensions["banner"].log.dispose()


@pytest.fixture
def log(admin_app: Flask) -> ConsentLog:
    found: ConsentLog = admin_app.extensions["banner"].log
    return found


@pytest.fixture
def account(log: ConsentLog) -> str:
    create_user(log, NAME, PASSWORD)
    return NAME


@pytest.fixture
def anonymous(admin_app: Flask) -> FlaskClient:
    return admin_app.test_client()


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def log_in(client: FlaskClient, name: str = NAME, password: str = PASSWORD, **extra: str) -> int:
    token = csrf_of(client.get("/admin/login").text)
    response = client.post(
        "/admin/login", data={"csrf_token": token, "name": name, "password": password, **extra}
    )
    return response.status_code


@pytest.fixture
def operator(admin_app: Flask, account: str) -> FlaskClient:
    client = admin_app.test_client()
    assert log_in(client) == 303
    return client


def decision(
    consent_id: str,
    when: datetime,
    action: str,
    granted: tuple[str, ...],
    site: str = "tokodemo",
    gpc: bool = False,
    user_agent: str = "Mozilla/5.0",
) -> Decision:
    offered = ("functional", "analytics", "preference")
    return Decision(
        consent_id=consent_id,
        site=site,
        recorded_at=when,
        action=action,
        granted=granted,
        denied=tuple(c for c in offered if c not in granted),
        policy_version=3,
        language="id",
        text_hash="0" * 64,
        source="banner",
        page_origin="https://www.tokodemo.co.id",
        page_path="/",
        gpc=gpc,
        ip_masked="203.0.113.0",
        user_agent=user_agent,
    )
