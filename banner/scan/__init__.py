"""The cookie scanner behind ``banner scan``.

It crawls a site in headless Chromium twice (no choice made, then after
"accept all" in banner's own banner), records the cookies, storage keys and
third-party requests of each page, classifies them with the Open Cookie
Database (shipped in ``data/`` with its Apache-2.0 licence) plus banner's own
supplement, compares them with a site's declaration and writes ``report.json``,
``report.html`` and a proposed ``cookies.toml``.

It may import ``banner.core`` (config, categories, tracker kinds, catalogs),
``banner.log`` (to save a report for the dashboard) and ``banner.resources``.
Playwright is an optional extra (``banner-consent[scan]``), imported only when
a scan starts.
"""
