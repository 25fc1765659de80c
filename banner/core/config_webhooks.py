"""``[sites.S.webhooks.NAME]`` of the config: where a site's decisions are sent, signed.

Each webhook has a ``url`` (https; plain http only to a loopback address, for a
sidecar on the same machine), one ``secret`` or ``secret_env`` (the name of an
environment variable holding it) and the ``events`` it wants. The secret signs
every delivery (:mod:`banner.core.webhook_signature`).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from banner.core.config_values import REQUIRED, ConfigError, Reader, is_str, list_of, report

#: A webhook's name: ``[sites.S.webhooks.NAME]``.
WEBHOOK_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
#: Every event a webhook may ask for.
EVENTS: tuple[str, ...] = ("decision", "withdraw", "change", "sync")
#: The consent log's action -> the event it raises.
EVENT_OF_ACTION: Mapping[str, str] = {
    "accept": "decision",
    "reject": "decision",
    "custom": "decision",
    "gpc": "decision",
    "change": "change",
    "withdraw": "withdraw",
    "sync": "sync",
}
MIN_SECRET_LENGTH = 16
MAX_URL_LENGTH = 2000
_KEYS = ("url", "secret", "secret_env", "events")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


@dataclass(frozen=True, slots=True)
class Webhook:
    """One receiver of a site's events."""

    name: str
    url: str
    secret: str
    events: frozenset[str]

    def __repr__(self) -> str:  # the secret never reaches a log line or a traceback
        return f"Webhook(name={self.name!r}, url={self.url!r}, events={sorted(self.events)!r})"


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback IP literal (``127.0.0.0/8``, ``::1``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_webhook_url(value: Any) -> bool:
    """An absolute https URL; http only to a loopback host. No user, no fragment.

    Nothing is left for a parser to read two ways: no spaces, control
    characters, backslashes or userinfo, and the port (if any) a number.
    """
    if not isinstance(value, str) or not 8 < len(value) <= MAX_URL_LENGTH:
        return False
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F or c in "\\<>\"'" for c in value):
        return False
    try:
        parts = urlsplit(value)
        _ = parts.port
    except ValueError:
        return False
    if parts.username is not None or "@" in parts.netloc or parts.fragment or not parts.hostname:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and is_loopback(parts.hostname)


def _secret(hook: Reader, env: Mapping[str, str]) -> str:
    has_secret, has_env = "secret" in hook.table, "secret_env" in hook.table
    expected = f"a secret of at least {MIN_SECRET_LENGTH} characters"
    if has_secret == has_env:
        name = "secret_env" if has_env else "secret"
        report(ConfigError(hook.source, hook.key(name), "exactly one of secret and secret_env"))
        return ""
    if has_secret:
        secret: str = hook.get("secret", _long_enough, expected, "")
        return secret
    name = hook.get(
        "secret_env",
        lambda v: isinstance(v, str) and bool(_ENV_NAME.fullmatch(v)),
        "the name of an environment variable",
        None,
    )
    if name is None:
        return ""
    value = env.get(name)
    if value is None or not _long_enough(value):
        got = "unset" if value is None else "too short"
        report(
            ConfigError(
                hook.source,
                hook.key("secret_env"),
                f"an environment variable {name} holding {expected}",
                problem=f"{name} is {got}",
            )
        )
        return ""
    return value


def _long_enough(value: Any) -> bool:
    return is_str(value) and len(value) >= MIN_SECRET_LENGTH and len(value) <= 1000


def _webhook(hooks: Reader, name: str, env: Mapping[str, str]) -> Webhook | None:
    if not WEBHOOK_NAME.fullmatch(name):
        report(
            ConfigError(
                hooks.source,
                hooks.key(name),
                "a webhook name of lower-case letters, digits, - and _",
            )
        )
        return None
    hook = hooks.sub(name, _KEYS)
    if hook.broken:
        return None
    url = hook.get(
        "url",
        is_webhook_url,
        "an https URL (http only to 127.0.0.1, ::1 or localhost), without user or fragment",
        REQUIRED,
    )
    secret = _secret(hook, env)
    events = hook.get(
        "events",
        list_of(lambda v: v in EVENTS, 1, len(EVENTS)),
        f"a list of events from {', '.join(EVENTS)}",
        list(EVENTS),
    )
    if not isinstance(url, str) or not secret:
        return None
    return Webhook(name=name, url=url, secret=secret, events=frozenset(events))


def parse_webhooks(site: Reader, env: Mapping[str, str]) -> tuple[Webhook, ...]:
    """``[sites.S.webhooks.NAME]`` tables, each checked; the broken ones reported and left out."""
    declared = site.table.get("webhooks", {})
    if not isinstance(declared, dict):
        report(site.fail("webhooks", "a table of named webhooks ([sites.ID.webhooks.NAME])"))
        return ()
    hooks = site.sub("webhooks", tuple(declared))
    found = (_webhook(hooks, name, env) for name in declared)
    return tuple(hook for hook in found if hook is not None)
