"""A config that follows its file: looked at every few seconds, reloaded on change, never broken."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from banner.core import config_watch
from banner.core.config import load_config
from banner.core.config_watch import SETTLE_SECONDS, LiveConfig
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
    return LiveConfig(
        load_config(path, env={}), interval=2.0, env={}, clock=clock, sleep=lambda _s: None
    )


def version(config: LiveConfig) -> int:
    return config.current().sites["tokodemo"].policy_version


def test_a_change_is_seen_after_the_interval_not_before(path: Path, clock: Clock) -> None:
    config = live(path, clock)
    write(path, 4)
    clock.now += 1.9
    assert version(config) == 3
    clock.now += 0.2
    assert version(config) == 4


def settle(config: LiveConfig, clock: Clock) -> int:
    """The version after the next look."""
    clock.now += 3
    return version(config)


def test_a_rewrite_with_the_same_size_and_time_is_seen(path: Path, clock: Clock) -> None:
    """Issue 26, item 13: the content decides, not the ``stat``."""
    config = live(path, clock)
    before = os.stat(path)
    path.write_text(path.read_text().replace("policy_version = 3", "policy_version = 4"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(path).st_size == before.st_size
    assert settle(config, clock) == 4


def test_a_file_caught_half_written_is_not_taken(path: Path, clock: Clock) -> None:
    """Written in place, the file is read while still cut short (valid TOML, no site)."""
    whole = path.read_text().replace("policy_version = 3", "policy_version = 8")
    cut = whole[: whole.index("[sites.tokodemo]")]
    writes = iter([whole, whole])  # the writer finishes during the first pause

    def pause(seconds: float) -> None:
        assert seconds == SETTLE_SECONDS
        path.write_text(next(writes))

    config = LiveConfig(load_config(path, env={}), interval=2.0, env={}, clock=clock, sleep=pause)
    path.write_text(cut)
    assert settle(config, clock) == 8
    assert config.current().sites.keys() == {"tokodemo"}


def test_a_file_that_keeps_changing_is_left_for_the_next_look(path: Path, clock: Clock) -> None:
    texts = [
        path.read_text().replace("policy_version = 3", f"policy_version = {n}") for n in (4, 5)
    ]
    changes = iter([texts[0], texts[1], texts[0]])

    def pause(_seconds: float) -> None:
        path.write_text(next(changes, texts[1]))

    config = LiveConfig(load_config(path, env={}), interval=2.0, env={}, clock=clock, sleep=pause)
    path.write_text(texts[0] + "\n")
    assert settle(config, clock) == 3  # never the same twice in this look
    assert settle(config, clock) == 5  # written for good: the next look agrees with itself


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
    real_read = config_watch._read
    monkeypatch.setattr(config_watch, "_read", lambda p: looks.append(p) or real_read(p))
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
    assert settle(config, clock) == 6


def test_a_removed_file_keeps_the_last_good_config(path: Path, clock: Clock) -> None:
    config = live(path, clock)
    path.unlink()
    assert settle(config, clock) == 3
    write(path, 7)
    assert settle(config, clock) == 7


def test_a_config_not_from_a_file_never_changes(clock: Clock) -> None:
    demo = load_config(env={})
    config = LiveConfig(demo, clock=clock)
    clock.now += 100
    assert config.path is None and config.current() is demo
