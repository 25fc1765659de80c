"""The dashboard's figures equal a seeded log, on SQLite and PostgreSQL, in the site's days."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient

from banner.admin.figures import site_figures
from banner.admin.ranges import DayRange, local_midnight, parse_range
from banner.log.rollups import Rollups, ensure
from banner.log.store import ConsentLog
from tests.admin.conftest import decision

JAKARTA = ZoneInfo("Asia/Jakarta")
ALL = ("functional", "analytics", "preference")
CATEGORIES = ALL


def utc(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def c(n: int) -> str:
    return f"consent{n:02d}-abcdefghijkl"


#: Local (Jakarta, UTC+7) days 2026-11-02 and 11-03, with rows just outside on both sides.
SEEDED = [
    decision(c(6), utc(1, 16, 59), "reject", ()),  # 11-01 23:59 local: outside
    decision(c(1), utc(1, 18), "accept", ALL),  # 11-02 01:00 local
    decision(c(2), utc(2, 3), "reject", ()),
    decision(c(3), utc(2, 4), "custom", ("analytics",)),
    decision(c(9), utc(2, 4), "accept", ALL, site="other"),  # another site
    decision(c(3), utc(2, 5), "change", ("functional",)),
    decision(c(4), utc(2, 6), "gpc", (), gpc=True),
    decision(c(1), utc(2, 17, 30), "withdraw", ()),  # 11-03 00:30 local
    decision(c(5), utc(3, 10), "accept", ALL),
    decision(c(7), utc(3, 17), "accept", ALL),  # 11-04 00:00 local: outside
]
RANGE = DayRange(date(2026, 11, 2), date(2026, 11, 3), JAKARTA)


def seed(log: ConsentLog) -> None:
    for row in SEEDED:
        log.append(row, fresh=True)


@pytest.fixture(
    params=[
        "sqlite",
        "sqlite rolled up",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("postgres rolled up", marks=pytest.mark.postgres),
    ]
)
def any_log(request: pytest.FixtureRequest, database_url: str) -> ConsentLog:
    """The log read row by row, or through roll-ups counted in Jakarta's days as it is written."""
    postgres = request.param.startswith("postgres")
    log = ConsentLog(request.getfixturevalue("postgres_url") if postgres else database_url)
    log.create_schema()
    if request.param.endswith("rolled up"):
        companion = Rollups({"tokodemo": "Asia/Jakarta", "other": "Asia/Jakarta"})
        with log.engine.begin() as conn:
            ensure(conn, companion)
        log.companions.append(companion)
    request.addfinalizer(log.dispose)
    return log


def test_figures_equal_the_seeded_log(any_log: ConsentLog) -> None:
    seed(any_log)
    figures = site_figures(any_log, "tokodemo", RANGE, CATEGORIES)
    first, second = figures.days
    assert first.day == date(2026, 11, 2)
    assert first.actions == {
        "accept": 1, "reject": 1, "custom": 1, "change": 1, "withdraw": 0, "gpc": 1, "sync": 0
    }  # fmt: skip
    # Each consent id's last decision of the day counts once:
    # c1 all, c2 none, c3 functional, c4 none.
    assert (first.visitors, first.granted) == (
        4,
        {"functional": 2, "analytics": 1, "preference": 1},
    )
    assert first.rate("functional") == 0.5 and first.rate("analytics") == 0.25
    assert second.actions["withdraw"] == 1 and second.actions["accept"] == 1
    assert (second.visitors, second.granted) == (
        2,
        {"functional": 1, "analytics": 1, "preference": 1},
    )
    # The range's visitors are the days' added up: c1 decided on both days.
    assert (figures.decisions, figures.visitors) == (7, 6)


def test_an_empty_range_has_every_day_at_zero(any_log: ConsentLog) -> None:
    days = DayRange(date(2026, 1, 1), date(2026, 1, 3), JAKARTA)
    figures = site_figures(any_log, "tokodemo", days, CATEGORIES)
    assert [d.decisions for d in figures.days] == [0, 0, 0]
    assert figures.days[0].rate("analytics") is None
    assert (figures.decisions, figures.visitors) == (0, 0)


def test_days_follow_the_zone_across_a_daylight_saving_change(any_log: ConsentLog) -> None:
    berlin = ZoneInfo("Europe/Berlin")  # CEST (+2) until 2026-10-25 01:00 UTC, then CET (+1)
    any_log.append(decision(c(1), utc(24, 22, 30, month=10), "accept", ALL), fresh=True)
    any_log.append(decision(c(2), utc(25, 22, 30, month=10), "reject", ()), fresh=True)
    days = DayRange(date(2026, 10, 24), date(2026, 10, 26), berlin)
    the_25th = local_midnight(date(2026, 10, 25), berlin)
    assert local_midnight(date(2026, 10, 26), berlin) - the_25th == timedelta(hours=25)
    figures = site_figures(any_log, "tokodemo", days, CATEGORIES)
    # 00:30 CEST and 23:30 CET are both on the 25th.
    assert [d.decisions for d in figures.days] == [0, 2, 0]


def test_the_site_page_shows_the_same_numbers(operator: FlaskClient, log: ConsentLog) -> None:
    seed(log)
    page = operator.get("/admin/s/tokodemo/?first=2026-11-02&last=2026-11-03&lang=en")
    assert page.status_code == 200
    html = page.text
    by_action = re.findall(
        r'<time datetime="2026-11-02">[^<]*</time></th>((?:<td>[^<]*</td>)+)</tr>', html
    )
    cells = [re.findall(r"<td>([^<]*)</td>", row) for row in by_action]
    assert cells[0] == ["1", "1", "1", "1", "0", "1", "0", "5"]  # accept..sync, total
    assert cells[1] == ["4", "50.0%", "25.0%", "25.0%"]  # visitors, then each category
    assert "<strong>7</strong>" in html and "<strong>6</strong>" in html
    segments = re.findall(r'<rect class="segment" fill="url\(#hatch-(\w+)\)" x=', html)
    assert len(segments) == 7  # five actions on the 2nd, two on the 3rd
    assert "Visitors, day by day" in html and "Decisions" in html


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("first=2026-11-30&last=2026-11-01", "first"),
        ("first=2000-01-01&last=2026-11-01", "last"),
        ("first=not-a-date", "first"),
        ("first=2026-02-30", "first"),
        ("last=99999-01-01", "last"),
        ("first=1900-01-01", "first"),
        ("first=%00%00%00", "first"),
        ("first=2026-11-01T00:00", "first"),
        ("first=" + "9" * 5000, "first"),
        ("first=\uff12\uff10\uff12\uff16-11-01", "first"),  # full-width digits
        ("last=3026-01-01", "last"),
    ],
)
def test_hostile_ranges_give_a_form_error_never_a_500(
    operator: FlaskClient, query: str, field: str
) -> None:
    page = operator.get(f"/admin/s/tokodemo/?{query}&lang=en")
    assert page.status_code == 400
    assert f'id="{field}-error"' in page.text
    assert "the last 30 days are shown instead" in page.text


@pytest.mark.parametrize(
    "query",
    [
        "first=2026-11-01&first=2026-10-01",
        "first[]=x&last[$gt]=y",
        "site=other&consent_id=x",
        "lang=xx",
        "lang=" + "a" * 3000,
        "%ff%fe=1",
    ],
)
def test_hostile_query_keys_are_ignored(operator: FlaskClient, query: str) -> None:
    assert operator.get(f"/admin/s/tokodemo/?{query}").status_code == 200


def test_the_default_range_is_the_last_30_local_days() -> None:
    now = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)  # already 1 December in Jakarta
    found = parse_range(None, None, JAKARTA, now)
    assert (found.first, found.last) == (date(2026, 11, 2), date(2026, 12, 1))
    assert len(found.days()) == 30
    assert found.start == datetime(2026, 11, 1, 17, 0, tzinfo=UTC)
