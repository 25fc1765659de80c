"""The check in other processes: without Flask, and across process boundaries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from banner.check import ConsentChecker, check_consent
from banner.core.token import TokenCodec
from tests.factories import KEY_NEW, KEY_OLD

ROOT = Path(__file__).resolve().parents[2]
SITE = "tokodemo"

SIGN_IN_CHILD = """
import sys
from banner.core.token import TokenCodec
codec = TokenCodec("tokodemo", sys.argv[1:], 3, 180 * 86400)
print(codec.sign("child-visitor-0123456789", ["analytics"])[0])
"""

CHECK_WITHOUT_FLASK = """
import json, sys
sys.modules["flask"] = None  # any "import flask" now raises ImportError
from banner.check import check_consent
consent = check_consent("tokodemo", sys.argv[2:], cookie_header="banner_consent=" + sys.argv[1],
                        policy_version=3)
web = {"flask", "werkzeug", "sqlalchemy"}
loaded = sorted(m for m, module in sys.modules.items() if module and m.split(".")[0] in web)
print(json.dumps({"granted": consent and list(consent.granted), "loaded": loaded}))
"""


def run_python(code: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


def test_a_token_signed_in_one_process_verifies_in_another() -> None:
    token = run_python(SIGN_IN_CHILD, KEY_OLD, KEY_NEW)
    checker = ConsentChecker(SITE, [KEY_OLD, KEY_NEW], policy_version=3)
    consent = checker.check(token)
    assert consent is not None
    assert (consent.consent_id, consent.granted) == ("child-visitor-0123456789", ("analytics",))
    assert ConsentChecker(SITE, [KEY_OLD], policy_version=3).check(token) is None


def test_the_check_imports_and_runs_without_flask() -> None:
    codec = TokenCodec(SITE, [KEY_NEW], 3, 180 * 86400)
    token = codec.sign("parent-visitor-0123456789", ["analytics", "functional"])[0]
    answer = json.loads(run_python(CHECK_WITHOUT_FLASK, token, KEY_OLD, KEY_NEW))
    assert answer == {"granted": ["analytics", "functional"], "loaded": []}


def test_the_check_without_flask_still_refuses_a_forgery() -> None:
    forged = TokenCodec(SITE, ["someone-elses-key-0123456789abcdef"], 3, 86400).sign(
        "parent-visitor-0123456789", ["analytics"]
    )[0]
    answer = json.loads(run_python(CHECK_WITHOUT_FLASK, forged, KEY_NEW))
    assert answer["granted"] is None
    assert check_consent(SITE, [KEY_NEW], token=forged, policy_version=3) is None
