"""The ``banner`` command line.

Every command takes ``--config FILE`` (or ``BANNER_CONFIG``). Mistakes end in
one readable line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import socket
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from werkzeug.serving import WSGIRequestHandler

from banner.admin.reading import count_rows, export_rows
from banner.cli.admin import admin
from banner.cli.keys import keys
from banner.cli.log_proof import COMMANDS as LOG_COMMANDS
from banner.cli.options import config_from as _config
from banner.cli.options import config_option, friendly
from banner.cli.options import open_log as _log
from banner.cli.options import site_of as _site_of
from banner.cli.scan import scan
from banner.cli.starter import init
from banner.cli.subjects import forget_subject
from banner.cli.webhooks import webhooks
from banner.core.config import SiteConfig, demo_config
from banner.core.config_notice import config_warnings
from banner.core.demo_site import DEMO_SERVICE_PORT, DEMO_SHOP_PORT, DEMO_SITE
from banner.log.export import (
    FORMATS,
    WRITERS,
    remembering,
    write_jsonl,
    write_notices_csv,
    write_notices_jsonl,
)
from banner.log.iso27560 import write_iso27560
from banner.log.notices import NoticeArchive
from banner.log.stats import format_table, rolled_up_rates
from banner.web import log_lines


@click.group()
@click.version_option(package_name="banner-consent")
def main() -> None:
    """banner: a self-hosted consent manager for websites under UU PDP."""
    log_lines.configure()


PORT = click.IntRange(1, 65535)


@main.command()
@config_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port", default=DEMO_SERVICE_PORT, show_default=True, type=PORT, envvar="BANNER_PORT"
)
@click.option(
    "--shop-port",
    default=DEMO_SHOP_PORT,
    show_default=True,
    type=PORT,
    envvar="BANNER_SHOP_PORT",
    help="the demo shop page's port (demo only)",
)
@friendly
def run(config_path: str | None, host: str, port: int, shop_port: int) -> None:
    """Development server; with no config, the demo site and its shop page.

    The ports also come from BANNER_PORT and BANNER_SHOP_PORT (make demo).
    """
    from banner.app import create_app
    from banner.web.webhooks import start_delivery

    config = _config(config_path)
    if config.demo:
        if shop_port == port:
            raise click.BadParameter("must differ from --port", param_hint="--shop-port")
        config = demo_config(os.environ, shop_port)
    _free(host, port, "--port", "BANNER_PORT")
    app = create_app(config)
    start_delivery(app)
    if config.demo:
        _free(host, shop_port, "--shop-port", "BANNER_SHOP_PORT")
        _start_demo_shop(f"http://{host}:{port}", host, shop_port, config.sites[DEMO_SITE])
    app.run(host=host, port=port, use_reloader=False, request_handler=_AddresslessHandler)


def _free(host: str, port: int, flag: str, variable: str) -> None:
    """Refuse at once, naming the flag, when ``port`` is taken on ``host``."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise click.ClickException(
                f"port {port} on {host} is not free ({exc.strerror}): choose another with "
                f"{flag} N (make demo: {variable}=N make demo)"
            ) from None


class _AddresslessHandler(WSGIRequestHandler):
    """The development server's request log, without the client's address.

    Only the log line loses it: the app still gets ``REMOTE_ADDR``, which the
    consent log masks and the rate limits key on (per masked network).
    """

    def log(self, type: str, message: str, *args: Any) -> None:
        line = f"[{self.log_date_time_string()}] {message}"
        text = _TOKEN.sub(r"\1***", line % args if args else line)
        logging.getLogger("werkzeug").log(logging.getLevelName(type.upper()), "%s", text)


#: A consent token in a logged URL (``/preferences?token=...``): it grants changes to
#: the visitor's consent, so the log shows only that one was there.
_TOKEN = re.compile(r"([?&;](?:token|consent_token)=)[^&;\s\"]*", re.IGNORECASE)


def _start_demo_shop(
    service_url: str, host: str, shop_port: int = DEMO_SHOP_PORT, site: SiteConfig | None = None
) -> None:
    from werkzeug.serving import make_server

    from banner.web.demo import demo_shop_app

    shop = make_server(
        host,
        shop_port,
        demo_shop_app(service_url, site),
        threaded=True,
        request_handler=_AddresslessHandler,
    )
    threading.Thread(target=shop.serve_forever, daemon=True).start()
    click.echo(f" * Demo shop page: http://localhost:{shop_port}/  (service: {service_url})")


@main.command()
@config_option
@click.option("--bind", default="127.0.0.1:8000", show_default=True, help="HOST:PORT")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@friendly
def serve(config_path: str | None, bind: str, workers: int) -> None:
    """Production server (gunicorn, gthread workers)."""
    from banner.app import create_app
    from banner.web.server import serve as run_gunicorn

    config = _config(config_path)  # validate before forking workers
    if config_path:
        os.environ["BANNER_CONFIG"] = os.path.abspath(config_path)
    with _log(config):  # create the schema once, before workers race to
        pass
    run_gunicorn(bind, workers, create_app)


@main.command("check-config")
@config_option
@friendly
def check_config(config_path: str | None) -> None:
    """Validate a config; say what is wrong and exit non-zero."""
    if not config_path:
        raise click.ClickException("no config given: use --config FILE or BANNER_CONFIG")
    config = _config(config_path)
    for warning in config_warnings(config):  # allowed, so still exit 0
        click.echo(f"warning: {warning}", err=True)
    sites = ", ".join(sorted(config.sites))
    click.echo(f"{config.source}: ok ({len(config.sites)} site(s): {sites})")


@main.group()
def log() -> None:
    """Proof of consent: export, look up and purge the consent log."""


def _when(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("expected a date like 2026-11-01", param_hint=name) from None
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


@log.command("export")
@config_option
@click.option("--site", required=True)
@click.option("--since", help="first day (UTC), e.g. 2026-11-01")
@click.option("--until", help="day after the last (UTC), e.g. 2026-12-01")
@click.option(
    "--format",
    "fmt",
    type=click.Choice((*FORMATS, "iso27560")),
    default="csv",
    show_default=True,
    help="iso27560: one ISO/IEC TS 27560 consent record per line (docs/proof.md)",
)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), help="default: stdout")
@click.option(
    "--with-notices",
    is_flag=True,
    help="add the archived notice texts the decisions refer to "
    '(JSON Lines: "record": "notice" lines; CSV: a FILE.notices.csv twin, needs --output)',
)
@friendly
def export(
    config_path: str | None,
    site: str,
    since: str | None,
    until: str | None,
    fmt: str,
    output: str | None,
    with_notices: bool,
) -> None:
    """Export proof of consent as CSV or JSON Lines."""
    if with_notices and fmt == "csv" and not output:
        raise click.BadParameter(
            "with --format csv the notices go to a second file: give --output FILE",
            param_hint="--with-notices",
        )
    if with_notices and fmt == "iso27560":
        raise click.BadParameter(
            "ISO 27560 records name their notice by hash; export the notices with"
            " --format jsonl --with-notices",
            param_hint="--with-notices",
        )
    config = _config(config_path)
    site = _site_of(config, site)
    start, end = _when(since, "--since"), _when(until, "--until")
    hashes: dict[str, None] = {}
    with _log(config) as store:
        total = count_rows(store, site, start, end)
        out = open(output, "w", encoding="utf-8", newline="") if output else sys.stdout  # noqa: SIM115
        try:
            rows = export_rows(store, site, start, end)
            writer = WRITERS.get(fmt) or functools.partial(write_iso27560, site=config.sites[site])
            if with_notices:
                rows = remembering(rows, hashes)
                writer = functools.partial(write_jsonl, tagged=True) if fmt == "jsonl" else writer
            with click.progressbar(length=total, label="exporting", file=sys.stderr) as bar:
                written = writer(rows, out, lambda: bar.update(1))
            if with_notices:
                _export_notices(NoticeArchive(store.engine), hashes, out, fmt, output)
        finally:
            if output:
                out.close()
    click.echo(f"exported {written} row(s) of {site}", err=True)


def _export_notices(
    archive: NoticeArchive, hashes: dict[str, None], out: Any, fmt: str, output: str | None
) -> None:
    """The notices after the decisions (JSON Lines) or in the CSV's twin file."""
    found = archive.many(hashes)
    notices = [found[h] for h in hashes if h in found]
    if fmt == "jsonl":
        write_notices_jsonl(notices, out)
        where = "with them"
    else:
        twin = Path(str(output))
        twin = twin.with_name(twin.stem + ".notices.csv")
        try:
            with twin.open("w", encoding="utf-8", newline="") as notices_out:
                write_notices_csv(notices, notices_out)
        except OSError as exc:
            raise click.ClickException(
                f"cannot write the notices to {twin}: {exc.strerror}"
            ) from None
        where = f"in {twin}"
    missing = len(hashes) - len(notices)
    note = f"; {missing} logged before notices were archived (hash only)" if missing else ""
    click.echo(f"exported {len(notices)} notice(s) {where}{note}", err=True)


@log.command("show")
@config_option
@click.argument("consent_id")
@friendly
def show(config_path: str | None, consent_id: str) -> None:
    """Every row of one consent id, oldest first (JSON Lines).

    An id a browser chose may start with "-": put "--" before it.
    """
    import json

    with _log(_config(config_path)) as store:
        rows = store.history(consent_id)
    if not rows:
        raise click.ClickException(f"no rows for consent id {consent_id!r}")
    for row in rows:
        click.echo(json.dumps(row.as_record(), ensure_ascii=False))


@log.command("purge")
@config_option
@click.option("--older-than", "days", required=True, type=click.IntRange(1, 36500), help="DAYS")
@friendly
def purge(config_path: str | None, days: int) -> None:
    """Delete rows older than DAYS days (retention), and the notices no row refers to any more."""
    before = datetime.now(UTC) - timedelta(days=days)
    config = _config(config_path)
    with _log(config) as store:
        removed = store.purge(before)
        notices = NoticeArchive(store.engine).purge_unreferenced(before)
        from banner.cli.log_proof import heads_after_purge

        signed = heads_after_purge(config, store)
    click.echo(
        f"purged {removed} row(s) recorded before {before:%Y-%m-%d %H:%M} UTC"
        f" and {notices} notice(s) no remaining row refers to; their leaf hashes stay"
        f" in the log ({signed} signed head(s) of the trees as they are now)"
    )


@main.command()
@config_option
@click.option("--site", required=True)
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 3650))
@friendly
def stats(config_path: str | None, site: str, days: int) -> None:
    """Per local day: decisions logged, visitors who decided, opt-in rate per category.

    Read from the daily roll-ups: the last DAYS days in the site's time zone, today included.
    """
    config = _config(config_path)
    site = _site_of(config, site)
    last = datetime.now(ZoneInfo(config.sites[site].timezone)).date()
    optional = [c for c in config.sites[site].category_ids if c != "essential"]
    with _log(config) as store:
        table = rolled_up_rates(store, site, last - timedelta(days=days - 1), last, optional)
    if not table:
        click.echo(f"no decisions for {site} in the last {days} day(s)")
        return
    click.echo(format_table(table, optional))


@main.command("export-static")
@config_option
@click.option("--output", required=True, type=click.Path(file_okay=False), help="folder to write")
@click.option(
    "--base-url",
    default=None,
    help="where the service answers, ending with / (default: [banner] public_url)",
)
@click.option("--site", "only", multiple=True, help="only these sites (default: all)")
@friendly
def export_static(
    config_path: str | None, output: str, base_url: str | None, only: tuple[str, ...]
) -> None:
    """Write each site's loader files to a folder for nginx or a CDN.

    Every notice the files can show is archived in the consent log first.
    """
    from banner.log.notices import NoticeArchive
    from banner.web.static_export import export_sites, valid_base_url

    config = _config(config_path)
    base_url = base_url or config.public_url
    if not valid_base_url(base_url):
        raise click.BadParameter(
            "expected an http(s) URL ending with / (or set [banner] public_url)",
            param_hint="--base-url",
        )
    sites = [config.sites[_site_of(config, s)] for s in only] or list(config.sites.values())
    with _log(config) as store:
        archive = NoticeArchive(store.engine)
        written = export_sites(
            sites,
            base_url,
            Path(output),
            lambda p: click.echo(f"wrote {p}"),
            lambda notice: archive.ensure(notice.hash, notice.document),
        )
    click.echo(f"{len(written)} file(s) in {output}; manifest.json lists their SHA-256")


main.add_command(scan)
main.add_command(admin)
main.add_command(init)
main.add_command(keys)
main.add_command(webhooks)
for command in LOG_COMMANDS:
    log.add_command(command)
log.add_command(forget_subject)
