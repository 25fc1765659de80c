"""Configuration: every key, its default and its validation, declared once.

A config file is TOML (see the README's reference). Mistakes stop
start-up with one :class:`ConfigError` listing every mistake of the file,
each naming the file, the key and what was expected. The environment
may supply ``BANNER_CONFIG`` (the file), ``BANNER_SECRET_KEYS`` (comma
separated, oldest first) and ``BANNER_DATABASE_URL``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from banner.core.config_model import (
    DEFAULT_DATABASE_URL,
    DEFAULT_THEME,
    MIN_KEY_LENGTH,
    SITE_ID,
    BannerConfig,
    Category,
    CookieDeclaration,
    SiteConfig,
    Tracker,
)
from banner.core.config_sites import parse_site
from banner.core.config_values import (
    REQUIRED,
    ConfigError,
    Reader,
    collecting,
    collection_failed,
    is_database_url,
    is_int_between,
    is_origin,
    is_public_url,
    is_rate,
    is_str,
    list_of,
    report,
)
from banner.core.consent import LANGUAGES
from banner.core.demo_site import DEMO_SHOP_PORT, demo_document

__all__ = [
    "DEFAULT_THEME",
    "SITE_ID",
    "BannerConfig",
    "Category",
    "ConfigError",
    "CookieDeclaration",
    "SiteConfig",
    "Tracker",
    "demo_config",
    "is_origin",
    "load_config",
    "parse_config",
]


def _secret_keys(main: Reader, env: Mapping[str, str]) -> tuple[str, ...]:
    from_env = env.get("BANNER_SECRET_KEYS")
    if from_env is not None:
        keys = [k.strip() for k in from_env.split(",") if k.strip()]
        source, key = "environment", "BANNER_SECRET_KEYS"
    else:
        keys = main.table.get("secret_keys", REQUIRED)
        source, key = main.source, main.key("secret_keys")
    expected = f"a list of secret keys of at least {MIN_KEY_LENGTH} characters, the last one signs"
    if keys is REQUIRED:
        report(ConfigError(source, key, f"{expected} (required)"))
    elif not list_of(lambda k: is_str(k) and len(k) >= MIN_KEY_LENGTH, 1, 10)(keys):
        report(ConfigError(source, key, expected))
    else:
        return tuple(keys)
    return ()


def parse_config(document: Mapping[str, Any], source: str, env: Mapping[str, str]) -> BannerConfig:
    """Validate a parsed TOML document into a :class:`BannerConfig`.

    The whole document is read; every mistake found is reported together.

    :raises ConfigError: carrying every mistake (:meth:`ConfigError.lines`).
    """
    with collecting() as errors:
        config = _parse(document, source, env)
    if errors:
        raise ConfigError.several(errors)
    return config


def _parse_site(
    source: str, site_id: str, raw: object, language: str, env: Mapping[str, str]
) -> SiteConfig | None:
    """One site, its mistakes reported; ``None`` when it could not be read to the end."""
    try:
        return parse_site(source, site_id, raw, language, env)
    except ConfigError as exc:
        report(exc)
    except (TypeError, ValueError, AttributeError, KeyError):
        # Code that built on a value already reported as wrong; that report says it all.
        if not collection_failed():
            raise
    return None


def _parse(document: Mapping[str, Any], source: str, env: Mapping[str, str]) -> BannerConfig:
    top = Reader(source, "", dict(document), ("banner", "sites"))
    main = top.sub("banner", _BANNER_KEYS)
    language = main.get("default_language", lambda v: v in LANGUAGES, '"id" or "en"', "id")
    sites_raw = top.table.get("sites", REQUIRED)
    if not isinstance(sites_raw, dict) or not sites_raw:
        report(ConfigError(source, "sites", "at least one [sites.ID] table"))
        sites_raw = {}
    sites = {sid: _parse_site(source, sid, raw, language, env) for sid, raw in sites_raw.items()}
    database_url = env.get("BANNER_DATABASE_URL") or main.get(
        "database_url", is_database_url, "a sqlite:/// or postgresql+psycopg:// URL", None
    )
    proxy_count = main.get("proxy_count", is_int_between(0, 5), "a number from 0 to 5", 0)
    return BannerConfig(
        secret_keys=_secret_keys(main, env),
        database_url=database_url or DEFAULT_DATABASE_URL,
        default_language=language,
        proxy_count=proxy_count,
        public_url=_public_url(main, proxy_count),
        loader_max_age=main.get(
            "loader_max_age", is_int_between(0, 86400), "a number of seconds from 0 to 86400", 60
        ),
        sites={sid: site for sid, site in sites.items() if site is not None},
        source=source,
        rate_limit=main.get(
            "rate_limit", is_rate, 'a rate like "30/minute" or "5/second;100/hour"', "30/minute"
        ),
        rate_limit_storage=env.get("BANNER_RATE_LIMIT_STORAGE")
        or main.get(
            "rate_limit_storage",
            lambda v: isinstance(v, str) and v.startswith(("memory://", "redis://")),
            'memory:// or a redis:// URL like "redis://127.0.0.1:6379/0"',
            "memory://",
        ),
        log_key_file=_log_key_file(main, source),
        webhook_first_retry=main.get(
            "webhook_first_retry",
            lambda v: isinstance(v, int | float) and not isinstance(v, bool) and 0.01 <= v <= 300,
            "seconds from 0.01 to 300 before a failed webhook delivery's first retry",
            5.0,
        ),
    )


def _public_url(main: Reader, proxy_count: int) -> str:
    """``[banner] public_url`` ending with ``/``; ``""`` when unset (no proxy in front).

    Behind a proxy the request's host, scheme and prefix come from forwarded
    headers, which must never reach a cacheable response: the base written
    into the loader and the UI is then this configured URL.
    """
    expected = "the https URL where visitors reach this service, like https://consent.example.com/"
    if proxy_count and "public_url" not in main.table and not main.broken:
        report(
            ConfigError(
                main.source, main.key("public_url"), f"{expected} (required when proxy_count > 0)"
            )
        )
        return ""
    url: str = main.get("public_url", is_public_url, expected, "")
    return url if not url or url.endswith("/") else url + "/"


def _log_key_file(main: Reader, source: str) -> str | None:
    """``[banner] log_key_file``, relative to the config file's folder, checked to exist."""
    name = main.get("log_key_file", is_str, "the path of an Ed25519 private key (PEM)", None)
    if name is None:
        return None
    path = Path(source).parent / Path(name).expanduser()
    if not path.is_file():
        report(
            ConfigError(
                source,
                "banner.log_key_file",
                "an existing file; make one with: banner keys new-log-key --output FILE",
                str(path),
            )
        )
    return str(path)


_BANNER_KEYS = (
    "secret_keys",
    "database_url",
    "default_language",
    "proxy_count",
    "public_url",
    "loader_max_age",
    "rate_limit",
    "rate_limit_storage",
    "log_key_file",
    "webhook_first_retry",
)


def load_config(
    path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None
) -> BannerConfig:
    """Load the config named by ``path`` or ``BANNER_CONFIG``; the demo without either.

    :raises ConfigError: when the file is missing, not TOML or not valid.
    """
    env = os.environ if env is None else env
    name = path or env.get("BANNER_CONFIG")
    if not name:
        return demo_config(env)
    source = str(name)
    try:
        content = Path(source).read_bytes()
    except FileNotFoundError:
        raise ConfigError(source, "(file)", "an existing TOML file") from None
    except OSError as exc:
        raise ConfigError(source, "(file)", f"a readable UTF-8 file ({exc})") from None
    return config_from_bytes(content, source, env)


def config_from_bytes(content: bytes, source: str, env: Mapping[str, str]) -> BannerConfig:
    """Parse the bytes of a config file already read (``source`` names it in errors).

    :raises ConfigError: when they are not UTF-8, not TOML or not valid.
    """
    try:
        document = tomllib.loads(content.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(source, "(file)", f"a readable UTF-8 file ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, "(syntax)", f"valid TOML ({exc})") from None
    return parse_config(document, source, env)


def demo_config(env: Mapping[str, str], shop_port: int = DEMO_SHOP_PORT) -> BannerConfig:
    """The no-config demo, with a generated development key, its shop on ``shop_port``."""
    config = parse_config(
        demo_document(shop_port),
        "(built-in demo)",
        {k: v for k, v in env.items() if k == "BANNER_DATABASE_URL"},
    )
    return BannerConfig(**{**_fields(config), "demo": True})


def _fields(config: BannerConfig) -> dict[str, Any]:
    return {name: getattr(config, name) for name in config.__dataclass_fields__}
