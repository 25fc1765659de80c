"""The public names import from the package root, lazily: a check-only user pulls no Flask."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import banner


def test_public_names_import_from_the_root() -> None:
    from banner import Banner, check_consent, consent_required, has_consent
    from banner.check import check_consent as from_check
    from banner.web.extension import Banner as from_web

    assert Banner is from_web
    assert check_consent is from_check
    assert callable(has_consent) and callable(consent_required)


def test_unknown_root_name_is_an_attribute_error() -> None:
    try:
        banner.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("banner.no_such_name resolved")


def test_import_banner_and_the_check_pull_no_flask() -> None:
    code = (
        "import sys, banner; from banner import check_consent; "
        "print('flask' in sys.modules, 'sqlalchemy' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "False"]


def test_the_0_1_top_level_modules_are_gone() -> None:
    """0.1 was never published: the public names come from the root or their part."""
    for name in ("extension", "flask_consent", "middleware", "tracker_gate"):
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module(f"banner.{name}")


def test_the_flask_helpers_live_with_the_other_site_checks() -> None:
    from banner.check.flask_consent import consent_required, current_consent, has_consent

    assert has_consent is banner.has_consent and consent_required is banner.consent_required
    assert current_consent is banner.current_consent


def test_the_framework_free_check_package_pulls_no_flask() -> None:
    code = "import sys, banner.check; print('flask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False"]
