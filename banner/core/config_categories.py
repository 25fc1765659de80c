"""Which categories a site asks for: ``[sites.S.categories]`` of the config.

A site asks for ``essential`` plus the categories that have a tracker or a
declared cookie, so a visitor is never asked to agree to a purpose the site
does not have (UU PDP Pasal 22). ``categories`` may instead list them:

- a table, ``[sites.S.categories.marketing]`` with ``label`` and
  ``description``, declares a category of the site's own (or rewords a
  built-in one); which are asked still follows what is used;
- a list, ``categories = ["functional", "analytics", { id = "marketing",
  label = {…}, description = {…} }]``, asks exactly those (``essential``
  always), built-in ones named by id and the site's own as inline tables
  (or ``[[sites.S.categories]]``).
"""

from __future__ import annotations

from collections.abc import Iterable

from banner.core.config_model import Category, SiteConfig
from banner.core.config_values import (
    BILINGUAL,
    REQUIRED,
    ConfigError,
    Reader,
    is_bilingual,
    report,
)
from banner.core.consent import BUILTIN_CATEGORIES, CATEGORY_ID, ESSENTIAL

LISTED = 'a list like ["functional", "analytics"] or a table of categories'


def parse_categories(site: Reader) -> tuple[tuple[Category, ...], tuple[str, ...] | None]:
    """Every category the site knows (built-in first), and the ids it lists, if it lists them."""
    declared = site.table.get("categories", {})
    if not isinstance(declared, dict | list):
        report(site.fail("categories", LISTED))
        declared = {}
    if isinstance(declared, dict):
        found = [_declared(site, cid, declared) for cid in declared]
        return _known(site, [c for c in found if c is not None]), None
    extra, listed = [], [ESSENTIAL]
    for n, item in enumerate(declared):
        category = _listed(site, n, item)
        if category is None or category.id == ESSENTIAL:
            continue  # a mistake already reported, or essential: always asked
        if category.id in listed:
            report(ConfigError(site.source, site.key(f"categories[{n}]"), "each category once"))
            continue
        listed.append(category.id)
        if category.label or not category.builtin:
            extra.append(category)
    return _known(site, extra), tuple(listed)


def _known(site: Reader, extra: list[Category]) -> tuple[Category, ...]:
    overridden = {c.id: c for c in extra}
    builtin = [overridden.pop(cid, Category(cid)) for cid in BUILTIN_CATEGORIES]
    return (*builtin, *overridden.values())


def _new_id(site: Reader, key: str, cid: object) -> str | None:
    if not isinstance(cid, str) or not CATEGORY_ID.fullmatch(cid) or cid == ESSENTIAL:
        report(ConfigError(site.source, site.key(key), "a new category id"))
        return None
    return cid


def _declared(site: Reader, cid: str, declared: dict[str, object]) -> Category | None:
    if _new_id(site, f"categories.{cid}", cid) is None:
        return None
    entry = site.sub("categories", tuple(declared)).sub(cid, ("label", "description"))
    return _texts(entry, cid, cid in BUILTIN_CATEGORIES)


def _texts(entry: Reader, cid: str, builtin: bool) -> Category:
    default = {} if builtin else REQUIRED
    label = entry.get("label", is_bilingual, BILINGUAL, default)
    description = entry.get("description", is_bilingual, BILINGUAL, default)
    return Category(cid, label, description)


def _listed(site: Reader, n: int, item: object) -> Category | None:
    """One item of ``categories = [...]``: a built-in id, or a table declaring one."""
    key = f"categories[{n}]"
    if isinstance(item, str):
        if item == ESSENTIAL or item in BUILTIN_CATEGORIES:
            return Category(item)
        expected = (
            f"a built-in category ({', '.join(BUILTIN_CATEGORIES)}) or a table "
            f'{{ id = "{item}", label = {{ id = "…", en = "…" }}, description = {{ … }} }}'
        )
        report(ConfigError(site.source, site.key(key), expected, item))
        return None
    if not isinstance(item, dict):
        report(ConfigError(site.source, site.key(key), "a category id or a table"))
        return None
    entry = Reader(site.source, site.key(key), item, ("id", "label", "description"))
    cid = _new_id(site, f"{key}.id", item.get("id"))
    return None if cid is None else _texts(entry, cid, cid in BUILTIN_CATEGORIES)


def used_categories(site: SiteConfig) -> set[str]:
    """The categories something of the site sets cookies or sends data for."""
    used = {t.category for t in site.trackers}
    used |= {t.settings["ads_category"] for t in site.trackers if t.settings.get("ads_category")}
    used |= {tag.category for t in site.trackers for tag in t.settings.get("tags", ())}
    used |= {c.category for c in site.cookies}
    return used


def asked_categories(
    known: Iterable[Category], listed: tuple[str, ...] | None, used: set[str]
) -> tuple[Category, ...]:
    """The categories the site asks for, in the order visitors see them."""
    asked = set(listed) if listed is not None else {ESSENTIAL, *used}
    return tuple(c for c in known if c.id in asked)


def category_warnings(source: str, site: SiteConfig) -> list[str]:
    """A listed category with no tracker and no declared cookie: asked for nothing."""
    if not site.categories_listed:
        return []
    used = used_categories(site)
    return [
        f"{source}: sites.{site.id}.categories: {c.id!r} is listed but has no tracker and "
        "no declared cookie; visitors are asked to agree to a purpose the site does not have"
        for c in site.categories
        if c.id != ESSENTIAL and c.id not in used
    ]
