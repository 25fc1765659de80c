"""Unknown query keys are ignored on every page (issue 12, item 4).

``url_for`` reserves ``endpoint``, ``_method``, ``_scheme``, ``_external``,
``_anchor``; a page once passed every query key to it and answered 500.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from tests.web.test_pages import text

RESERVED = [
    "endpoint=x",
    "_method=GET",
    "_scheme=https&_external=1",
    "_anchor=top",
    "_external=1",
    "site_id=other",
    "consent_id=zz",
    "values=1",
    "lang=en&lang=xx&endpoint=y",
]
PAGES = [
    "/s/tokodemo/cookies",
    "/s/tokodemo/preferences",
    "/s/tokodemo/receipt/unknown-consent-id-0001",
    "/s/nosuch/cookies",
    "/s/tokodemo/nothing",
]


@pytest.mark.parametrize("query", RESERVED)
@pytest.mark.parametrize("path", PAGES)
def test_reserved_query_keys_are_ignored(client: FlaskClient, path: str, query: str) -> None:
    response = client.get(f"{path}?{query}")
    assert response.status_code in (200, 404)
    assert "<html" in text(response)


def test_language_links_keep_only_the_return_address_and_token(client: FlaskClient) -> None:
    page = text(
        client.get("/s/tokodemo/preferences?lang=id&return=https://www.tokodemo.co.id/a&evil=1")
    )
    hrefs = [part.split('"')[0] for part in page.split('href="')[1:] if "lang=en" in part]
    [english] = [h.replace("&amp;", "&") for h in hrefs if "/preferences" in h]
    query = parse_qs(urlsplit(english).query)
    assert query == {"lang": ["en"], "return": ["https://www.tokodemo.co.id/a"]}
