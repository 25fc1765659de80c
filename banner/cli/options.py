"""What every ``banner`` command shares: ``--config``, loading the config, the
consent log for one command, and turning banner's errors into one line.

Imported by the command modules (:mod:`banner.cli.commands`,
:mod:`banner.cli.admin`, :mod:`banner.cli.scan`); imports none of them.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import click

from banner.core.config import BannerConfig, ConfigError, load_config
from banner.log.rollups import install as install_rollups
from banner.log.store import ConsentLog, StoreUnavailable

F = TypeVar("F", bound=Callable[..., Any])

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    envvar="BANNER_CONFIG",
    help="banner.toml to use (default: $BANNER_CONFIG, else the demo site).",
)


def friendly(command: F) -> F:
    """Turn banner's own errors into one-line click errors."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ConfigError as exc:
            for line in exc.lines():  # every mistake of the file, one line each
                click.echo(f"Error: configuration error: {line}", err=True)
            raise click.exceptions.Exit(1) from None
        except StoreUnavailable as exc:
            raise click.ClickException(f"consent log unavailable: {exc.reason}") from None

    return wrapper  # type: ignore[return-value]


def config_from(path: str | None) -> BannerConfig:
    return load_config(path)


@contextlib.contextmanager
def open_log(config: BannerConfig) -> Iterator[ConsentLog]:
    """The consent log for one command, its connections closed afterwards."""
    log = ConsentLog(config.database_url)
    try:
        log.create_schema()
        install_rollups(log, config)
        yield log
    finally:
        log.dispose()


def site_of(config: BannerConfig, site: str) -> str:
    """``site`` when the config has it, else a click error listing the sites."""
    if site not in config.sites:
        known = ", ".join(sorted(config.sites))
        raise click.BadParameter(f"no site {site!r} (configured: {known})", param_hint="--site")
    return site
