"""A key per purpose and per site (issue 26, item 12).

The derivation is checked from its definition with the standard library's
HMAC (``HMAC-SHA256(secret, "banner/v1/" + purpose + "/" + scope)``), not by
calling our code. Site A's backend, given only what ``banner keys show --site
tokodemo`` prints, verifies tokodemo's tokens and can mint nothing that
verifies for another site, nor any session (the dashboard's is in
``tests/admin/test_sessions.py``).
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from banner.check import ConsentChecker
from banner.cli.commands import main
from banner.core.config import parse_config
from banner.core.token import TokenCodec
from banner.web.app import create_app
from tests.factories import KEY_NEW, KEY_OLD, SHOP_ORIGIN, document, paths, with_notice

OTHER_ORIGIN = "https://www.tokolain.co.id"


def reference(secret: str, label: str) -> str:
    return hmac.new(secret.encode(), label.encode(), hashlib.sha256).hexdigest()


SITE_TABLE = """
[sites.{id}]
name = "{id}"
origins = ["{origin}"]
policy_version = 3
privacy_policy_url = "{origin}/privasi"
categories = ["analytics"]
"""


@pytest.fixture
def two_sites(database_url: str, tmp_path: Path) -> Path:
    path = tmp_path / "banner.toml"
    head = f'[banner]\nsecret_keys = ["{KEY_OLD}", "{KEY_NEW}"]\ndatabase_url = "{database_url}"\n'
    sites = SITE_TABLE.format(id="tokodemo", origin=SHOP_ORIGIN)
    sites += SITE_TABLE.format(id="tokolain", origin=OTHER_ORIGIN)
    path.write_text(head + sites, encoding="utf-8")
    return path


def shown(path: Path, site: str, *extra: str) -> list[str]:
    result = CliRunner().invoke(
        main, ["keys", "show", "--site", site, "--config", str(path), *extra]
    )
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def test_keys_show_prints_the_documented_derivation_oldest_first(two_sites: Path) -> None:
    expected = [reference(k, "banner/v1/token/tokodemo") for k in (KEY_OLD, KEY_NEW)]
    assert shown(two_sites, "tokodemo") == expected
    assert shown(two_sites, "tokodemo", "--format", "env") == [
        "BANNER_SITE_KEYS=" + ",".join(expected)
    ]
    assert set(shown(two_sites, "tokolain")).isdisjoint(expected)


def test_keys_show_names_an_unknown_site(two_sites: Path) -> None:
    result = CliRunner().invoke(
        main, ["keys", "show", "--site", "nope", "--config", str(two_sites)]
    )
    assert result.exit_code == 2 and "tokodemo" in result.output
    assert "Traceback" not in result.output


def test_keys_new_prints_a_fresh_secret_the_config_takes(database_url: str) -> None:
    made = {CliRunner().invoke(main, ["keys", "new"]).stdout.strip() for _ in range(3)}
    assert len(made) == 3
    for secret in made:
        doc = document(database_url)
        doc["banner"]["secret_keys"] = [KEY_NEW, secret]
        assert parse_config(doc, "banner.toml", {}).secret_keys[-1] == secret


def _verify(client: FlaskClient, site: str, token: str) -> dict[str, Any]:
    answer = client.post("/api/v1/verify", json={"site": site, "token": token})
    found: dict[str, Any] = answer.get_json()
    return found


def test_a_sites_keys_verify_its_tokens_and_mint_none_for_another_site(
    two_sites: Path, post_path: str
) -> None:
    from banner.core.config import load_config

    app = create_app(load_config(two_sites, env={}), **paths(post_path))
    client = app.test_client()
    site_a = shown(two_sites, "tokodemo")
    body = {"site": "tokodemo", "granted": ["analytics"], "language": "id", "policy_version": 3}
    issued = client.post(
        "/api/v1/consent",
        json=with_notice(client, body),
        headers={"Origin": SHOP_ORIGIN},
    ).get_json()["token"]
    # The Python check verifies with the derived keys only, and not with the secrets.
    assert ConsentChecker("tokodemo", site_a, policy_version=3).check(issued) is not None
    assert ConsentChecker("tokodemo", [KEY_OLD, KEY_NEW], policy_version=3).check(issued) is None
    # Site A's backend mints: for itself it works, for site B it never verifies.
    own = TokenCodec("tokodemo", site_a, 3, 86400).sign("backend-minted-id-0001", ["analytics"])
    assert _verify(client, "tokodemo", own[0])["valid"] is True
    for key in site_a:
        forged = TokenCodec("tokolain", [key], 3, 86400).sign(
            "backend-minted-id-0001", ["analytics"]
        )
        assert _verify(client, "tokolain", forged[0]) == {"valid": False, "reason": "bad_signature"}
    app.extensions["banner"].log.dispose()


def test_the_pages_keys_are_their_own(two_sites: Path, post_path: str) -> None:
    from banner.core.config import load_config

    app = create_app(load_config(two_sites, env={}), **paths(post_path))
    page = {app.config["SECRET_KEY"], *app.config["SECRET_KEY_FALLBACKS"]}
    csrf = {app.config["WTF_CSRF_SECRET_KEY"]}
    assert page == {reference(k, "banner/v1/page-session/") for k in (KEY_OLD, KEY_NEW)}
    assert csrf == {reference(KEY_NEW, "banner/v1/page-csrf/")}
    site_keys = set(shown(two_sites, "tokodemo") + shown(two_sites, "tokolain"))
    assert page.isdisjoint(site_keys | {KEY_OLD, KEY_NEW}) and csrf.isdisjoint(site_keys)
    app.extensions["banner"].log.dispose()
