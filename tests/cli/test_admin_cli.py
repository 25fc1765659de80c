"""``banner admin``: create, list and delete dashboard accounts; mistakes in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from banner.admin.accounts import authenticate
from banner.cli.commands import main
from banner.core.config import load_config
from banner.log.store import ConsentLog

PASSWORD = "correct horse battery"


def run(config_file: Path, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["admin", *args, "--config", str(config_file)], input=stdin)
    return result.exit_code, result.output


def check(config_file: Path, name: str, password: str) -> bool:
    log = ConsentLog(load_config(config_file, env={}).database_url)
    try:
        return authenticate(log, name, password) is not None
    finally:
        log.dispose()


def test_create_list_and_delete_an_account(config_file: Path) -> None:
    assert run(config_file, "list-users")[1].startswith("no accounts yet: banner admin create-user")
    code, out = run(config_file, "create-user", "ops", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 0 and "created ops (every site)" in out
    assert check(config_file, "ops", PASSWORD) and not check(config_file, "ops", "wrong")
    assert run(config_file, "list-users")[1].startswith("ops\t*\t")
    assert run(config_file, "delete-user", "ops") == (0, "deleted ops\n")
    assert not check(config_file, "ops", PASSWORD)


def test_the_password_is_prompted_twice_and_hidden(config_file: Path) -> None:
    code, out = run(config_file, "create-user", "ops", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert code == 0 and PASSWORD not in out
    assert out.count("Password") == 1 and "Repeat for confirmation" in out
    code, out = run(config_file, "create-user", "ops2", stdin=f"{PASSWORD}\nother one here\n")
    assert code != 0


def test_an_account_for_one_site(config_file: Path) -> None:
    code, out = run(
        config_file, "create-user", "shop", "--site", "tokodemo", "--password-stdin",
        stdin=PASSWORD,
    )  # fmt: skip
    assert code == 0 and "created shop (tokodemo)" in out


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("create-user", "ops", "--password-stdin"), "short\n", "10 to 1024 characters"),
        (("create-user", "ops", "--password-stdin"), "", "10 to 1024 characters"),
        (("create-user", "-rf", "--password-stdin"), PASSWORD, "No such option"),
        (("create-user", "../root", "--password-stdin"), PASSWORD, "a name is 1-64"),
        (("create-user", "a" * 65, "--password-stdin"), PASSWORD, "a name is 1-64"),
        (("create-user", "ops\nroot", "--password-stdin"), PASSWORD, "a name is 1-64"),
        (("create-user", "ops", "--site", "nope", "--password-stdin"), PASSWORD, "no site 'nope'"),
        (("delete-user", "nobody"), None, "no account named 'nobody'"),
    ],
)
def test_mistakes_end_in_one_line(
    config_file: Path, args: tuple[str, ...], stdin: str | None, message: str
) -> None:
    code, out = run(config_file, *args, stdin=stdin)
    assert code != 0
    assert message in out
    assert "Traceback" not in out
    assert len([line for line in out.splitlines() if line.startswith("Error")]) == 1


def test_a_name_taken_already(config_file: Path) -> None:
    run(config_file, "create-user", "ops", "--password-stdin", stdin=PASSWORD)
    code, out = run(config_file, "create-user", "ops", "--password-stdin", stdin=PASSWORD)
    assert code == 1 and out == "Error: an account named 'ops' exists already\n"
