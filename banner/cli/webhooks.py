"""``banner webhooks list|retry|replay``: the outbox of the sites' webhooks.

The running service sends what these commands queue (:mod:`banner.log.webhook_delivery`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime

import click
import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from banner.cli.options import config_from as _config
from banner.cli.options import config_option, friendly, site_of
from banner.cli.options import open_log as _log
from banner.core.config import BannerConfig
from banner.log import outbox
from banner.log.rows import as_utc
from banner.log.store import translate_error


@click.group()
def webhooks() -> None:
    """Events sent to the sites' webhooks: list them, retry the failed, send again."""


site_option = click.option("--site", help="Only this site (default: every site).")


def _site(config: BannerConfig, site: str | None) -> str | None:
    return None if site is None else site_of(config, site)


@webhooks.command("list")
@config_option
@site_option
@click.option("--state", type=click.Choice(outbox.STATES), help="Only events in this state.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@friendly
def list_events(config_path: str | None, site: str | None, state: str | None, limit: int) -> None:
    """Counts per site, then the newest events, newest first."""
    config = _config(config_path)
    chosen = _site(config, site)
    with _outbox(config) as conn:
        counts = outbox.counts(conn, None if chosen is None else [chosen])
        events = outbox.listed(conn, chosen, state, limit)
    for name, figures in sorted(counts.items()):
        shown = ", ".join(f"{figures[s]} {s}" for s in outbox.STATES)
        click.echo(f"{name}: {shown}")
    for event in events:
        when = as_utc(event.created_at)
        click.echo(
            f"{when.isoformat(timespec='seconds')} {event.event_id} {event.site}/{event.webhook} "
            f"{event.event} {event.state} attempts={event.attempts} {event.last_result}".rstrip()
        )


@webhooks.command("retry")
@config_option
@site_option
@friendly
def retry(config_path: str | None, site: str | None) -> None:
    """Queue every failed event again (a new 24 hours of tries)."""
    config = _config(config_path)
    chosen = _site(config, site)
    with _outbox(config, write=True) as conn:
        count = outbox.retry_failed(conn, chosen)
    click.echo(f"{count} failed events queued again; the running service sends them")


@webhooks.command("replay")
@config_option
@site_option
@click.option("--since", required=True, help="Events created since (UTC), e.g. 2026-11-01")
@friendly
def replay(config_path: str | None, site: str | None, since: str) -> None:
    """Send again every event created since a time, under the same event ids."""
    start = _since(since)
    config = _config(config_path)
    chosen = _site(config, site)
    with _outbox(config, write=True) as conn:
        count = outbox.replay(conn, start, chosen)
    click.echo(f"{count} events queued again; the running service sends them")


def _since(value: str) -> datetime:
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("expected a date like 2026-11-01", param_hint="--since") from None
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


@contextlib.contextmanager
def _outbox(config: BannerConfig, write: bool = False) -> Iterator[sa.Connection]:
    """A connection to the outbox (a transaction when writing); database errors in one line."""
    with _log(config) as log:
        try:
            with log.engine.begin() if write else log.engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise translate_error(exc) from exc
