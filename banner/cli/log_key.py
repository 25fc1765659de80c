"""``banner keys new-log-key --output FILE``: an Ed25519 key that signs the log's heads."""

from __future__ import annotations

import os

import click

from banner.log.signing import from_pem, new_pem


@click.command("new-log-key")
@click.option("--output", required=True, type=click.Path(dir_okay=False), help="PEM file to write")
def new_log_key(output: str) -> None:
    """Write a new Ed25519 private key (PEM, mode 0600); set [banner] log_key_file to it."""
    pem = new_pem()
    try:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise click.ClickException(f"{output} exists; a log key is never overwritten") from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror}") from None
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    key = from_pem(pem, output)
    click.echo(f"wrote {output}: Ed25519 log key {key.key_id}; set [banner] log_key_file to it")
