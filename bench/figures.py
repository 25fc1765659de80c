"""Medians with their spread, and ratios against a reference of the same run."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Spread:
    """The median, min and max of repeated measurements of one figure."""

    median: float
    low: float
    high: float
    runs: int

    @classmethod
    def of(cls, samples: Iterable[float]) -> Spread:
        values = sorted(samples)
        if not values:
            raise ValueError("no samples")
        return cls(statistics.median(values), values[0], values[-1], len(values))

    def show(self, digits: int = 1) -> str:
        """``median (min-max)``, the form every table uses."""
        return f"{self.median:,.{digits}f} ({self.low:,.{digits}f}-{self.high:,.{digits}f})"


def ratio(value: float | None, reference: float | None) -> str:
    """``value / reference`` as ``1.23x``, or a dash when either is missing."""
    if value is None or not reference:
        return "—"
    return f"{value / reference:.2f}x"


def median_or_none(spread: Spread | None) -> float | None:
    return None if spread is None else spread.median
