"""``banner admin``: the operator dashboard's accounts.

Passwords are read hidden and twice from the terminal, or once from standard
input with ``--password-stdin`` (for scripts); they are stored as scrypt
hashes (:mod:`banner.admin.accounts`). Mistakes end in one line, no traceback.
"""

from __future__ import annotations

import sys

import click

from banner.admin.accounts import AccountError, create_user, delete_user, list_users
from banner.cli.options import config_from as _config
from banner.cli.options import config_option, friendly
from banner.cli.options import open_log as _log


@click.group()
def admin() -> None:
    """Accounts of the operator dashboard at /admin/."""


def _stdin_password() -> str:
    line = sys.stdin.readline(4096)
    return line.rstrip("\r\n")


@admin.command("create-user")
@config_option
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option(
    "--site", "sites", multiple=True, help="Only this site (repeat; default: every site)."
)
@friendly
def create(
    config_path: str | None, name: str, password_stdin: bool, sites: tuple[str, ...]
) -> None:
    """Create a dashboard account NAME."""
    config = _config(config_path)
    unknown = sorted(set(sites) - set(config.sites))
    if unknown:
        raise click.BadParameter(f"no site {unknown[0]!r}", param_hint="--site")
    if password_stdin:
        password = _stdin_password()
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _log(config) as store:
        try:
            account = create_user(store, name, password, tuple(dict.fromkeys(sites)))
        except AccountError as exc:
            raise click.ClickException(str(exc)) from None
    scope = ", ".join(account.sites) or "every site"
    click.echo(f"created {account.name} ({scope}); log in at /admin/login")


@admin.command("delete-user")
@config_option
@click.argument("name")
@friendly
def delete(config_path: str | None, name: str) -> None:
    """Delete account NAME; its open sessions stop working at once."""
    with _log(_config(config_path)) as store:
        if not delete_user(store, name):
            raise click.ClickException(f"no account named {name!r}")
    click.echo(f"deleted {name}")


@admin.command("list-users")
@config_option
@friendly
def list_accounts(config_path: str | None) -> None:
    """Every account, the sites it may see and when it was made."""
    with _log(_config(config_path)) as store:
        accounts = list_users(store)
    if not accounts:
        click.echo("no accounts yet: banner admin create-user NAME")
    for account in accounts:
        scope = ",".join(account.sites) or "*"
        click.echo(f"{account.name}\t{scope}\t{account.created_at:%Y-%m-%d %H:%M} UTC")
