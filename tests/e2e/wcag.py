"""What the accessibility tests share: axe-core with the WCAG 2.2 AA rule tags, and
the check that a focused control is not entirely hidden (WCAG 2.4.11).

axe-core comes inside the ``axe-playwright-python`` package (``axe.min.js``),
so it runs offline.
"""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

#: The element that has focus, when no point of it can be seen: each of 25
#: points of its box is outside the viewport or lands on another element
#: (the banner, say). ``null`` when some of it shows or focus is in the banner.
HIDDEN_FOCUS = """() => {
  const a = document.activeElement;
  if (!a || a === document.body || a.closest('.bn')) return null;
  const r = a.getBoundingClientRect();
  const steps = [0.1, 0.3, 0.5, 0.7, 0.9];
  for (const fx of steps) for (const fy of steps) {
    const x = r.left + r.width * fx, y = r.top + r.height * fy;
    if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) continue;
    const hit = document.elementFromPoint(x, y);
    if (hit && (a === hit || a.contains(hit))) return null;
  }
  return a.tagName + ' ' + (a.textContent || a.id).trim().slice(0, 40);
}"""


def wcag_violations(page: Any, context: Any = None, rules: list[str] | None = None) -> list[str]:
    """Every axe-core violation of the WCAG 2.2 AA tags (or of ``rules``), any impact."""
    only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": WCAG_TAGS}
    options = {"runOnly": only, "resultTypes": ["violations"]}
    results = Axe().run(page, context=context, options=options)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


def hidden_focus(page: Any) -> str | None:
    found: str | None = page.evaluate(HIDDEN_FOCUS)
    return found
