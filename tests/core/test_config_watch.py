"""A config that follows its file: looked at every few seconds, reloaded on change, never broken."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from banner.core.config import load_config
from banner.core.config_watch import LiveConfig
from tests.factories import KEY_NEW


def write(path: Path, version: int, extra: str = "") -> None:
    path.write_text(
        f"""
[banner]
secret_keys = ["{KEY_NEW}"]

[sites.tokodemo]
name = "Toko Demo"
origins = ["https://www.tokodemo.co.id"]
policy_version = {version}
privacy_policy_url = "https://www.tokodemo.co.id/privasi"
{extra}
""",
        encoding="utf-8",
    )
    stamp = 1_700_000_000_000_000_000 + version * 1_000_000_000 + len(extra)
    os.utime(path, ns=(stamp, stamp))  # a distinct time even within one clock tick


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def path(tmp_path: Path) -> Path:
    found = tmp_path / "banner.toml"
    write(found, 3)
    return found


@pytest.fixture
def clock() -> Clock:
    return Clock()


def live(path: Path, clock: Clock) -> LiveConfig:
    return LiveConfig(load_config(path, env={}), interval=2.0, env={}, clock=clock)


def version(config: LiveConfig) -> int:
    return config.current().sites["tokodemo"].policy_version


def test_a_change_is_seen_after_the_interval_not_before(path: Path, clock: Clock) -> None:
    config = live(path, clock)
    write(path, 4)
    clock.now += 1.9
    assert version(config) == 3
    clock.now += 0.2
    assert version(config) == 4


def test_no_change_keeps_the_same_object(path: Path, clock: Clock) -> None:
    config = live(path, clock)
    first = config.current()
    clock.now += 10
    assert config.current() is first


def test_between_two_looks_the_file_is_not_touched(
    path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = live(path, clock)
    looks: list[str] = []
    real_stat = os.stat
    monkeypatch.setattr(os, "stat", lambda p, *a, **k: looks.append(str(p)) or real_stat(p))
    for _ in range(1000):
        config.current()
    assert looks == []
    clock.now += 2
    config.current()
    assert looks == [str(path)]


@pytest.mark.parametrize(
    "broken",
    [
        "[sites.tokodemo.trackers.ga4]\nmeasurement_id = 'UA-1'\ncategory = 'analytics'",
        "this is not toml [",
    ],
)
def test_an_invalid_file_keeps_the_last_good_config_and_says_so_once(
    path: Path, clock: Clock, caplog: pytest.LogCaptureFixture, broken: str
) -> None:
    config = live(path, clock)
    write(path, 5, broken)
    with caplog.at_level(logging.WARNING, logger="banner"):
        for _ in range(5):
            clock.now += 3
            assert version(config) == 3
    [line] = [r.getMessage() for r in caplog.records]
    assert "keeping the last good config" in line and str(path) in line and "\n" not in line
    write(path, 6)
    clock.now += 3
    assert version(config) == 6


def test_a_removed_file_keeps_the_last_good_config(path: Path, clock: Clock) -> None:
    config = live(path, clock)
    path.unlink()
    clock.now += 3
    assert version(config) == 3
    write(path, 7)
    clock.now += 3
    assert version(config) == 7


def test_a_config_not_from_a_file_never_changes(clock: Clock) -> None:
    demo = load_config(env={})
    config = LiveConfig(demo, clock=clock)
    clock.now += 100
    assert config.path is None and config.current() is demo
