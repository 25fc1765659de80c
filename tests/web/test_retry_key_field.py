"""``retry_key`` on ``POST /api/v1/consent``: accepted when well formed, else a 400 naming it.

The ownership rule it serves (a token only to the holder of the current
token or to an exact retry with the same key) is the service's; here only
the field's shape: 16 to 128 characters of ``A-Z a-z 0-9 _ -``.
"""

from __future__ import annotations

import string
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from banner.web.state import BannerState
from tests.web.test_api import GOOD, post, rows

ALPHABET = string.ascii_letters + string.digits + "_-"


@pytest.mark.parametrize("key", ["a" * 16, "Z9_-" * 32, "0123456789abcdef0123"])
def test_a_well_formed_retry_key_is_accepted(client: FlaskClient, key: str) -> None:
    assert post(client, {**GOOD, "retry_key": key}).status_code == 201


@pytest.mark.parametrize(
    "key",
    ["a" * 15, "a" * 129, "", "a" * 15 + "+", "a" * 15 + "=", "kunci retry 1234", "é" * 16, 5, None,
     ["a" * 16], "a" * 15 + "\x00", "a" * 16 + "\n", "\ud800" * 16],
    ids=["15", "129", "empty", "plus", "equals", "space", "accent", "number", "null", "list",
         "nul", "newline", "surrogate"],
)  # fmt: skip
def test_a_bad_retry_key_is_a_400_naming_it(
    client: FlaskClient, banner_state: BannerState, key: Any
) -> None:
    answer = post(client, {**GOOD, "retry_key": key})
    assert answer.status_code == 400
    assert answer.get_json()["field"] == "retry_key"
    assert rows(banner_state) == 0


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(key=st.text(max_size=140))
def test_any_retry_key_is_accepted_or_named(client: FlaskClient, key: str) -> None:
    answer = post(client, {**GOOD, "retry_key": key})
    good = 16 <= len(key) <= 128 and all(ch in ALPHABET for ch in key)
    assert answer.status_code == (201 if good else 400)
    if not good:
        assert answer.get_json()["field"] == "retry_key"
