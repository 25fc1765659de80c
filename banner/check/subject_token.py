"""``banner.subject_token``: a site's back end vouches for its signed-in user (issue 25).

Put the token on the page's loader tag, fresh on every page the user sees::

    from banner import subject_token

    token = subject_token("tokodemo", user.id)
    tag = f'<script src="{BANNER}/s/tokodemo/loader.js" data-subject="{token}"></script>'

The token is good for ten minutes and says "this browser's person is user
``user.id`` of this site"; banner keeps only a keyed hash of the id. The
format (:mod:`banner.core.subject`, ``docs/subjects.md``) is simple enough to
make in any language with the site's subject key
(``banner keys show --site S --for subject``).

Imports :mod:`banner.core` only (no Flask, no database).
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

from banner.core.config import BannerConfig, load_config
from banner.core.subject import Clock, check_user_id, sign_subject, subject_keys


def subject_token(
    site: str,
    user_id: str,
    *,
    keys: Sequence[str] | None = None,
    config: BannerConfig | str | os.PathLike[str] | None = None,
    clock: Clock = time.time,
) -> str:
    """A subject token for ``user_id`` on ``site``, valid for ten minutes.

    :param keys: the site's subject keys (hex, oldest first; the last signs),
        as ``banner keys show --site S --for subject`` prints them; when
        omitted they are derived from ``config``.
    :param config: a loaded config or the path of its file; by default the
        file ``BANNER_CONFIG`` names.
    :raises ValueError: for an unknown site, or a user id that is not 1-256
        bytes of UTF-8 text.
    :raises banner.ConfigError: when the config cannot be loaded.
    """
    check_user_id(user_id)
    if keys is None:
        loaded = config if isinstance(config, BannerConfig) else load_config(config)
        if site not in loaded.sites:
            raise ValueError(f"no site {site!r} is configured")
        keys = subject_keys(loaded.secret_keys, site)
    if not keys:
        raise ValueError("no subject key given")
    return sign_subject(site, user_id, keys[-1], int(clock()))
