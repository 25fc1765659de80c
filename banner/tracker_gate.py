"""Kept so imports written for banner 0.1 keep working;
new code imports :mod:`banner.check.tracker_gate`
or the public names from :mod:`banner`."""

from banner.check.tracker_gate import TrackerGate

__all__ = ["TrackerGate"]
