"""The blind test's draw: a pair of one group's results, in random order, unjudged ones first."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from ui.compare.blind import pick_pair

GROUPS = {"g1": ["a", "b", "c"], "g2": ["x", "y"]}


def test_either_result_is_shown_as_a_about_half_the_time() -> None:
    """Over many draws every pair comes up, each way round about as often, never across groups."""
    chance = random.Random(7)
    draws = Counter(pick_pair(GROUPS, set(), chance) for _ in range(4000))
    pairs = {("g1", "a", "b"), ("g1", "a", "c"), ("g1", "b", "c"), ("g2", "x", "y")}
    assert {(g, *sorted((a, b))) for g, a, b in draws} == pairs
    for group, first, second in pairs:
        forward, backward = draws[(group, first, second)], draws[(group, second, first)]
        assert forward + backward == pytest.approx(1000, rel=0.15)
        assert forward / (forward + backward) == pytest.approx(0.5, abs=0.06)


@pytest.mark.parametrize(
    ("judged", "left_to_draw"),
    [
        ({frozenset("ab"), frozenset("ac"), frozenset("bc")}, {frozenset("xy")}),
        ({frozenset("ab"), frozenset("xy")}, {frozenset("ac"), frozenset("bc")}),
        (
            {frozenset("ab"), frozenset("ac"), frozenset("bc"), frozenset("xy")},
            {frozenset("ab"), frozenset("ac"), frozenset("bc"), frozenset("xy")},
        ),
    ],
    ids=["one-left", "two-left", "all-judged-again"],
)
def test_pairs_not_judged_yet_come_first(
    judged: set[frozenset[str]], left_to_draw: set[frozenset[str]]
) -> None:
    """Judged pairs are drawn only once every pair has been judged."""
    chance = random.Random(3)
    drawn = {frozenset(pick_pair(GROUPS, judged, chance)[1:]) for _ in range(200)}
    assert drawn == left_to_draw


@pytest.mark.parametrize("candidates", [{}, {"g1": ["a"]}], ids=["none", "one-result"])
def test_without_two_results_of_one_group_there_is_nothing_to_judge(
    candidates: dict[str, list[str]],
) -> None:
    """No group, or a group with one result: no pair."""
    assert pick_pair(candidates, set(), random.Random(1)) is None
