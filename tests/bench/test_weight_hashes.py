"""``bench.weight --hashes``: budget rows over random UI hashes, the hash really varied."""

from __future__ import annotations

import re

from bench.weight import BUDGETS, budget_weights, hash_means


def test_every_budget_row_gets_a_mean_between_its_least_and_most() -> None:
    means = hash_means(3)
    assert set(means) == set(BUDGETS)
    for mean, least, most in means.values():
        assert least <= mean <= most


def test_the_hash_the_rows_are_built_with_is_the_random_one() -> None:
    from unittest import mock

    with mock.patch("banner.web.site_files.ui_hash", return_value="0123456789abcdef"):
        weights = budget_weights()
    assert all(w.brotli > 0 for w in weights.values())
    with mock.patch("banner.web.site_files.ui_hash", return_value="0123456789abcdef"):
        from banner.core.config import config_from_bytes
        from banner.web.site_files import site_files
        from bench import deployment

        text = deployment.config_text("sqlite://", "https://shop.example")
        site = config_from_bytes(text.encode(), "banner.toml", {}).sites[deployment.SITE]
        gate = site_files(site, "https://consent.example/").files["loader.js"].decode()
    assert re.search(r'"ui":"0123456789abcdef"', gate)
