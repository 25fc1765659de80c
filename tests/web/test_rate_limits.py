"""Rate limits on recording consent: per masked IP and site, in memory or in Redis."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from banner.core.config import BannerConfig, parse_config
from banner.web.app import create_app
from tests.factories import SHOP_ORIGIN, document, make_config, paths, with_notice
from tests.processes import ServerProcess, free_port, post_json, write_config

REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of its own, emptied by the tests
BODY = {"site": "tokodemo", "granted": ["analytics"], "language": "id", "policy_version": 3}


@pytest.fixture(autouse=True)
def clear_of_a_window_edge() -> None:
    """Start well inside a minute: these tests count hits of one "N/minute" window, and
    the sliding-window counter weighs a window just begun at nearly all of the last one's
    count, so a 4th hit a moment after the edge fits where "3/minute" would refuse it
    (its edge is tested with a clock in tests/admin/test_login_limits.py)."""
    into = time.time() % 60
    if into > 45:
        time.sleep(61 - into)


@pytest.fixture
def limited_config(database_url: str) -> BannerConfig:
    return dataclasses.replace(make_config(database_url), rate_limit="3/minute", proxy_count=1)


@pytest.fixture
def limited_app(limited_config: BannerConfig, post_path: str) -> Iterator[Flask]:
    app = create_app(limited_config, **paths(post_path))
    yield app
    app.extensions["banner"].log.dispose()


def post(client: FlaskClient, forwarded: str, **changes: Any) -> Any:
    headers = {"Origin": SHOP_ORIGIN, "X-Forwarded-For": forwarded}
    body = with_notice(client, {**BODY, **changes})
    return client.post("/api/v1/consent", json=body, headers=headers)


def test_limit_answers_429_with_retry_after_and_writes_nothing(limited_app: Flask) -> None:
    client = limited_app.test_client()
    answers = [post(client, "198.51.100.7") for _ in range(4)]
    assert [a.status_code for a in answers] == [201, 201, 201, 429]
    refused = answers[-1]
    assert refused.get_json()["error"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 61  # the window, rounded up
    assert limited_app.extensions["banner"].log.count("tokodemo") == 3


def test_counts_keep_flask_limiters_keys(limited_app: Flask) -> None:
    """Instances of an earlier release (Flask-Limiter's decorator) on one Redis count together."""
    client = limited_app.test_client()
    assert post(client, "198.51.100.7").status_code == 201
    storage = limited_app.extensions["banner"].extras["limiter"].limiter.storage
    prefix = "LIMITER/banner/198.51.100.0/24|tokodemo/banner_api.consent/3/1/minute/"
    keys = [k for k in storage.storage if k.startswith("LIMITER/")]
    assert len(keys) == 1 and keys[0].startswith(prefix)


def test_a_limiter_switched_off_counts_nothing(limited_app: Flask) -> None:
    """``RATELIMIT_ENABLED = False`` (Flask-Limiter's switch) still turns the limits off."""
    limited_app.extensions["banner"].extras["limiter"].enabled = False
    client = limited_app.test_client()
    assert [post(client, "198.51.100.7").status_code for _ in range(4)] == [201] * 4


def test_limit_is_per_masked_network(limited_app: Flask) -> None:
    client = limited_app.test_client()
    for last in range(1, 4):  # three addresses of one /24: one bucket
        assert post(client, f"198.51.100.{last}").status_code == 201
    assert post(client, "198.51.100.200").status_code == 429
    assert post(client, "203.0.113.5").status_code == 201  # another network


def test_spoofed_forwarded_prefix_does_not_escape_the_limit(limited_app: Flask) -> None:
    client = limited_app.test_client()
    for n in range(3):  # the proxy appends the real address last; the spoofed part varies
        assert post(client, f"10.0.{n}.1, 198.51.100.7").status_code == 201
    assert post(client, "10.9.9.9, 198.51.100.7").status_code == 429


def test_retries_after_a_refusal_never_add_rows(limited_app: Flask) -> None:
    client = limited_app.test_client()
    cid = "retry-after-limit-000001"
    statuses = [post(client, "198.51.100.7", consent_id=cid).status_code for _ in range(6)]
    assert statuses[0] == 201 and 429 in statuses
    assert len(limited_app.extensions["banner"].log.history(cid)) == 1


def test_verify_and_loader_reads_are_not_limited(limited_app: Flask) -> None:
    client = limited_app.test_client()
    for _ in range(6):
        answer = client.post("/api/v1/verify", json={"site": "tokodemo", "token": "x"})
        assert answer.status_code == 200


@pytest.fixture
def redis_db() -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(REDIS_URL)
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


def _post_to(url: str) -> int:
    return post_json(url + "/api/v1/consent", BODY)[0]


@pytest.mark.slow
def test_redis_limit_holds_across_two_instances(tmp_path: Path, redis_db: redis.Redis) -> None:
    extra = f'rate_limit_storage = "{REDIS_URL}"'
    config = write_config(
        tmp_path / "banner.toml",
        f"sqlite:///{tmp_path / 'r.db'}",
        banner_extra=extra,
        rate_limit="4/minute",
    )
    first, second = ServerProcess(config, workers=1), ServerProcess(config, workers=1)
    try:
        statuses = [_post_to(server.url) for server in (first, second) * 4]
    finally:
        first.stop()
        second.stop()
    assert statuses.count(201) == 4 and statuses.count(429) == 4
    keys = [k.decode() for k in redis_db.keys("*")]
    assert keys and all("127.0.0.0/24" in k and "127.0.0.1" not in k for k in keys)


def test_preference_form_is_limited_with_a_translated_page(limited_app: Flask) -> None:
    from tests.web.test_pages import hidden_fields, text

    client = limited_app.test_client()
    statuses = []
    for _ in range(4):
        fields = hidden_fields(client.get("/s/tokodemo/preferences?lang=id"))
        answer = client.post("/s/tokodemo/preferences?lang=id", data={**fields, "save": "x"})
        statuses.append(answer.status_code)
    assert statuses == [303, 303, 303, 429]
    assert "Terlalu banyak percobaan" in text(answer)
    assert 1 <= int(answer.headers["Retry-After"]) <= 61
    assert limited_app.extensions["banner"].log.count("tokodemo") == 3


def test_no_limiter_hook_runs_on_every_request(limited_app: Flask) -> None:
    """The loader's hot path pays nothing for limits: only limited views check them."""
    hooks = [
        *limited_app.before_request_funcs.get(None, []),
        *limited_app.after_request_funcs.get(None, []),
        *limited_app.teardown_request_funcs.get(None, []),
    ]
    owners = {getattr(getattr(h, "func", h), "__module__", "") for h in hooks}
    assert not any(owner.startswith("flask_limiter") for owner in owners), owners


def test_an_unreachable_limit_storage_is_a_503_not_a_500(tmp_path: Path, post_path: str) -> None:
    """Redis down (a port nothing listens on): nothing recorded, the loader retries."""
    doc = document(f"sqlite:///{tmp_path / 'down.db'}")
    doc["banner"]["rate_limit_storage"] = f"redis://127.0.0.1:{free_port()}/0"
    app = create_app(parse_config(doc, "test.toml", {}), **paths(post_path))
    client = app.test_client()
    body = {"site": "tokodemo", "granted": [], "language": "id", "policy_version": 3}
    answer = client.post("/api/v1/consent", json=body, headers={"Origin": SHOP_ORIGIN})
    assert answer.status_code == 503 and answer.get_json()["error"] == "store_unavailable"
    assert answer.headers["Retry-After"] == "5"
    page = client.post("/s/tokodemo/preferences?lang=en", data={"save": "x"})
    assert page.status_code == 503 and "Temporarily unavailable" in page.get_data(as_text=True)
    assert app.extensions["banner"].log.count("tokodemo") == 0
    app.extensions["banner"].log.dispose()
