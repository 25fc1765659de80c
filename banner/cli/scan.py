"""``banner scan``: the cookie scanner on the command line.

Exit status: 0 nothing leaked before consent, 1 violations found, 2 bad
arguments, config or set-up (no Playwright, no browser), 3 site unreachable.
Progress goes to stderr when it is a terminal; ``--json`` prints a summary
on stdout for CI.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path
from typing import Any

import click

from banner.core.config import BannerConfig, ConfigError, load_config
from banner.core.config_model import SiteConfig
from banner.log.scans import save_scan
from banner.log.store import ConsentLog, StoreUnavailable
from banner.scan.chromium import BrowserMissing
from banner.scan.crawl import BadStartURL, SiteUnreachable, start_url
from banner.scan.proposal import proposal
from banner.scan.routes import BadRoute, Routes


class ScanUsageError(click.ClickException):
    """Bad arguments, config or set-up: exit 2."""

    exit_code = 2


class Unreachable(click.ClickException):
    """The site did not answer: exit 3."""

    exit_code = 3


def _watchdog(options: dict[str, Any]) -> threading.Timer:
    """End the process if the scan outlives its limits (a page's script can hold Chromium).

    The scan checks its time limit between pages, but a page whose script never
    yields blocks the browser calls themselves; this is the backstop.
    """
    grace = 2 * options["page_timeout"] + 10
    seconds = options["timeout"] + grace

    def abort() -> None:
        click.echo(
            f"Error: site unreachable: the scan did not end within --timeout plus {grace} s "
            "(a page kept the browser busy); no report written",
            err=True,
        )
        os._exit(Unreachable.exit_code)

    timer = threading.Timer(seconds, abort)
    timer.daemon = True
    return timer


def _progress(number: int, opened: int, found: int) -> None:
    if sys.stderr.isatty():
        click.echo(
            f"\rpass {number}/2: {opened} page(s) opened, {found} found ", nl=False, err=True
        )


def _site(
    config_path: str | None, site_id: str | None
) -> tuple[BannerConfig | None, SiteConfig | None]:
    if site_id is None:
        return None, None
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        raise ScanUsageError(f"configuration error: {exc}") from None
    if site_id not in config.sites:
        known = ", ".join(sorted(config.sites))
        raise ScanUsageError(f"--site: no site {site_id!r} in the config (configured: {known})")
    return config, config.sites[site_id]


def _request(url: str, site: SiteConfig | None, options: dict[str, Any]) -> Any:
    from banner.scan.scanner import ScanRequest

    try:
        return ScanRequest(
            start_url(url),
            site,
            options["pages"],
            float(options["page_timeout"]),
            float(options["timeout"]),
            Routes.parse(options["route"]),
            sandbox=not options["unsafe_no_sandbox"],
        )
    except (BadStartURL, BadRoute) as exc:
        raise ScanUsageError(str(exc)) from None


def _human(report: dict[str, Any], written: list[Path]) -> None:
    click.echo(
        f"scanned {len(report['pages'])} page(s) of {report['url']}: "
        f"{len(report['cookies'])} cookie(s), {len(report['requests'])} request(s) to other hosts"
    )
    if report["violations"]:
        click.echo(f"{len(report['violations'])} violation(s) before consent:")
    for v in report["violations"]:
        click.echo(f"  {v['kind']} {v['name']} ({v['platform']}, {v['category']}) on {v['page']}")
    if report["site"]:
        click.echo("undeclared: " + (", ".join(c["name"] for c in report["undeclared"]) or "none"))
        click.echo("stale: " + (", ".join(c["name"] for c in report["stale"]) or "none"))
        if report["not_observable"]:
            names = ", ".join(c["name"] for c in report["not_observable"])
            click.echo(f"not observable (their tracker's script did not load): {names}")
    for f in report["failed_scripts"]:
        click.echo(f"tracker script did not load: {f['url']} ({f['platform']}): {f['outcome']}")
    if not report["complete"]:
        click.echo("the time limit ended the scan early: some pages were not opened")
    click.echo("wrote " + ", ".join(str(p) for p in written))


def _save(config: BannerConfig, site: SiteConfig, report: dict[str, Any]) -> None:
    from datetime import datetime

    log = ConsentLog(config.database_url)
    try:
        log.create_schema()
        stored = {**report, "proposed_toml": proposal(report, site)}  # shown on the dashboard
        save_scan(log, site.id, datetime.fromisoformat(report["scanned_at"]), stored)
    except StoreUnavailable as exc:
        raise ScanUsageError(f"--save: consent log unavailable: {exc.reason}") from None
    finally:
        log.dispose()


@click.command("scan")
@click.argument("url")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    envvar="BANNER_CONFIG",
    help="banner.toml whose --site declaration to compare with.",
)
@click.option("--site", "site_id", help="compare with this site's cookie declaration")
@click.option("--pages", default=20, show_default=True, type=click.IntRange(1, 500))
@click.option(
    "--output",
    default="banner-scan",
    show_default=True,
    type=click.Path(file_okay=False),
    help="folder for report.json, report.html and cookies.toml",
)
@click.option(
    "--save", is_flag=True, help="store the report for the dashboard (needs --config, --site)"
)
@click.option("--json", "as_json", is_flag=True, help="print a JSON summary on stdout")
@click.option(
    "--page-timeout", default=20, show_default=True, type=click.IntRange(1, 300), help="seconds"
)
@click.option(
    "--timeout",
    default=600,
    show_default=True,
    type=click.IntRange(5, 7200),
    help="seconds, whole scan",
)
@click.option(
    "--route",
    multiple=True,
    help="HOST=URL|block|direct: send a host's requests elsewhere (staging, tests)",
)
@click.option(
    "--unsafe-no-sandbox",
    is_flag=True,
    help="run Chromium without its sandbox (needed as root); only on a machine or "
    "container that holds no banner keys or database",
)
def scan(
    url: str,
    config_path: str | None,
    site_id: str | None,
    save: bool,
    as_json: bool,
    **options: Any,
) -> None:
    """Find the cookies, storage keys and requests URL really uses, before and after consent."""
    if save and not (config_path and site_id):
        raise ScanUsageError("--save needs --config and --site")
    output = Path(options.pop("output"))
    config, site = _site(config_path, site_id)
    request = _request(url, site, options)
    from banner.scan.scanner import exit_status, summary, write_outputs
    from banner.scan.scanner import scan as run_scan

    watchdog = _watchdog(options)
    watchdog.start()
    try:
        report = run_scan(request, _progress)
    except BrowserMissing as exc:
        raise ScanUsageError(str(exc)) from None
    except SiteUnreachable as exc:
        raise Unreachable(f"site unreachable: {exc}") from None
    finally:
        watchdog.cancel()
        if sys.stderr.isatty():
            click.echo("", err=True)
    try:
        written = write_outputs(report, site, output)
    except OSError as exc:
        raise ScanUsageError(f"--output: cannot write {output}: {exc.strerror or exc}") from None
    if save and config and site:
        _save(config, site, report)
    if as_json:
        click.echo(json.dumps(summary(report, output), ensure_ascii=False))
    else:
        _human(report, written)
    sys.exit(exit_status(report))
