"""The progress line goes to stderr, and only when stderr is a terminal."""

from __future__ import annotations

import io
import sys

import pytest

from banner.cli.scan import _progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("stream", "shown"), [(Terminal(), True), (io.StringIO(), False)])
def test_progress_only_on_a_terminal(
    stream: io.StringIO, shown: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stderr", stream)
    _progress(2, 3, 7)
    assert ("pass 2/2: 3 page(s) opened, 7 found" in stream.getvalue()) is shown
