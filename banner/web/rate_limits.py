"""Rate limits on recording consent, per masked IP and site (Flask-Limiter).

In memory by default; with ``rate_limit_storage = "redis://..."`` the limits
hold across every instance sharing that Redis.
"""

from __future__ import annotations

import functools
import json
import math
import time
from functools import partial
from typing import Any

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits import RateLimitItem, parse_many
from redis.exceptions import RedisError
from werkzeug.exceptions import HTTPException, TooManyRequests

from banner.core.config import BannerConfig
from banner.core.visitor import client_address, mask_ip
from banner.log.store import StoreUnavailable
from banner.web.errors import RateLimited
from banner.web.limit_storage import storage_uri
from banner.web.state import EXTENSION_KEY

#: The ``key_prefix`` Flask-Limiter gives every count's identifiers.
KEY_PREFIX = "banner"
#: Endpoints that record decisions; reading (loader, pages, verify) is not limited.
LIMITED_ENDPOINTS = (
    "banner_api.consent",
    "banner_subject_api.sync",
    "banner_pages.preferences",
)
#: ``extras[GATES][endpoint]``: each limited endpoint's :class:`Gate`.
GATES = "rate_gates"


def _site_of_request() -> str:
    args = request.view_args or {}
    site = args.get("site_id", args.get("site"))
    if isinstance(site, str):
        return site
    return site_in_body(request.get_data(cache=True))


def site_in_body(raw: bytes) -> str:
    """The ``site`` a JSON body names, for the count's key; ``-`` when it names none."""
    try:
        document = json.loads(raw[:8192])
    except (ValueError, RecursionError):
        return "-"
    found = document.get("site") if isinstance(document, dict) else None
    return found if isinstance(found, str) else "-"


def rate_key(config: BannerConfig) -> str:
    """``masked-ip|site``: never the raw address, not even in Redis."""
    return key_of(
        config, request.remote_addr, request.headers.get("X-Forwarded-For"), _site_of_request()
    )


def key_of(config: BannerConfig, remote_addr: str | None, forwarded: str | None, site: str) -> str:
    """The count's key of a request from ``remote_addr`` (through ``forwarded``) for ``site``."""
    address = client_address(remote_addr, forwarded, config.proxy_count)
    return f"{mask_ip(address)}|{site[:40]}"


def install(app: Flask, config: BannerConfig) -> Limiter:
    """Limit POSTs to the endpoints that record decisions."""
    limiter = Limiter(
        key_func=lambda: rate_key(config),
        app=app,
        storage_uri=storage_uri(config.rate_limit_storage),
        strategy="sliding-window-counter",
        headers_enabled=False,
        key_prefix=KEY_PREFIX,
    )
    extras = app.extensions[EXTENSION_KEY].extras
    extras["limiter"] = limiter
    gates: dict[str, Gate] = extras.setdefault(GATES, {})
    # Limits are enforced by the wrappers of the limited views alone: the
    # extension's own hooks would run for every request (the loader is the
    # hot path) only to find nothing to limit, no header to add (headers are
    # off) and no per-request state to drop (it lives on the request).
    for hooks in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs):
        _drop_hooks(hooks, limiter)
    for endpoint in LIMITED_ENDPOINTS:
        view = app.view_functions.get(endpoint)
        if view is not None:
            gates[endpoint] = Gate(limiter, config, endpoint)
            app.view_functions[endpoint] = _limited(gates[endpoint], config, view)
    return limiter


def _drop_hooks(hooks: dict[Any, list[Any]], limiter: Limiter) -> None:
    """Remove ``limiter``'s app-wide hooks (bound methods or partials of it)."""

    def owned(hook: Any) -> bool:
        bound = getattr(hook, "__self__", None) is limiter
        return bound or (isinstance(hook, partial) and hook.args[:1] == (limiter,))

    hooks[None] = [hook for hook in hooks.get(None, []) if not owned(hook)]


class LimitReached(TooManyRequests):
    """A limit of a limited view was reached: nothing was done (a 429).

    :param limiter: whose counts the limit is in.
    :param item: the limit reached.
    :param identifiers: its count's identifiers.
    """

    def __init__(self, limiter: Limiter, item: RateLimitItem, identifiers: tuple[str, ...]):
        super().__init__(description=str(item))
        self.limiter, self.item, self.identifiers = limiter, item, identifiers

    @property
    def reset_at(self) -> int:
        """When the window of the limit reached frees a place (Flask-Limiter's ``reset_at``)."""
        window = self.limiter.limiter.get_window_stats(self.item, *self.identifiers)
        return int(window[0] + 1)


def refusal(error: HTTPException) -> RateLimited:
    """The API's 429, with ``Retry-After`` from the breached limit's window."""
    if isinstance(error, LimitReached):
        reset_at: Any = error.reset_at
    else:  # a limit of Flask-Limiter's own machinery
        limiter = current_app.extensions[EXTENSION_KEY].extras.get("limiter")
        current = getattr(limiter, "current_limit", None)
        reset_at = getattr(current, "reset_at", None)
    wait = math.ceil(reset_at - time.time()) if isinstance(reset_at, int | float) else 60
    return RateLimited(
        "too many decisions from this network; retry later",
        **{"Retry-After": str(max(1, wait))},
    )


class Gate:
    """``config.rate_limit`` on one endpoint's POSTs, for both paths that answer them.

    The counts are the ones ``limiter.limit(rate, methods=["POST"])`` keeps
    (same strategy, storage and keys: ``banner/<masked-ip|site>/<endpoint>``,
    so instances of an earlier release sharing a Redis count together), hit
    here directly: Flask-Limiter's decorator resolved its limits, exemptions
    and context again on every request, 0.15 ms of a decision's 0.5 ms of
    request CPU (issue 24).

    :param limiter: the app's limiter (its strategy, storage and ``enabled``).
    :param config: the config whose ``rate_limit`` is counted.
    :param endpoint: the endpoint counted, part of every key.
    """

    def __init__(self, limiter: Limiter, config: BannerConfig, endpoint: str) -> None:
        self.limiter, self.endpoint = limiter, endpoint
        self.items = sorted(parse_many(config.rate_limit))

    def check(self, key: str) -> None:
        """Count one POST under ``key``; an unreachable limit storage is a 503.

        Nothing is recorded then (the limit cannot be checked), and the loader
        retries a 503 as it does when the consent log is down.

        :raises LimitReached: a limit is reached (the shortest window first).
        :raises banner.log.store.StoreUnavailable: the limit storage is unreachable.
        """
        if not self.limiter.enabled:  # RATELIMIT_ENABLED, as before
            return
        identifiers = (KEY_PREFIX, key, self.endpoint)
        strategy = self.limiter.limiter
        try:
            for item in self.items:
                if not strategy.hit(item, *identifiers):
                    self.limiter.logger.info(
                        "ratelimit %s (%s) exceeded at endpoint: %s", item, *identifiers[1:]
                    )
                    raise LimitReached(self.limiter, item, identifiers)
        except RedisError as exc:
            raise StoreUnavailable("rate limit storage unavailable", retry_after=5) from exc


def _limited(gate: Gate, config: BannerConfig, view: Any) -> Any:
    """``view`` under ``gate`` on POST."""

    @functools.wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if request.method == "POST":
            gate.check(rate_key(config))
        return view(*args, **kwargs)

    return guarded
