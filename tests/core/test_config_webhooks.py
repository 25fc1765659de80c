"""``[sites.S.webhooks.NAME]``: good tables read, hostile or broken ones named by file and key."""

from __future__ import annotations

from typing import Any

import pytest

from banner.core.config import ConfigError, parse_config
from banner.core.config_webhooks import EVENTS, Webhook
from tests.factories import document

SECRET = "a-webhook-secret-0123456789"
KEY = "sites.tokodemo.webhooks.crm"


def parsed(hook: object, env: dict[str, str] | None = None) -> tuple[Webhook, ...]:
    doc = document("sqlite://", webhooks={"crm": hook})
    return parse_config(doc, "banner.toml", env or {}).sites["tokodemo"].webhooks


def mistakes(hook: object, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parsed(hook, env)
    return caught.value.lines()


def test_a_webhook_with_its_secret_and_every_event_by_default() -> None:
    (hook,) = parsed({"url": "https://crm.example.co.id/banner", "secret": SECRET})
    assert hook == Webhook("crm", "https://crm.example.co.id/banner", SECRET, frozenset(EVENTS))
    assert SECRET not in repr(hook)


def test_the_secret_from_the_environment_and_chosen_events() -> None:
    hook_table = {
        "url": "http://127.0.0.1:9000/h",
        "secret_env": "CRM_SECRET",
        "events": ["withdraw"],
    }
    (hook,) = parsed(hook_table, {"CRM_SECRET": SECRET})
    assert hook.secret == SECRET and hook.events == {"withdraw"}


def test_no_webhooks_is_the_default() -> None:
    assert parse_config(document("sqlite://"), "banner.toml", {}).sites["tokodemo"].webhooks == ()


@pytest.mark.parametrize(
    "url",
    [
        "http://crm.example.co.id/banner",  # plain http off the machine
        "http://10.0.0.5/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost.evil.example/",
        "http://127.0.0.1.nip.io/",
        "http://0x7f000001/",
        "https://user:pass@crm.example.co.id/",
        "https://crm.example.co.id@evil.example/",
        "http://evil.example#@127.0.0.1/",
        "https://crm.example.co.id/#frag",
        "https://crm.example.co.id/a b",
        "https://crm.example.co.id/\r\nX-Injected: 1",
        "https:\\\\crm.example.co.id",
        "https://crm.example.co.id:99999/",
        "ftp://crm.example.co.id/",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "https:///path-only",
        "https://" + "a" * 2000 + ".example/",
        "",
        42,
    ],
)
def test_hostile_urls_are_refused_naming_the_key(url: object) -> None:
    (line,) = mistakes({"url": url, "secret": SECRET})
    assert line.startswith(f"banner.toml: {KEY}.url: expected an https URL")


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/hook", "http://[::1]:8080/hook", "http://localhost/hook"]
)
def test_plain_http_to_a_sidecar_on_loopback(url: str) -> None:
    assert parsed({"url": url, "secret": SECRET})[0].url == url


@pytest.mark.parametrize(
    ("hook", "key", "words"),
    [
        ({"url": "https://a.example/"}, "secret", "exactly one of secret and secret_env"),
        (
            {"url": "https://a.example/", "secret": SECRET, "secret_env": "X"},
            "secret_env",
            "exactly one",
        ),
        ({"url": "https://a.example/", "secret": "short"}, "secret", "at least 16"),
        ({"url": "https://a.example/", "secret_env": "NOT_SET"}, "secret_env", "NOT_SET is unset"),
        ({"url": "https://a.example/", "secret_env": "SHORT"}, "secret_env", "SHORT is too short"),
        ({"url": "https://a.example/", "secret_env": "bad name"}, "secret_env", "environment"),
        ({"url": "https://a.example/", "secret": SECRET, "events": []}, "events", "decision"),
        ({"url": "https://a.example/", "secret": SECRET, "events": ["all"]}, "events", "sync"),
        ({"url": "https://a.example/", "secret": SECRET, "evnts": []}, "evnts", "unknown key"),
        ({"secret": SECRET}, "url", "(required)"),
    ],
)
def test_broken_webhooks_name_file_and_key(hook: dict[str, Any], key: str, words: str) -> None:
    (line,) = mistakes(hook, {"SHORT": "abc"})
    assert line.startswith(f"banner.toml: {KEY}.{key}: ") and words in line


def test_a_webhooks_value_that_is_no_table() -> None:
    doc = document("sqlite://", webhooks="https://a.example/")
    with pytest.raises(ConfigError) as caught:
        parse_config(doc, "banner.toml", {})
    assert caught.value.lines()[0].startswith("banner.toml: sites.tokodemo.webhooks: ")


def test_a_bad_webhook_name() -> None:
    doc = document(
        "sqlite://", webhooks={"Bad Name": {"url": "https://a.example/", "secret": SECRET}}
    )
    with pytest.raises(ConfigError) as caught:
        parse_config(doc, "banner.toml", {})
    assert "sites.tokodemo.webhooks.Bad Name" in caught.value.lines()[0]


def test_the_first_retry_knob() -> None:
    doc = document("sqlite://")
    assert parse_config(doc, "banner.toml", {}).webhook_first_retry == 5.0
    doc["banner"]["webhook_first_retry"] = 0
    with pytest.raises(ConfigError) as caught:
        parse_config(doc, "banner.toml", {})
    assert caught.value.lines()[0].startswith("banner.toml: banner.webhook_first_retry: ")
