"""``banner init``: a commented starter ``banner.toml`` with fresh keys.

The file passes ``banner check-config`` as written, so ``banner serve`` runs at
once; the values to replace are marked ``REPLACE``. Beside it goes the consent
log's signing key (Ed25519, PEM). Both are created with mode 0600 and never
over an existing file.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path

import click

from banner.core.config_model import SITE_ID
from banner.core.config_values import is_origin
from banner.log.signing import new_pem

#: A domain name, lower case, at least two labels.
DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
#: Each tracker kind's settings, as commented examples (kind, lines).
TRACKER_EXAMPLES = (
    ("Google Analytics 4", "ga4", ['measurement_id = "G-XXXXXXXXXX"', 'category = "analytics"']),
    (
        "Google Tag Manager (its container's tags follow the visitor's choice)",
        "gtm",
        ['container_id = "GTM-XXXXXXX"', 'category = "analytics"', 'mode = "advanced"'],
    ),
    ("Google Ads", "google_ads", ['conversion_id = "AW-123456789"', 'category = "analytics"']),
    ("Meta Pixel", "meta_pixel", ['pixel_id = "123456789012345"', 'category = "analytics"']),
    (
        "TikTok Pixel",
        "tiktok_pixel",
        ['pixel_id = "CXXXXXXXXXXXXXXXXXXX"', 'category = "analytics"'],
    ),
    (
        "Referral: remembers the partner who sent the visitor (?ref=...)",
        "referral",
        ['params = ["ref", "aff_id"]', 'cookie = "ref_id"', "days = 30", 'category = "functional"'],
    ),
    (
        "Any other script, loaded once its category is granted",
        "custom.chat",
        [
            'src = "https://chat.example.com/widget.js"',
            'category = "functional"',
            'cookies = ["chat_*"]',
            'recipient = { name = "Chat Example Pte. Ltd.", country = "SG" }',
        ],
    ),
)


class StarterError(click.ClickException):
    """A bad argument, or a file that already exists."""


def site_from(domain: str) -> str:
    """A site id from a domain: its first label that is not ``www``."""
    labels = [label for label in domain.split(".") if label != "www"] or ["site"]
    return re.sub(r"[^a-z0-9_-]", "-", labels[0])[:40]


def render(site: str, domain: str, log_key_file: str, examples_on: bool = False) -> str:
    """The starter file; ``examples_on`` writes the tracker examples uncommented (tests)."""
    apex = domain.removeprefix("www.")
    origins = [f"https://{apex}", f"https://www.{apex}"]
    head = _banner_table(log_key_file) + _site_table(site, apex, origins)
    return head + _examples(site, apex, "" if examples_on else "# ")


def _banner_table(log_key_file: str) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d")
    return f"""# banner.toml, written by `banner init` on {now}.
# Lines marked REPLACE hold placeholders: put in your own before going live.
#   banner check-config --config banner.toml    lists every mistake at once
#   banner serve --config banner.toml           runs the service (see the README)
# This file holds secret keys: keep it out of version control (mode 0600).

[banner]
# Keys that sign consent tokens and dashboard sessions; the LAST one signs. To rotate,
# add a key from `banner keys new` at the end, and drop the first once tokens signed
# with it have expired (consent_days).
secret_keys = ["{secrets.token_urlsafe(32)}"]
# Signs the consent log's tree heads (Ed25519, PEM), relative to this file's folder.
log_key_file = "{log_key_file}"
# The consent log: SQLite relative to the folder banner starts in, or PostgreSQL:
# database_url = "postgresql+psycopg://banner@127.0.0.1/banner"
database_url = "sqlite:///banner.db"
default_language = "id"
"""


def _site_table(site: str, apex: str, origins: list[str]) -> str:
    quoted = ", ".join(f'"{o}"' for o in origins)
    return f"""
[sites.{site}]
name = "{apex}"  # REPLACE: the site's name as visitors know it
# Pages that may record consent (scheme://host[:port]).
origins = [{quoted}]
privacy_policy_url = "https://{apex}/kebijakan-privasi"  # REPLACE
# Raise by one whenever the notice changes in substance: visitors are asked again.
policy_version = 1
timezone = "Asia/Jakarta"

# Who decides what happens to the visitors' data (UU PDP), named on the banner.
[sites.{site}.controller]
name = "PT Contoh Indonesia"  # REPLACE: the company's legal name
contact = "privasi@{apex}"  # REPLACE: an e-mail address or an https URL
address = "Jl. Contoh No. 1, Jakarta"  # REPLACE
"""


def _examples(site: str, apex: str, mark: str) -> str:
    parts = [
        "\n# Trackers: uncomment those the site uses; each starts only after consent to its"
        "\n# category (essential, functional, analytics, preference)."
    ]
    for title, kind, lines in TRACKER_EXAMPLES:
        body = "\n".join(f"{mark}{line}" for line in lines)
        parts.append(f"\n# {title}\n{mark}[sites.{site}.trackers.{kind}]\n{body}")
    cookie = [
        f"[[sites.{site}.cookies]]",
        'name = "_ga"',
        'provider = "Google"',
        'category = "analytics"',
        'duration = { id = "2 tahun", en = "2 years" }',
        'purpose = { id = "Membedakan pengunjung", en = "Distinguishes visitors" }',
    ]
    parts.append(
        "\n# Every cookie the site sets, listed for visitors; a scan proposes these entries:"
        f"\n#   banner scan https://{apex}/ --config banner.toml --site {site}\n"
        + "\n".join(f"{mark}{line}" for line in cookie)
    )
    return "\n".join(parts) + "\n"


def _create(path: Path, data: bytes) -> None:
    """Write a new file readable by its owner only; never over an existing one."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise StarterError(f"{path} exists already: banner init never overwrites a file") from None
    except OSError as exc:
        raise StarterError(f"cannot write {path}: {exc.strerror}") from None
    with os.fdopen(fd, "wb") as out:
        out.write(data)


@click.command("init")
@click.option("--site", "site_id", help="site id (default: from --domain)")
@click.option("--domain", default="example.co.id", show_default=True, help="the site's domain")
@click.option(
    "--output",
    default="banner.toml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="the config file to write",
)
def init(site_id: str | None, domain: str, output: str) -> None:
    """Write a commented starter config with fresh keys, and the log's signing key."""
    domain = domain.strip().lower().rstrip(".")
    if not DOMAIN.fullmatch(domain) or not is_origin(f"https://{domain}"):
        raise click.BadParameter("expected a domain like example.co.id", param_hint="--domain")
    site = site_id if site_id is not None else site_from(domain)
    if not SITE_ID.fullmatch(site):
        raise click.BadParameter(
            "expected lower-case letters, digits, - and _ (at most 40)", param_hint="--site"
        )
    config = Path(output)
    key_file = config.with_name(config.stem + "-log-key.pem")
    for path in (config, key_file):
        if path.exists():
            raise StarterError(f"{path} exists already: banner init never overwrites a file")
    _create(key_file, new_pem())
    _create(config, render(site, domain, key_file.name).encode("utf-8"))
    click.echo(f"wrote {config} (site {site}) and its log signing key {key_file}")
    click.echo(f"next: fill in the REPLACE lines, then banner check-config --config {config}")
