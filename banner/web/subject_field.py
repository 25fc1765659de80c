"""The ``subject`` a decision may carry (issue 25): the API's body, the hosted page's form.

A valid subject token links the decision's consent id to the signed-in
person; any other value that is a string links nothing, and the decision is
still recorded (refusing it would lose the visitor's choice).
"""

from __future__ import annotations

from typing import Any

from banner.core.config import SiteConfig
from banner.core.subject import MAX_TOKEN_CHARS
from banner.log.service import ConsentService
from banner.log.subject_service import SubjectRefused, SubjectService
from banner.web import request_body as body
from banner.web.state import service


def subjects(consent: ConsentService | None = None) -> SubjectService:
    return SubjectService(consent or service())


def subject_field(document: dict[str, Any], site: SiteConfig, consent: ConsentService) -> str:
    """The keyed hash of the person ``document["subject"]`` vouches for; ``""``: none.

    A token that names no subject (expired, forged, another site's, issued
    before the person was forgotten) links nothing.

    :raises banner.web.errors.BadField: ``subject`` is not a clean string.
    :raises banner.log.store.StoreUnavailable: the log could not be read.
    """
    token = document.get("subject")
    if token is None:
        return ""
    token = body.clean_str(token, "subject", MAX_TOKEN_CHARS)
    try:
        return subjects(consent).check(site.id, token)
    except SubjectRefused:
        return ""
