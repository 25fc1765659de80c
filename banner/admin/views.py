"""The dashboard's pages: every site at a glance, and one site's figures.

Figures come from :mod:`banner.admin.figures` (aggregates only); the charts'
geometry from :mod:`banner.admin.charts`; each chart's numbers are also in a
table beside it.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import g, request

from banner.admin.charts import rate_lines, stacked_bars
from banner.admin.errors import SiteNotFound
from banner.admin.figures import (
    ACTIONS,
    SiteFigures,
    event_counts,
    last_decisions,
    site_figures,
)
from banner.admin.forms import logout_form
from banner.admin.keys import first_seen
from banner.admin.page import account, admin, render
from banner.admin.ranges import DayRange, RangeError, default_range, parse_range
from banner.core.config import SiteConfig
from banner.core.consent import optional_categories
from banner.core.texts import N_
from banner.web.page_context import label
from banner.web.state import state

ACTION_NAMES = {
    "accept": N_("Accept all"),
    "reject": N_("Reject all"),
    "custom": N_("Custom choice"),
    "change": N_("Changed"),
    "withdraw": N_("Withdrawn"),
    "gpc": N_("Refused by GPC signal"),
    "sync": N_("Taken from the same person's other device"),
}
#: Query keys the range form reads; any other key is ignored.
RANGE_KEYS = ("first", "last")


def visible_sites() -> list[SiteConfig]:
    sites = state().config.sites
    return [sites[s] for s in sorted(sites) if account().may_see(s)]


def site_for(site_id: str) -> SiteConfig:
    """The site, when this account may see it; else the same 404 as for no site."""
    site = state().config.sites.get(site_id)
    if site is None or not account().may_see(site_id):
        raise SiteNotFound()
    return site


def zone_of(site: SiteConfig) -> ZoneInfo:
    return ZoneInfo(site.timezone)


@admin.get("/")
def overview() -> tuple[str, int]:
    """Every site this account may see, and how old the signing key is."""
    sites = visible_sites()
    signing = state().config.secret_keys[-1]
    added = first_seen(state().log, signing)
    return render(
        "overview.html",
        sites=sites,
        last=last_decisions(state().log, [s.id for s in sites]),
        events=event_counts(state().log, [s.id for s in sites if s.webhooks]),
        key_added=added,
        # the key serves every site: its time is in the first site's zone
        key_zone=zone_of(sites[0]) if sites else "UTC",
        key_count=len(state().config.secret_keys),
        zone_of=zone_of,
        logout=logout_form(g.admin_lang),
    )


def asked_range(site: SiteConfig) -> tuple[DayRange, dict[str, str]]:
    """The range in the query, or the default one with the form's errors."""
    zone = zone_of(site)
    values = {k: request.args.get(k, "")[:64] for k in RANGE_KEYS}
    try:
        return parse_range(values["first"] or None, values["last"] or None, zone), {}
    except RangeError as error:
        return default_range(zone), {error.field: error.message}


def chart_data(site: SiteConfig, figures: SiteFigures) -> dict[str, Any]:
    days = [d.day for d in figures.days]
    series = {c: [d.rate(c) for d in figures.days] for c in figures.categories}
    return {
        "bars": stacked_bars(days, [d.actions for d in figures.days], ACTIONS),
        "lines": rate_lines(days, series),
        "category_names": {c: label(site, c, g.admin_lang) for c in figures.categories},
    }


@admin.get("/s/<site_id>/")
def site_page(site_id: str) -> tuple[str, int]:
    """One site's decisions and opt-in rates over a range, with lookup and export forms."""
    site = site_for(site_id)
    days, errors = asked_range(site)
    categories = optional_categories(site.category_ids)
    figures = site_figures(state().log, site.id, days, categories)
    return render(
        "site.html",
        400 if errors else 200,
        site=site,
        days=days,
        errors=errors,
        figures=figures,
        actions=ACTIONS,
        action_names=ACTION_NAMES,
        zone=zone_of(site),
        logout=logout_form(g.admin_lang),
        **chart_data(site, figures),
    )
