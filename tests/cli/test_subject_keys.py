"""``banner keys show --for subject|subject-api`` prints the documented derived keys (issue 25)."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest
from click.testing import CliRunner

from banner.cli.commands import main
from banner.core.subject import verify_subject
from tests.factories import KEY_NEW
from tests.subject_tokens import make_token


def expected(purpose: str, site: str = "tokodemo") -> str:
    message = f"banner/v1/{purpose}/{site}".encode()
    return hmac.new(KEY_NEW.encode(), message, hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    ("purpose", "env"),
    [("subject", "BANNER_SUBJECT_KEYS"), ("subject-api", "BANNER_SUBJECT_API_KEYS")],
)
def test_keys_show_prints_the_sites_subject_keys(
    cli: CliRunner, config_file: Path, purpose: str, env: str
) -> None:
    args = ["keys", "show", "--config", str(config_file), "--site", "tokodemo", "--for", purpose]
    result = cli.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == [expected(purpose)]
    as_env = cli.invoke(main, [*args, "--format", "env"])
    assert as_env.stdout.strip() == f"{env}={expected(purpose)}"


def test_a_token_signed_with_the_printed_key_verifies(cli: CliRunner, config_file: Path) -> None:
    args = ["keys", "show", "--config", str(config_file), "--site", "tokodemo", "--for", "subject"]
    key = cli.invoke(main, args).stdout.strip()
    assert verify_subject(make_token("u-1", key=key), "tokodemo", [expected("subject")])


def test_an_unknown_purpose_is_a_usage_error(cli: CliRunner, config_file: Path) -> None:
    args = ["keys", "show", "--config", str(config_file), "--site", "tokodemo", "--for", "x"]
    result = cli.invoke(main, args)
    assert result.exit_code == 2 and "Traceback" not in result.output
