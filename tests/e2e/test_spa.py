"""Single-page apps: tagged scripts and frames added after load are gated too.

The page adds them itself, as a router would, before any choice, after a
choice and on a returning visit; granted categories run them, refused ones
leave them inert.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import Deployment
from tests.e2e.test_loader import banner_shown, decide, gate_ran, visit

pytestmark = pytest.mark.e2e

#: What a router does when it renders a view: elements made one by one, and
#: a block of HTML with tagged elements inside.
RENDER = """category => {
  const s = document.createElement('script');
  s.type = 'text/plain';
  s.dataset.category = category;
  s.text = "window.ran = (window.ran || []).concat('" + category + "-made')";
  document.body.append(s);
  const f = document.createElement('iframe');
  f.dataset.category = category;
  f.dataset.src = '/frame?' + category;
  f.title = category;
  document.body.append(f);
  const view = document.createElement('section');
  view.innerHTML = '<div><script type="text/plain" data-category="' + category + '">' +
    "window.ran = (window.ran || []).concat('" + category + "-html')<\\/script></div>";
  document.querySelector('main').append(view);
}"""


def render(page: Any, category: str) -> None:
    page.evaluate(RENDER, category)


def ran(page: Any) -> list[str]:
    result: list[str] = page.evaluate("window.ran || []")
    return sorted(result)


def frame_src(page: Any, category: str) -> str | None:
    src: str | None = page.locator(f'iframe[title="{category}"]').get_attribute("src")
    return src


@pytest.fixture
def shop(deployment: Deployment) -> Deployment:
    deployment.shop.pages["/frame"] = "<!doctype html><title>Peta</title><p>Peta</p>"
    return deployment


def choose_analytics(page: Any) -> None:
    page.get_by_role("button", name="Atur pilihan").click()
    page.get_by_role("switch", name="Analitik").check()
    decide(page, "Simpan pilihan")


def test_added_after_a_choice_granted_runs_refused_stays_inert(shop: Deployment, page: Any) -> None:
    visit(page, shop)
    banner_shown(page)
    choose_analytics(page)
    render(page, "analytics")
    render(page, "functional")
    page.wait_for_function("(window.ran || []).length === 2")
    page.wait_for_timeout(500)
    assert ran(page) == ["analytics-html", "analytics-made"]
    assert frame_src(page, "analytics") == "/frame?analytics"
    assert frame_src(page, "functional") is None
    page.get_by_role("link", name="Pengaturan privasi", exact=True).click()
    page.get_by_role("switch", name="Fungsional").check()
    decide(page, "Simpan pilihan")
    page.wait_for_function("window.ran.length === 4")
    assert frame_src(page, "functional") == "/frame?functional"


def test_added_before_a_choice_waits_for_it(shop: Deployment, page: Any) -> None:
    visit(page, shop)
    banner_shown(page)
    render(page, "analytics")
    page.wait_for_timeout(500)
    assert ran(page) == []
    assert frame_src(page, "analytics") is None
    choose_analytics(page)
    page.wait_for_function("(window.ran || []).length === 2")
    assert frame_src(page, "analytics") == "/frame?analytics"


def test_returning_visitor_and_each_element_runs_once(shop: Deployment, page: Any) -> None:
    visit(page, shop)
    choose_analytics(page)
    page.reload()
    gate_ran(page)
    page.wait_for_function("window.banner.granted('analytics')")
    render(page, "analytics")
    render(page, "functional")
    page.wait_for_function("(window.ran || []).length === 2")
    page.evaluate("document.body.append(document.createElement('div'))")
    render(page, "analytics")
    page.wait_for_function("window.ran.length === 4")
    page.wait_for_timeout(500)
    assert ran(page) == ["analytics-html"] * 2 + ["analytics-made"] * 2
    assert page.locator('script[type="text/plain"][data-category="analytics"]').count() == 0
    assert page.locator('script[type="text/plain"][data-category="functional"]').count() == 2
