"""The notice's part of a ``[sites.ID]`` table: controller, change texts, children.

``[sites.S.controller]`` is optional: without it the site's ``name`` is the
controller, reached through its privacy policy. When the table is given,
``contact`` (an e-mail address or an https URL) is required.
``[sites.S.changes]`` maps a policy version to what changed, in both
languages; ``children`` is ``"off"`` or ``"guardian"``.
"""

from __future__ import annotations

import re
from typing import Any

from banner.core.config_categories import category_warnings
from banner.core.config_model import CHILDREN_MODES, BannerConfig, Controller
from banner.core.config_values import (
    BILINGUAL,
    REQUIRED,
    ConfigError,
    Reader,
    is_bilingual,
    is_policy_url,
    is_str,
    report,
)

CONTROLLER_KEYS = ("name", "contact", "address")
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def is_contact(value: Any) -> bool:
    """An e-mail address or an https URL (http only for localhost)."""
    if not is_str(value) or len(value) > 500:
        return False
    return EMAIL.fullmatch(value) is not None or is_policy_url(value)


def _short_text(limit: int) -> Any:
    return lambda v: is_str(v) and len(v) <= limit


def parse_controller(site: Reader) -> Controller | None:
    """The ``controller`` table, or ``None`` when the site has none."""
    if "controller" not in site.table:
        return None
    entry = site.sub("controller", CONTROLLER_KEYS)
    site_name = site.table.get("name")
    return Controller(
        name=entry.get("name", _short_text(200), "the controller's name", site_name),
        contact=entry.get(
            "contact",
            is_contact,
            "an e-mail address or an https URL to reach the controller",
            REQUIRED,
        ),
        address=entry.get("address", _short_text(500), "a postal address", None),
    )


def parse_changes(site: Reader) -> dict[int, dict[str, str]]:
    """``changes``: ``"4" = { id = "...", en = "..." }`` per policy version."""
    table = site.table.get("changes", {})
    if not isinstance(table, dict):
        report(site.fail("changes", 'a table like "2" = { id = "…", en = "…" }'))
        table = {}
    changes: dict[int, dict[str, str]] = {}
    for version, text in table.items():
        key = site.key(f"changes.{version}")
        if not re.fullmatch(r"[1-9][0-9]{0,5}", version):
            report(ConfigError(site.source, key, "a policy version (a whole number >= 1) as key"))
        elif not is_bilingual(text):
            report(ConfigError(site.source, key, BILINGUAL, text))
        else:
            changes[int(version)] = dict(text)
    return dict(sorted(changes.items()))


def parse_children(site: Reader) -> str:
    mode: str = site.get("children", lambda v: v in CHILDREN_MODES, '"off" or "guardian"', "off")
    return mode


def config_warnings(config: BannerConfig) -> list[str]:
    """What is allowed but probably a mistake: a raised policy with no change text."""
    empty = [w for site in config.sites.values() for w in category_warnings(config.source, site)]
    return empty + [
        f"{config.source}: sites.{site.id}.changes: policy_version {site.policy_version} has "
        f'no change text; returning visitors see no word on what changed (add "'
        f'{site.policy_version}" = {{ id = "…", en = "…" }})'
        for site in config.sites.values()
        if site.policy_version > 1 and site.policy_version not in site.changes
    ]
