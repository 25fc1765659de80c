"""A tiny real Django app behind the WSGI middleware.

Django is configured here, once per test process, with this module as its
URLconf; requests go through Django's own WSGI handler wrapped by
:class:`~banner.check.middleware.ConsentMiddleware`, as a site's ``wsgi.py`` would.
"""

from __future__ import annotations

from collections.abc import Sequence

import django
import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse, JsonResponse
from django.urls import path
from werkzeug.test import Client

from banner.check import ConsentChecker
from banner.check.middleware import ConsentMiddleware, consent_in
from banner.core.keys import site_token_keys
from banner.core.token import TokenCodec
from tests.factories import KEY_NEW, KEY_OLD

NOW = 1_790_000_000
SITE = "tokodemo"

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="django-test-key-not-a-banner-key-0123456789",
        ALLOWED_HOSTS=["localhost"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=[],
        MIDDLEWARE=[],
        USE_TZ=True,
    )
    django.setup()


def account(request: WSGIRequest) -> JsonResponse:
    consent = consent_in(request.META)
    return JsonResponse(
        {
            "consent_id": consent.consent_id if consent else None,
            "analytics": bool(consent and consent.allows("analytics")),
        }
    )


def checkout(request: WSGIRequest) -> HttpResponse:
    """Adds the analytics tag only with consent, the way a Django template would."""
    consent = consent_in(request.META)
    tag = '<script src="/static/analytics.js"></script>'
    allowed = consent is not None and consent.allows("analytics")
    return HttpResponse(f"<main>checkout</main>{tag if allowed else ''}")


urlpatterns = [path("account", account), path("checkout", checkout)]


def sign(granted: Sequence[str], policy: int = 3, keys: Sequence[str] = (KEY_NEW,)) -> str:
    codec = TokenCodec(
        SITE, site_token_keys(keys, SITE), policy, 180 * 86400, clock=lambda: NOW - 60
    )
    return codec.sign("django-visitor-0123456789", granted)[0]


NO_CONSENT = {"consent_id": None, "analytics": False}


@pytest.fixture
def site() -> Client:
    checker = ConsentChecker(
        SITE, site_token_keys([KEY_OLD, KEY_NEW], SITE), policy_version=3, clock=lambda: NOW
    )
    return Client(ConsentMiddleware(get_wsgi_application(), checker), use_cookies=False)


@pytest.mark.parametrize(
    ("cookie", "answer"),
    [
        (None, NO_CONSENT),
        (
            f"banner_consent={sign(['analytics'])}",
            {"consent_id": "django-visitor-0123456789", "analytics": True},
        ),
        (
            f"banner_consent={sign([])}",
            {"consent_id": "django-visitor-0123456789", "analytics": False},
        ),
        (
            f"banner_consent={sign(['analytics'], policy=2)}",
            {"consent_id": None, "analytics": False},
        ),
        (
            f"banner_consent={sign(['analytics'], keys=['forged-key-0123456789abcdef0123456789'])}",
            NO_CONSENT,
        ),
    ],
)
def test_django_view_reads_the_consent_from_request_meta(
    site: Client, cookie: str | None, answer: dict[str, object]
) -> None:
    response = site.get("/account", headers={"Cookie": cookie} if cookie else {})
    assert response.status_code == 200
    assert response.json == answer


@pytest.mark.parametrize(("granted", "tagged"), [(["analytics"], True), (["functional"], False)])
def test_django_page_includes_a_tracker_only_with_consent(
    site: Client, granted: list[str], tagged: bool
) -> None:
    response = site.get("/checkout", headers={"Cookie": f"banner_consent={sign(granted)}"})
    assert response.status_code == 200
    assert ("analytics.js" in response.text) is tagged
