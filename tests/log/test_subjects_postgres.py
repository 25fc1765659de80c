"""Subject links on PostgreSQL for real (issue 25): link, share, forget, and concurrent links."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from banner.log.subject_service import SubjectService
from banner.web.app import create_app
from banner.web.state import BannerState
from tests.factories import make_config
from tests.subject_tokens import make_token
from tests.web.test_subjects import ask, decide, linked, sync


@pytest.fixture
def pg_app(postgres_url: str) -> Iterator[Flask]:
    app = create_app(make_config(postgres_url))
    app.config["TESTING"] = True
    yield app
    app.extensions["banner"].log.dispose()


def test_links_sync_and_forget_on_postgresql(pg_app: Flask) -> None:
    client = pg_app.test_client()
    state: BannerState = pg_app.extensions["banner"]
    phone = decide(client, "user-1", [])
    got = sync(client, {"site": "tokodemo", "subject": make_token("user-1")}).get_json()
    assert got["state"] == "sync" and got["granted"] == []
    laptop = got["consent_id"]
    assert linked(state, laptop) == linked(state, phone["consent_id"]) is not None
    # a change on the laptop is the subject's newest choice
    changed = decide(client, "user-1", ["analytics"], consent_id=laptop, token=got["token"])
    assert changed["consent_id"] == laptop
    assert ask(client, "user-1").get_json()["choice"]["granted"] == ["analytics"]
    body = {
        "site": "tokodemo",
        "subject": make_token("user-1"),
        "consent_id": phone["consent_id"],
        "token": phone["token"],
    }
    assert sync(client, body).get_json()["granted"] == ["analytics"]
    assert SubjectService(state.service).forget("tokodemo", "user-1") == 2
    assert linked(state, laptop) is None and linked(state, phone["consent_id"]) is None
    assert ask(client, "user-1").get_json()["choice"] is None
    assert len(state.log.history(laptop)) == 2  # the proof stays


def test_concurrent_decisions_of_one_subject_each_link(pg_app: Flask) -> None:
    """Decisions of many devices at once go through the group commit; every one links."""
    state: BannerState = pg_app.extensions["banner"]
    made: list[str] = []
    lock = threading.Lock()

    def one(client: FlaskClient) -> None:
        answer = decide(client, "user-many", ["functional"])
        with lock:
            made.append(answer["consent_id"])

    threads = [threading.Thread(target=one, args=(pg_app.test_client(),)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 8
    assert len({linked(state, cid) for cid in made}) == 1
    with state.log.engine.connect() as conn:
        count = conn.exec_driver_sql("SELECT count(*) FROM subject_links").scalar()
    assert count == 8
    assert json.dumps(ask(pg_app.test_client(), "user-many").get_json()["choice"]["granted"]) == (
        '["functional"]'
    )
