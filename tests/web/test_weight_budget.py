"""The weight budgets of issue 24 hold: a test fails the build when one is exceeded.

The bytes are measured by ``bench.weight`` itself (brotli, each file on its
own, as the service builds them for the bench's sites), so the bench and
this test cannot disagree. Bytes, not time: a fit subject for a test.
"""

from __future__ import annotations

import pytest

from bench import weight

MEASURED = weight.budget_weights()


@pytest.mark.parametrize("name", sorted(weight.BUDGETS))
def test_the_weight_stays_within_its_budget(name: str) -> None:
    measured = MEASURED[name].brotli
    budget = weight.BUDGETS[name]
    ceiling = weight.NOT_MET.get(name, budget)
    assert measured <= ceiling, f"{name}: {measured:,} B brotli, over {ceiling:,} B"
    if name in weight.NOT_MET:
        # Met at last: drop it from NOT_MET, so the budget itself holds from now on.
        assert measured > budget, f"{name} is within {budget:,} B: remove it from NOT_MET"


def test_a_returning_visit_downloads_the_gate_alone() -> None:
    """The rows measure what a visitor downloads: the gate names no file it would fetch at once."""
    for name in (weight.GATE_GA4, weight.GATE_MIX, weight.GATE_EVERY):
        assert MEASURED[name].files == ("loader.js",)


def test_the_budgets_are_those_of_issue_24() -> None:
    assert weight.BUDGETS == {
        weight.GATE_GA4: 2500,
        weight.GATE_MIX: 2600,
        weight.GATE_EVERY: 3000,
        weight.FIRST_MIX: 5600,
    }
