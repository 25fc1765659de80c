"""No configured cookie may take the name of one banner sets (issue 26, item 9).

A referral cookie named like the consent cookie is overwritten by every
decision (and overwrites it: the next page view has no valid choice); one
named like the pages' session or the dashboard's login breaks those on a
shared host. A custom tracker's deletion pattern matching one would delete
it on withdrawal. ``check-config`` refuses all of them, naming file and key.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from banner.admin.session import COOKIE as ADMIN_COOKIE
from banner.cli.commands import main
from banner.core.config_model import SERVICE_COOKIES

REFERRAL = """
[sites.tokodemo.trackers.referral]
params = ["ref"]
cookie = "{name}"
category = "functional"
"""
CUSTOM = """
[sites.tokodemo.trackers.custom.heatmap]
src = "https://cdn.heatmap.example/h.js"
category = "analytics"
cookies = ["{name}"]
recipient = {{ name = "Heatmap Ltd", country = "SG" }}
"""

GTM_TAG = """
[sites.tokodemo.trackers.gtm]
container_id = "GTM-ABC1234"
category = "analytics"

[sites.tokodemo.trackers.gtm.tags.heatmap]
kind = "other"
category = "analytics"
cookies = ["{name}"]
recipient = {{ name = "Heatmap Ltd", country = "SG" }}
"""


def _check(cli: CliRunner, config_file: Path, extra: str, site_lines: str = "") -> str:
    text = config_file.read_text(encoding="utf-8")
    if site_lines:
        text = text.replace('name = "Toko Demo"\n', f'name = "Toko Demo"\n{site_lines}\n')
    config_file.write_text(text + extra, encoding="utf-8")
    result = cli.invoke(main, ["check-config", "--config", str(config_file)])
    return f"{result.exit_code}|{result.output}"


@pytest.mark.parametrize(
    ("name", "site_lines"),
    [
        ("banner_consent", ""),
        ("BANNER_CONSENT", ""),
        ("toko_consent", 'cookie_name = "toko_consent"'),
        ("session", ""),
        ("banner_admin", ""),
        ("banner_anything", ""),
    ],
)
def test_check_config_refuses_a_referral_cookie_banner_sets(
    cli: CliRunner, config_file: Path, name: str, site_lines: str
) -> None:
    outcome = _check(cli, config_file, REFERRAL.format(name=name), site_lines)
    assert not outcome.startswith("0|")
    assert "sites.tokodemo.trackers.referral.cookie" in outcome
    assert "Traceback" not in outcome


def test_check_config_takes_a_referral_cookie_of_the_sites_own(
    cli: CliRunner, config_file: Path
) -> None:
    assert _check(cli, config_file, REFERRAL.format(name="ref_id")).startswith("0|")


@pytest.mark.parametrize("pattern", ["sess*", "banner_*", "session", "b*"])
def test_check_config_refuses_a_deletion_pattern_matching_a_banner_cookie(
    cli: CliRunner, config_file: Path, pattern: str
) -> None:
    outcome = _check(cli, config_file, CUSTOM.format(name=pattern))
    assert not outcome.startswith("0|")
    assert "sites.tokodemo.trackers.custom.heatmap.cookies" in outcome


@pytest.mark.parametrize("pattern", ["banner_*", "session", "banner_consent"])
def test_check_config_refuses_a_container_tag_pattern_matching_a_banner_cookie(
    cli: CliRunner, config_file: Path, pattern: str
) -> None:
    outcome = _check(cli, config_file, GTM_TAG.format(name=pattern))
    assert not outcome.startswith("0|")
    assert "sites.tokodemo.trackers.gtm.tags.heatmap.cookies" in outcome


@pytest.mark.parametrize("name", ["session", "banner_admin", "Session"])
def test_check_config_refuses_a_consent_cookie_named_like_another_banner_cookie(
    cli: CliRunner, config_file: Path, name: str
) -> None:
    outcome = _check(cli, config_file, "", f'cookie_name = "{name}"')
    assert not outcome.startswith("0|") and "sites.tokodemo.cookie_name" in outcome


def test_the_reserved_names_are_the_ones_banner_sets(app: Flask) -> None:
    assert ADMIN_COOKIE in SERVICE_COOKIES
    assert app.config["SESSION_COOKIE_NAME"] in SERVICE_COOKIES
