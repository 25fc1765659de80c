"""Only the browser holding a consent id's current token may change it (issue 12, item 3).

A consent id is public enough (receipts, the preference page link, the
readable cookie); knowing it must not let anyone write a different choice
into someone else's proof of consent.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from flask.testing import FlaskClient

from banner.core.config import BannerConfig
from banner.log.service import ConsentService, DecisionRequest, TokenRequired
from banner.log.store import ConsentLog
from banner.web.state import BannerState
from tests.web.test_api import GOOD, post, rows
from tests.web.test_pages import open_page, submit, text


def _refused(answer: Any) -> None:
    assert answer.status_code == 403
    assert answer.get_json()["error"] == "token_required"
    assert answer.get_json()["field"] == "token"


@pytest.fixture
def victim(client: FlaskClient) -> dict[str, Any]:
    answer: dict[str, Any] = post(client, {**GOOD, "granted": []}).get_json()
    return answer


def test_a_change_without_the_token_is_refused_and_writes_nothing(
    client: FlaskClient, banner_state: BannerState, victim: dict[str, Any]
) -> None:
    attack = {**GOOD, "granted": ["analytics"], "consent_id": victim["consent_id"]}
    _refused(post(client, attack))
    assert [r.granted for r in banner_state.log.history(victim["consent_id"])] == [()]


def test_a_token_of_another_id_is_refused(
    client: FlaskClient, banner_state: BannerState, victim: dict[str, Any]
) -> None:
    own = post(client, {**GOOD, "granted": ["analytics"]}).get_json()
    attack = {**GOOD, "consent_id": victim["consent_id"], "token": own["token"]}
    _refused(post(client, attack))
    assert rows(banner_state) == 2


@pytest.mark.parametrize("token", ["garbage", "x" * 3000, "a.b.c"])
def test_a_token_that_does_not_verify_is_refused(
    client: FlaskClient, victim: dict[str, Any], token: str
) -> None:
    _refused(post(client, {**GOOD, "consent_id": victim["consent_id"], "token": token}))


@pytest.mark.parametrize("token", [7, ["t"], {"t": 1}, "tab\there", "x" * 5000])
def test_a_token_of_the_wrong_shape_is_a_bad_field(
    client: FlaskClient, victim: dict[str, Any], token: object
) -> None:
    answer = post(client, {**GOOD, "consent_id": victim["consent_id"], "token": token})
    assert answer.status_code == 400 and answer.get_json()["field"] == "token"


def test_an_exact_retry_without_proof_gets_no_token_and_adds_no_row(
    client: FlaskClient, banner_state: BannerState, victim: dict[str, Any]
) -> None:
    """Issue 26: the choice is public (the receipt); repeating it proves nothing."""
    _refused(post(client, {**GOOD, "granted": [], "consent_id": victim["consent_id"]}))
    assert rows(banner_state) == 1


def test_the_current_token_changes_the_choice(
    client: FlaskClient, banner_state: BannerState, victim: dict[str, Any]
) -> None:
    change = {**GOOD, "consent_id": victim["consent_id"], "token": victim["token"]}
    assert post(client, change).status_code == 201
    actions = [r.action for r in banner_state.log.history(victim["consent_id"])]
    assert actions == ["reject", "change"]


def test_a_first_choice_under_a_chosen_id_needs_no_token(
    client: FlaskClient, banner_state: BannerState
) -> None:
    assert post(client, {**GOOD, "consent_id": "browser-chosen-id-0001"}).status_code == 201


class Clock:
    def __init__(self) -> None:
        self.now = 1_790_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def timed(config: BannerConfig) -> tuple[ConsentService, Clock]:
    clock = Clock()
    log = ConsentLog(config.database_url)
    log.create_schema()
    return ConsentService(config, log, clock=clock), clock


def _decide(service: ConsentService, granted: tuple[str, ...], cid: str, token: str | None) -> str:
    request = DecisionRequest("tokodemo", granted, "id", consent_id=cid, token=token)
    return service.record(request).token


def test_an_older_token_of_the_same_id_is_refused(timed: tuple[ConsentService, Clock]) -> None:
    """The token a visitor held before their last change (say, leaked) no longer writes."""
    service, clock = timed
    cid = "victim-consent-id-0001"
    first = _decide(service, (), cid, None)
    clock.now += 60
    second = _decide(service, ("functional",), cid, first)
    clock.now += 60
    with pytest.raises(TokenRequired):
        _decide(service, ("analytics",), cid, first)
    assert _decide(service, ("analytics",), cid, second)
    assert [r.granted for r in service.log.history(cid)] == [(), ("functional",), ("analytics",)]


def test_concurrent_changes_with_one_token_write_one_row(
    timed: tuple[ConsentService, Clock],
) -> None:
    """The rule holds per consent id under the write's lock: one token, one change."""
    service, clock = timed
    cid = "racing-consent-id-0001"
    first = _decide(service, (), cid, None)
    clock.now += 60
    outcomes: list[str] = []

    def change(granted: tuple[str, ...]) -> None:
        try:
            _decide(service, granted, cid, first)
            outcomes.append("written")
        except TokenRequired:
            outcomes.append("refused")

    threads = [threading.Thread(target=change, args=((c,),)) for c in ("analytics", "functional")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "written"]
    assert len(service.log.history(cid)) == 2


def test_the_preference_form_with_an_outdated_token_saves_nothing(
    client: FlaskClient, banner_state: BannerState
) -> None:
    """The page was opened, then the choice changed on the site: the old form saves nothing."""
    first = post(client, {**GOOD, "granted": []}).get_json()
    cid = first["consent_id"]
    _page, fields = open_page(client, f"?lang=en&token={first['token']}")
    assert fields["token"] == first["token"]
    later = time.time() + 120
    banner_state.service.clock = lambda: later  # the change below is logged after the token
    change = {**GOOD, "consent_id": cid, "token": first["token"]}
    assert post(client, change).status_code == 201
    answer = submit(client, fields, "save", "functional")
    assert answer.status_code == 403
    assert "Your choice has changed since this page was opened" in text(answer)
    assert [r.granted for r in banner_state.log.history(cid)] == [(), ("analytics",)]
