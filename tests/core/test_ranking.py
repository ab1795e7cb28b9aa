"""The ranking from blind votes: Bradley–Terry by MM iterations on the Elo scale, ties as half a
win, and a range that narrows as votes accumulate."""

from __future__ import annotations

import math

import pytest

from lipsync_core.ranking import Contest, Target, Winner, rank

NOVA = Target("ausynclab", "nova", False)
KLING = Target("kling", "advanced-lip-sync", False)
TWINSYNC = Target("twinsync", "videotalking", False)
NOVA_SANDBOX = Target("ausynclab", "nova", True)
LEFT, RIGHT, TIE = Winner.LEFT, Winner.RIGHT, Winner.TIE


def votes(*groups: tuple[Target, Target, Winner, int]) -> list[Contest]:
    """``count`` votes of ``left`` against ``right`` won by ``winner``, for each group."""
    return [Contest(left, right, winner) for left, right, winner, n in groups for _ in range(n)]


def order(contests: list[Contest]) -> list[Target]:
    return [rated.target for rated in rank(contests)]


def width(contests: list[Contest], target: Target) -> float:
    rated = next(r for r in rank(contests) if r.target == target)
    return rated.high - rated.low


@pytest.mark.parametrize(
    ("contests", "expected"),
    [
        (votes((NOVA, KLING, LEFT, 3)), [NOVA, KLING]),
        (votes((NOVA, KLING, RIGHT, 3)), [KLING, NOVA]),
        (
            votes((NOVA, KLING, LEFT, 8), (KLING, NOVA, LEFT, 2), (KLING, TWINSYNC, LEFT, 7),
                  (TWINSYNC, KLING, LEFT, 3), (TWINSYNC, NOVA, RIGHT, 9)),
            [NOVA, KLING, TWINSYNC],
        ),
        (
            votes((TWINSYNC, NOVA, LEFT, 4), (NOVA, KLING, LEFT, 4), (KLING, TWINSYNC, RIGHT, 4)),
            [TWINSYNC, NOVA, KLING],
        ),
        (votes((NOVA_SANDBOX, NOVA, RIGHT, 2)), [NOVA, NOVA_SANDBOX]),
    ],
    ids=["left-wins", "right-wins", "three-mostly", "chain", "sandbox-apart"],
)  # fmt: skip
def test_known_votes_give_a_known_order(contests: list[Contest], expected: list[Target]) -> None:
    """Whoever wins more, and against stronger opponents, ranks higher, on either side."""
    assert order(contests) == expected


def test_a_three_to_one_record_is_a_gap_of_400_log10_3_points() -> None:
    """With many votes, 75 % preferred is p_a / p_b = 3: 191 Elo points apart."""
    rated = rank(votes((NOVA, KLING, LEFT, 3000), (NOVA, KLING, RIGHT, 1000)))
    assert rated[0].rating - rated[1].rating == pytest.approx(400 * math.log10(3), abs=1.0)
    assert rated[0].rating + rated[1].rating == pytest.approx(2000.0)


def test_ties_only_rate_everyone_alike() -> None:
    """All ties: every provider/model at 1000, each vote counted as a tie."""
    rated = rank(votes((NOVA, KLING, TIE, 5), (KLING, TWINSYNC, TIE, 5)))
    assert [r.rating for r in rated] == pytest.approx([1000.0] * 3)
    assert {r.target: (r.wins, r.ties, r.losses) for r in rated} == {
        NOVA: (0, 5, 0), KLING: (0, 10, 0), TWINSYNC: (0, 5, 0),
    }  # fmt: skip


def test_a_tie_counts_as_half_a_win() -> None:
    """One win and one loss rate the same as two ties; a tie above a loss rates higher."""
    split = rank(votes((NOVA, KLING, LEFT, 1), (NOVA, KLING, RIGHT, 1)))
    tied = rank(votes((NOVA, KLING, TIE, 2)))
    assert [r.rating for r in split] == pytest.approx([r.rating for r in tied])
    assert order(votes((NOVA, TWINSYNC, TIE, 1), (KLING, TWINSYNC, RIGHT, 1)))[-1] == KLING


def test_unanimous_votes_give_a_finite_rating_with_a_range() -> None:
    """Five wins out of five: a clear lead, finite, and a range that admits the doubt."""
    best, worst = rank(votes((NOVA, KLING, LEFT, 5)))
    assert best.target == NOVA and math.isfinite(best.rating) and best.rating > 1100
    assert best.low < best.rating < best.high and best.high - best.low > 100
    assert (best.wins, worst.losses) == (5, 5)


def test_the_range_narrows_as_votes_accumulate() -> None:
    """The same preferences voted 4 and 16 times as often: every range narrows each time."""
    base = ((NOVA, KLING, LEFT, 3), (NOVA, KLING, RIGHT, 1), (KLING, TWINSYNC, LEFT, 2),
            (KLING, TWINSYNC, TIE, 1), (NOVA, TWINSYNC, LEFT, 3))  # fmt: skip
    for target in (NOVA, KLING, TWINSYNC):
        widths = [
            width(votes(*[(a, b, w, n * k) for a, b, w, n in base]), target) for k in (1, 4, 16)
        ]
        assert widths[0] > widths[1] > widths[2] > 0
        assert widths[1] / widths[2] == pytest.approx(2.0, rel=0.15), "about 1/sqrt(votes)"


def test_providers_never_compared_with_each_other_still_get_a_rating() -> None:
    """Two separate pairs: each pair ordered, every rating finite."""
    rated = rank(votes((NOVA, KLING, LEFT, 2), (TWINSYNC, NOVA_SANDBOX, LEFT, 2)))
    assert len(rated) == 4 and all(math.isfinite(r.low) and math.isfinite(r.high) for r in rated)
    ratings = {r.target: r.rating for r in rated}
    assert ratings[NOVA] > ratings[KLING] and ratings[TWINSYNC] > ratings[NOVA_SANDBOX]


@pytest.mark.parametrize(
    "contests", [[], votes((NOVA, NOVA, LEFT, 3))], ids=["no-votes", "same-on-both-sides"]
)
def test_nothing_to_rank_gives_an_empty_ranking(contests: list[Contest]) -> None:
    """No votes, or only votes between results of the same provider/model: nothing to rank."""
    assert rank(contests) == []
