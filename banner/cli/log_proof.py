"""``banner log verify | proof | verify-proof | head``: the tamper-evident log (issue 22).

``verify`` exits 0 with "verified N decisions, M heads" or 1 with one line per
problem, the first naming the first ``log_index`` that was changed, deleted,
inserted or moved (or the head that does not match).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from banner.cli.options import config_from as _config
from banner.cli.options import config_option, friendly, site_of
from banner.cli.options import open_log as _log
from banner.core.config import BannerConfig
from banner.log import bundle, tree
from banner.log.heads import HeadKeeper, SignedHead
from banner.log.signing import log_key
from banner.log.store import ConsentLog
from banner.log.verify import verify as verify_log

#: Problems printed per site before "... and N more".
SHOWN_PROBLEMS = 20


def keeper_of(config: BannerConfig, store: ConsentLog) -> HeadKeeper:
    """The heads of ``store``, signed with the configured (or stored) log key."""
    return HeadKeeper(store.engine, log_key(config, store.engine))


def heads_after_purge(config: BannerConfig, store: ConsentLog) -> int:
    """A head of every tree after a purge (the newest one when it covers the tree)."""
    keeper = keeper_of(config, store)
    with store.engine.connect() as conn:
        sites = tree.sites(conn)
    return len([keeper.make(site) for site in sites])


def _read_json(path: str, what: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise click.ClickException(f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise click.ClickException(f"{path}: not a JSON {what} ({exc})") from None


def _outside_head(path: str | None) -> SignedHead | None:
    if path is None:
        return None
    try:
        return SignedHead.from_json(_read_json(path, "signed head"))
    except ValueError as exc:
        raise click.ClickException(f"{path}: not a signed head: {exc}") from None


@click.command("verify")
@config_option
@click.option("--site", help="only this site (default: every site with a log)")
@click.option(
    "--head", "head_file", type=click.Path(dir_okay=False), help="a signed head kept elsewhere"
)
@friendly
def verify(config_path: str | None, site: str | None, head_file: str | None) -> None:
    """Recompute every leaf, the trees and every signed head; exit 1 naming the first problem."""
    config = _config(config_path)
    outside = _outside_head(head_file)
    with _log(config) as store:
        with store.engine.connect() as conn:
            sites = [site_of(config, site)] if site else tree.sites(conn)
        if outside is not None and outside.site not in sites:
            sites.append(outside.site)
        for name in sites:  # the decisions numbered since the last head join their tree
            tree.catch_up(store.engine, name)
        with store.engine.connect() as conn:
            reports = verify_log(conn, sites, outside)
    failed = [r for r in reports if r.problems]
    for report in failed:
        problems = sorted(report.problems, key=lambda p: p[0] if p[0] >= 0 else 2**63)
        for _index, text in problems[:SHOWN_PROBLEMS]:
            click.echo(f"{report.site}: {text}", err=True)
        if len(problems) > SHOWN_PROBLEMS:
            click.echo(f"{report.site}: ... and {len(problems) - SHOWN_PROBLEMS} more", err=True)
    decisions = sum(r.decisions for r in reports)
    heads, purged = sum(r.heads for r in reports), sum(r.purged for r in reports)
    tail = f", {purged} purged entries (leaf hash kept)" if purged else ""
    if failed:
        raise click.ClickException(f"log NOT verified: {failed[0].site}: {failed[0].first_problem}")
    click.echo(f"verified {decisions} decisions, {heads} heads{tail}")


@click.command("proof")
@config_option
@click.option("--site", required=True)
@click.option("--id", "consent_id", required=True, help="the consent id")
@click.option("--output", required=True, type=click.Path(dir_okay=False, writable=True))
@friendly
def proof(config_path: str | None, site: str, consent_id: str, output: str) -> None:
    """Write a proof bundle of one consent id: rows, notices, proofs, signed head, public key."""
    config = _config(config_path)
    site = site_of(config, site)
    with _log(config) as store:
        found = bundle.build(store.engine, keeper_of(config, store), site, consent_id)
    if found is None:
        raise click.ClickException(f"no logged decision of consent id {consent_id!r} on {site}")
    try:
        Path(output).write_text(json.dumps(found, ensure_ascii=False, indent=1) + "\n", "utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror}") from None
    click.echo(f"wrote the proof of {len(found['entries'])} decision(s) to {output}", err=True)


@click.command("verify-proof")
@click.argument("bundle_file", type=click.Path(dir_okay=False))
def verify_proof(bundle_file: str) -> None:
    """Check a proof bundle offline (no config, no database)."""
    facts, problems = bundle.check(_read_json(bundle_file, "proof bundle"))
    for line in problems:
        click.echo(line, err=True)
    if problems:
        raise click.ClickException(f"proof NOT verified: {problems[0]}")
    for line in facts:
        click.echo(line)


@click.command("head")
@config_option
@click.option("--site", required=True)
@friendly
def head(config_path: str | None, site: str) -> None:
    """Print a signed head of the site's whole log (made now when needed), to publish it."""
    config = _config(config_path)
    site = site_of(config, site)
    with _log(config) as store:
        found = keeper_of(config, store).make(site)
    click.echo(json.dumps(found.as_json(), ensure_ascii=False))


COMMANDS = (verify, proof, verify_proof, head)
