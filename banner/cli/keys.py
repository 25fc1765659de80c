"""``banner keys``: the service's keys."""

from __future__ import annotations

import click

from banner.cli.log_key import new_log_key


@click.group()
def keys() -> None:
    """Make the keys banner signs with."""


keys.add_command(new_log_key)
