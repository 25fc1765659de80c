"""The loader's return state is handed back once (issue 26, item 15).

The preference page sends the visitor back with the new token and the
state the loader kept; a second hand-back of the same state (a resent
form, a replayed post) carries no state, so the loader takes nothing.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from banner.web.state import BannerState
from tests.web.test_pages import RETURN, open_page, submit

STATE_FIELD = re.compile(r'name="state" type="hidden" value="([^"]*)"')


def form(client: FlaskClient, state: str) -> dict[str, str]:
    page, fields = open_page(client, f"?lang=en&return={RETURN}&state={state}")
    found = STATE_FIELD.search(page.get_data(as_text=True))
    assert found and found.group(1) == state
    return {**fields, "state": state}


def handed_back(location: str) -> str | None:
    found = re.search(r"&banner_state=([\w-]+)$", location)
    return found.group(1) if found else None


def test_a_state_goes_back_once(client: FlaskClient) -> None:
    fields = form(client, "0123456789abcdef")
    first = submit(client, fields, "save", "analytics")
    assert first.status_code == 303
    assert handed_back(first.headers["Location"]) == "0123456789abcdef"
    again = submit(client, fields, "save", "analytics")  # the same form sent twice
    assert again.status_code == 303 and "#banner_token=" in again.headers["Location"]
    assert handed_back(again.headers["Location"]) is None


def test_each_state_goes_back_once_of_its_own(client: FlaskClient) -> None:
    for state in ("aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"):
        answer = submit(client, form(client, state), "save")
        assert handed_back(answer.headers["Location"]) == state


def test_no_state_goes_back_when_its_storage_fails(
    client: FlaskClient, banner_state: BannerState, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = banner_state.extras["limiter"].storage
    working = storage.incr

    def broken(key: str, *args: Any, **kw: Any) -> Any:
        if key.startswith("banner/state/"):
            raise ConnectionError("redis went away")
        return working(key, *args, **kw)

    monkeypatch.setattr(storage, "incr", broken)
    answer = submit(client, form(client, "cccccccccccccccc"), "save")
    assert answer.status_code == 303 and "#banner_token=" in answer.headers["Location"]
    assert handed_back(answer.headers["Location"]) is None
