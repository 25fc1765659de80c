"""The theme check covers every colour pair the banner and the hosted pages draw.

The contrast formula and the pairs are written here from WCAG 2.2 (1.4.3 text
4.5:1, 1.4.11 a control's state 3:1) and from the style sheets themselves, not
taken from the code under test.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from banner.core.config import ConfigError, parse_config
from tests.factories import document

STATIC = Path(__file__).resolve().parents[2] / "static"
#: the first layer's style sheet, the second layer's and the extra chunk's (loaded on demand)
UI_CSS = "\n".join(
    (STATIC / "src" / name).read_text(encoding="utf-8")
    for name in ("ui.css", "more.css", "extra.css")
)
PAGES_CSS = (STATIC / "pages.css").read_text(encoding="utf-8")
DEFAULTS = {"primary": "#1d4ed8", "background": "#ffffff", "text": "#1f2937"}
#: Borders that only decorate (a card's edge, the red bar beside an error
#: whose text says it all): WCAG 1.4.11 does not ask them to contrast.
DECORATIVE = {"#d1d5db", "#b91c1c"}


def luminance(colour: str) -> float:
    """Relative luminance, WCAG 2.2's definition."""
    channels = []
    for i in (1, 3, 5):
        c = int(colour[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def ratio(one: str, other: str) -> float:
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def css_value(css: str, selector: str, prop: str) -> str:
    """The first ``#rrggbb`` of ``prop`` in the rule that starts with ``selector``."""
    rule = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", css)
    assert rule, selector
    found = re.search(rf"(?:^|[;\s]){re.escape(prop)}\s*:[^;]*?(#[0-9a-fA-F]{{6}})", rule[1])
    assert found, (selector, prop)
    return found[1].lower()


SWITCH_OFF = css_value(UI_CSS, ".bn-switch input", "background")
PAGES_SWITCH_OFF = css_value(PAGES_CSS, ".switch", "background")
MUTED = css_value(PAGES_CSS, ":root", "--muted")
TINT = css_value(PAGES_CSS, ":root", "--soft")
KNOB = css_value(UI_CSS, ".bn-switch input::after", "background")


def drawn_pairs(theme: dict[str, str]) -> list[tuple[str, str, float]]:
    """(foreground, ground, minimum) for everything the UI draws under ``theme``."""
    t = {**DEFAULTS, **theme}
    return [
        (t["text"], t["background"], 4.5),  # body text, focus ring
        (t["primary"], t["background"], 4.5),  # links, quiet buttons, on switch
        (KNOB, t["primary"], 4.5),  # button labels, knob on an on switch
        (SWITCH_OFF, t["background"], 3.0),  # an off switch (banner)
        (PAGES_SWITCH_OFF, t["background"], 3.0),  # an off switch (hosted page)
        (MUTED, t["background"], 4.5),  # "Always on", cookie terms
        (t["text"], TINT, 4.5),  # notes, the current choice box
        (t["primary"], TINT, 4.5),  # the receipt link in that box
    ]


def accepts(theme: dict[str, str]) -> bool:
    try:
        parse_config(document("sqlite://", theme=theme), "banner.toml", {})
    except ConfigError:
        return False
    return True


def test_every_colour_in_the_style_sheets_is_checked_or_decorative() -> None:
    known = {*DEFAULTS.values(), SWITCH_OFF, MUTED, TINT, KNOB, *DECORATIVE}
    for css in (UI_CSS, PAGES_CSS):
        for colour in re.findall(r"#[0-9a-fA-F]{6}\b", css):
            assert colour.lower() in known, colour


@pytest.mark.parametrize(
    ("theme", "named"),
    [
        # The audit's theme: the off switch is 1.06:1 and "Always on" 1.66:1.
        ({"primary": "#000000", "background": "#767676", "text": "#000000"}, "switch_off"),
        ({"primary": "#000000", "background": "#9a9a9a", "text": "#000000"}, "switch_off"),
        ({"text": "#707070"}, "tint"),
    ],
)
def test_a_fixed_grey_the_theme_makes_unreadable_is_refused(
    theme: dict[str, str], named: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(document("sqlite://", theme=theme), "banner.toml", {})
    assert named in str(caught.value)
    assert "(fixed: " in str(caught.value)


COLOURS = st.integers(0, 0xFFFFFF).map(lambda n: f"#{n:06x}")


@settings(max_examples=300, deadline=None)
@given(st.fixed_dictionaries({}, optional={k: COLOURS for k in DEFAULTS}))
def test_a_theme_is_accepted_exactly_when_every_drawn_pair_is_readable(
    theme: dict[str, Any],
) -> None:
    readable = all(ratio(fg, bg) >= minimum for fg, bg, minimum in drawn_pairs(theme))
    assert accepts(theme) == readable
