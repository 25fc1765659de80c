"""The dashboard's webhook counts and its "retry failed" button, attacked."""

from __future__ import annotations

import copy

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from banner.admin.accounts import create_user
from banner.core.config import BannerConfig, parse_config
from banner.log.schema import webhook_outbox
from banner.log.store import ConsentLog
from tests.admin.conftest import PASSWORD, csrf_of, log_in
from tests.factories import SITE, document
from tests.log.seeding import decision

SECRET = "a-webhook-secret-0123456789"
HOOK = {"crm": {"url": "https://crm.example.co.id/hook", "secret": SECRET}}
PAGE = "/admin/s/tokodemo/webhooks"
RETRY = "/admin/s/tokodemo/webhooks/retry"


@pytest.fixture
def config(database_url: str) -> BannerConfig:
    doc = document(database_url, webhooks=HOOK)
    other = copy.deepcopy(SITE)
    other["origins"] = ["https://lain.example.co.id"]
    doc["sites"]["lain"] = {**other, "name": "Lain", "webhooks": HOOK}
    return parse_config(doc, "test.toml", {})


@pytest.fixture
def events(log: ConsentLog) -> ConsentLog:
    """tokodemo: one event in each state; lain: one failed."""
    for n in range(3):
        log.append(decision(n))
    log.append(decision(9, site="lain"))
    o = webhook_outbox
    with log.engine.begin() as conn:
        toko = o.c.site == "tokodemo"
        conn.execute(o.update().where(toko, o.c.log_index == 0).values(state="delivered"))
        conn.execute(o.update().where(toko, o.c.log_index == 1).values(state="failed"))
        conn.execute(o.update().where(o.c.site == "lain").values(state="failed"))
    return log


def states(log: ConsentLog) -> list[str]:
    with log.engine.connect() as conn:
        o = webhook_outbox
        query = sa.select(o.c.state).order_by(o.c.site.desc(), o.c.log_index)
        return list(conn.execute(query).scalars())


BEFORE = ["delivered", "failed", "pending", "failed"]


def test_counts_on_the_overview_and_the_page(operator: FlaskClient, events: ConsentLog) -> None:
    overview = operator.get("/admin/?lang=en").text
    assert "1 waiting, 1 failed, 1 delivered" in overview
    page = operator.get(PAGE + "?lang=en")
    assert page.status_code == 200
    assert "Retry failed events" in page.text and "https://crm.example.co.id/hook" in page.text
    assert SECRET not in page.text and SECRET not in overview


def test_retry_failed_queues_this_sites_failed_again(
    operator: FlaskClient, events: ConsentLog
) -> None:
    token = csrf_of(operator.get(PAGE).text)
    answer = operator.post(RETRY + "?lang=en", data={"csrf_token": token})
    assert answer.status_code == 303 and "retried=1" in answer.headers["Location"]
    assert states(events) == ["delivered", "pending", "pending", "failed"]  # lain's untouched
    assert "queued again: 1" in operator.get(answer.headers["Location"]).text


@pytest.mark.parametrize(
    "headers",
    [{"Origin": "https://evil.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}],
)
def test_a_foreign_post_changes_nothing(
    operator: FlaskClient, events: ConsentLog, headers: dict[str, str]
) -> None:
    token = csrf_of(operator.get(PAGE).text)
    assert operator.post(RETRY, data={"csrf_token": token}, headers=headers).status_code == 400
    assert states(events) == BEFORE


def test_no_or_a_wrong_csrf_token_changes_nothing(
    operator: FlaskClient, events: ConsentLog
) -> None:
    assert operator.post(RETRY).status_code == 400
    assert operator.post(RETRY, data={"csrf_token": "forged"}).status_code == 400
    assert operator.get(RETRY).status_code in (404, 405)
    assert states(events) == BEFORE


def test_without_a_login_nothing_changes(anonymous: FlaskClient, events: ConsentLog) -> None:
    answer = anonymous.post(RETRY, data={"csrf_token": "x"})
    assert answer.status_code == 303 and "/admin/login" in answer.headers["Location"]
    assert states(events) == BEFORE


def test_another_sites_account_gets_the_same_404(
    admin_app: Flask, log: ConsentLog, events: ConsentLog
) -> None:
    create_user(log, "lain-only", PASSWORD, ("lain",))
    client = admin_app.test_client()
    assert log_in(client, "lain-only") == 303
    assert client.get(PAGE).status_code == 404
    token = csrf_of(client.get("/admin/s/lain/webhooks").text)
    assert client.post(RETRY, data={"csrf_token": token}).status_code == 404
    assert states(events) == BEFORE
    overview = client.get("/admin/?lang=en").text
    assert "0 waiting, 1 failed, 0 delivered" in overview  # lain's own counts only
    assert "1 waiting" not in overview


def test_no_button_when_nothing_failed(operator: FlaskClient) -> None:
    page = operator.get(PAGE + "?lang=en").text
    assert "0 waiting" not in page and "Retry failed events" not in page
