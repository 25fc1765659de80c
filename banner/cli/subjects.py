"""``banner log forget-subject``: erase the link between a signed-in user and their consent ids.

UU PDP erasure for subjects (issue 25): the links go, so the user's devices
no longer share a choice and ``subject_consent`` answers "no choice"; the
decisions stay as proof under their consent ids, which name no one.
"""

from __future__ import annotations

import click

from banner.cli.options import config_from, config_option, friendly, open_log, site_of
from banner.core.subject import check_user_id
from banner.log.service import ConsentService
from banner.log.subject_service import SubjectService


@click.command("forget-subject")
@config_option
@click.option("--site", required=True, help="The site the user signed in to.")
@click.option(
    "--user", "user_id", required=True, help="The site's user id, as its back end knows it."
)
@friendly
def forget_subject(config_path: str | None, site: str, user_id: str) -> None:
    """Unlink USER of SITE from every consent id (the decisions stay as proof)."""
    config = config_from(config_path)
    site_of(config, site)
    try:
        check_user_id(user_id)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--user") from None
    with open_log(config) as store:
        unlinked = SubjectService(ConsentService(config, store)).forget(site, user_id)
    click.echo(
        f"forgot the user on {site}: {unlinked} consent id(s) unlinked; their decisions stay "
        "as proof, and tokens issued before now link nothing"
    )
