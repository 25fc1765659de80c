"""The public names import from the package root, lazily: a check-only user pulls no Flask."""

from __future__ import annotations

import subprocess
import sys

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


def test_imports_of_version_0_1_keep_working() -> None:
    from banner.check import ConsentChecker
    from banner.extension import Banner
    from banner.flask_consent import consent_required, has_consent
    from banner.middleware import ConsentMiddleware, consent_in
    from banner.tracker_gate import TrackerGate

    assert Banner is banner.Banner and has_consent is banner.has_consent
    assert consent_required is banner.consent_required
    assert ConsentChecker is banner.ConsentChecker
    assert ConsentMiddleware is banner.ConsentMiddleware and consent_in is banner.consent_in
    assert TrackerGate is banner.TrackerGate
