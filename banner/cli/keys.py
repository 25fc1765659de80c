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
from banner.core.keys import LABEL, SUBJECT, SUBJECT_API, TOKEN, derived_keys

#: What each kind of key is for, as ``keys show`` says.
USES = {
    TOKEN: "they verify {site}'s tokens only. "
    'Use: ConsentChecker("{site}", KEYS, policy_version=...)',
    SUBJECT: "the last signs {site}'s subject tokens. "
    'Use: subject_token("{site}", user_id, keys=KEYS)',
    SUBJECT_API: "any one is the bearer of POST /api/v1/subject for {site}.",
}
ENV_NAMES = {
    TOKEN: "BANNER_SITE_KEYS",
    SUBJECT: "BANNER_SUBJECT_KEYS",
    SUBJECT_API: "BANNER_SUBJECT_API_KEYS",
}
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
    "--for",
    "purpose",
    type=click.Choice([TOKEN, SUBJECT, SUBJECT_API]),
    default=TOKEN,
    show_default=True,
    help='"token": verify consent tokens; "subject": sign subject tokens; '
    '"subject-api": the bearer of POST /api/v1/subject.',
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["lines", "env"]),
    default="lines",
    show_default=True,
    help='"lines": one key per line; "env": BANNER_SITE_KEYS=k1,k2 for an environment file.',
)
@friendly
def show(config_path: str | None, site: str, purpose: str, fmt: str) -> None:
    """Print SITE's keys for one use (oldest first; the last one signs), for its backend only."""
    config = config_from(config_path)
    found = derived_keys(config.secret_keys, purpose, site_of(config, site))
    click.echo(
        f"# {site}: HMAC-SHA256(secret, {LABEL!r} + {purpose!r} + '/' + {site!r}) of each of "
        f"the {len(found)} secret_keys, oldest first; {USES[purpose].format(site=site)}",
        err=True,
    )
    if fmt == "env":
        click.echo(f"{ENV_NAMES[purpose]}={','.join(found)}")
    else:
        for key in found:
            click.echo(key)
