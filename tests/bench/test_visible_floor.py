"""bench.visible_floor's pure parts: the first layer's tree, the floor pages, the trace's tasks.

The timings themselves are the bench's (never a test's); these check that the
floor pages draw what banner drew and that the traced tasks are named as the
bench's tables say.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench import tasks, visible_floor
from bench.visible_floor import BARE, BARE_AWAY, BARE_SANS, BARE_WARM

BAR = (
    '<div class="bn" lang="id"><section class="bn-bar" tabindex="-1">'
    '<h2 class="bn-title" id="bn-title">Pilihan &amp; privasi</h2>'
    '<p class="bn-links"><a class="bn-link" href="/p" target="_blank">Kebijakan privasi'
    '<span class="bn-sr"> (terbuka di tab baru)</span></a></p>'
    '<button class="bn-btn" type="button" data-banner-accept="">Terima semua</button>'
    '</section><button class="bn-lang bn-pill" type="button" hidden="">Pilihan</button></div>'
)
FLOOR = {"html": BAR, "css": ".bn{font:15px/1.5 system-ui}", "gate": "", "ui": ""}


def test_the_tree_keeps_tags_attributes_and_text_in_order() -> None:
    tree = visible_floor.tree_of(BAR)
    assert tree[:2] == ["div", {"class": "bn", "lang": "id"}]
    section, pill = tree[2], tree[3]
    assert section[2] == ["h2", {"class": "bn-title", "id": "bn-title"}, "Pilihan & privasi"]
    link = section[3][2]
    assert link[2] == "Kebijakan privasi"
    assert link[3] == ["span", {"class": "bn-sr"}, " (terbuka di tab baru)"]
    assert section[4][1]["data-banner-accept"] == ""
    assert pill == [
        "button",
        {"class": "bn-lang bn-pill", "type": "button", "hidden": ""},
        "Pilihan",
    ]


def test_the_tree_is_of_one_element() -> None:
    with pytest.raises(ValueError, match="one element"):
        visible_floor.tree_of("<p>a</p><p>b</p>")


def test_the_bare_script_carries_the_tree_and_css_once_and_no_comment() -> None:
    shop = visible_floor.FloorShop("http://127.0.0.1:1", FLOOR)
    script, kind = shop.body(f"/pages/{visible_floor.BARE}.js")
    assert kind.startswith("application/javascript")
    assert script is not None
    text = script.decode()
    assert not text.startswith("/*")
    assert visible_floor.FLOOR_SLOT not in text
    data = json.dumps(visible_floor.tree_of(BAR), ensure_ascii=False, separators=(",", ":"))
    assert text.count(data) == 1
    assert text.count(json.dumps(FLOOR["css"])) == 1


@pytest.mark.parametrize("name", [visible_floor.STATIC, visible_floor.STATIC_SANS])
def test_a_static_page_has_the_bar_at_the_end_of_its_body_and_the_css_in_its_head(
    name: str,
) -> None:
    page, _ = visible_floor.FloorShop("http://127.0.0.1:1", FLOOR).body(f"/{name}.html")
    assert page is not None
    text = page.decode()
    assert f"<style>{FLOOR['css']}</style>" in text.split("</head>")[0]
    assert text.split("<body>")[1].rstrip().endswith(f"{BAR}\n</body>\n</html>")
    assert "<script" not in text


def test_the_bare_pages_name_the_script_on_the_shops_other_origin() -> None:
    shop = visible_floor.FloorShop("http://127.0.0.1:1", FLOOR)
    for name in (BARE, BARE_AWAY, BARE_SANS, BARE_WARM):
        page, _ = shop.body(f"/{name}.html")
        assert page is not None
        assert f'src="http://127.0.0.1:1/pages/{visible_floor.BARE}.js" async' in page.decode()
        assert BAR not in page.decode()


URL = "http://localhost:1/floor-bare.html"


def _event(name: str, ts: int, dur: int, **args: Any) -> dict[str, Any]:
    return {"name": name, "ts": ts, "dur": dur, "pid": 1, "tid": 1, "args": args}


def _trace(*events: dict[str, Any]) -> bytes:
    parse = _event("ParseHTML", 0, 1_000, beginData={"url": URL})
    other = {**_event("ThreadControllerImpl::RunTask", 0, 200_000), "tid": 2}
    return json.dumps({"traceEvents": [parse, other, *events]}).encode()


def _layout(ts: int, dur: int, objects: int) -> dict[str, Any]:
    return _event("Layout", ts, dur, beginData={"dirtyObjects": objects})


def test_the_tasks_name_the_first_frame_and_the_bars_later_frame() -> None:
    task = "ThreadControllerImpl::RunTask"
    fonts = tasks.FONTS
    trace = _trace(
        # an empty document's layout: not the page's first frame
        _event(task, 0, 5_000),
        _layout(1_000, 1_000, 3),
        # the harness (Playwright's evaluation, a script without a URL): left out
        _event(task, 10_000, 90_000),
        _event("EvaluateScript", 11_000, 80_000, data={}),
        # the page's first frame: nested font calls counted once
        _event(task, 100_000, 60_000),
        _event("UpdateLayoutTree", 101_000, 4_000),
        _layout(105_000, 40_000, 31),
        _event(fonts, 106_000, 20_000),
        _event(fonts, 107_000, 5_000),
        # the bar's frame: a frame callback forcing style and layout
        _event(task, 200_000, 45_000),
        _event("FunctionCall", 201_000, 30_000, data={"url": "http://x/watch.js"}),
        _event("UpdateLayoutTree", 202_000, 5_000),
        _layout(207_000, 20_000, 38),
        _event("Paint", 235_000, 6_000),
    )
    found = visible_floor.page_tasks(trace, URL)
    assert found["first"] == 60
    assert found["first layout"] == 40
    assert found["first fonts"] == 20
    assert found["first style"] == 4
    assert found["bar"] == 45
    assert found["bar layout"] == 20
    assert found["bar style"] == 5
    assert found["bar paint"] == 6
    assert found["bar script"] == 5  # 30 ms of script less the 25 ms it forced
    assert found["longest"] == 60
    assert found["over"] == 1
