"""``banner keys``: a fresh secret for rotation, what a site's backend needs, the log key.

``banner keys show --site S`` prints the site's token keys, derived from the
configured ``secret_keys`` (:mod:`banner.core.keys`), oldest first, the last
one signing. They verify that site's consent tokens and nothing else: give a
site's backend these, never ``secret_keys`` or the config file.
"""

from __future__ import annotations

import secrets

import click

from banner.cli.log_key import new_log_key
from banner.cli.options import config_from, config_option, friendly, site_of
from banner.core.keys import LABEL, TOKEN, site_token_keys

#: Bytes of randomness in a new secret (256 bits, 43 URL-safe characters).
NEW_KEY_BYTES = 32


@click.group()
def keys() -> None:
    """Make the keys banner signs with; show the keys a site's backend needs."""


keys.add_command(new_log_key)


@keys.command("new")
def new() -> None:
    """Print a fresh random secret to add to the end of [banner] secret_keys."""
    click.echo(secrets.token_urlsafe(NEW_KEY_BYTES))


@keys.command("show")
@config_option
@click.option("--site", required=True, help="The site whose backend gets the keys.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["lines", "env"]),
    default="lines",
    show_default=True,
    help='"lines": one key per line; "env": BANNER_SITE_KEYS=k1,k2 for an environment file.',
)
@friendly
def show(config_path: str | None, site: str, fmt: str) -> None:
    """Print SITE's token keys (oldest first; the last one signs), for its backend only."""
    config = config_from(config_path)
    found = site_token_keys(config.secret_keys, site_of(config, site))
    click.echo(
        f"# {site}: HMAC-SHA256(secret, {LABEL!r} + {TOKEN!r} + '/' + {site!r}) of each of "
        f"the {len(found)} secret_keys, oldest first; they verify {site}'s tokens only. "
        f'Use: ConsentChecker("{site}", KEYS, policy_version=...)',
        err=True,
    )
    if fmt == "env":
        click.echo(f"BANNER_SITE_KEYS={','.join(found)}")
    else:
        for key in found:
            click.echo(key)
