"""A ranking of providers/models from the team's blind votes: Bradley–Terry, with a range.

Each vote compares two results; a win counts 1 for the winner, a tie ½ for each. The
Bradley–Terry model gives each provider/model a strength ``p`` such that ``p_a / (p_a + p_b)`` is
the chance a result of ``a`` is preferred to one of ``b``; it is fitted by Hunter's MM iterations
(Hunter 2004, "MM algorithms for generalized Bradley–Terry models") on the matrix of wins. Each
one also plays :data:`PRIOR_GAMES` virtual drawn games against an average result, so one that
won (or lost) every vote gets a large but finite strength, and providers never compared with
each other still get a rating.

Strengths are shown on the Elo scale, as Chatbot Arena shows its Bradley–Terry fit: ``1000 + 400
log10(p / geometric mean of p)``; 100 points apart means preferred about 64 % of the time. The
range is the rating ± 1.96 standard errors, from the curvature of the fitted likelihood (its
Fisher information; a normal approximation): it narrows as votes accumulate, about as one over
the square root of their number. (A bootstrap over votes was tried first: with a few unanimous
votes, the usual start, every resample is the same and its range is zero, which claims a
certainty five votes do not give.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

import numpy as np

from lipsync_core.flows.model import target_display_name
from lipsync_core.i18n import _

PRIOR_GAMES = 1.0
CENTRE = 1000.0
# Elo points per unit of natural-log strength (400 per power of ten).
ELO = 400.0 / math.log(10)
Z95 = 1.96
MAX_ITERATIONS = 5000
TOLERANCE = 1e-10


class Winner(StrEnum):
    """Which of the two results shown was preferred."""

    LEFT = "left"
    RIGHT = "right"
    TIE = "tie"


class Target(NamedTuple):
    """What is ranked: a provider's model, on the sandbox or live (never mixed up)."""

    provider: str
    model: str
    sandbox: bool

    @property
    def label(self) -> str:
        """The name shown, in the current language ("Prime (sandbox)")."""
        name = target_display_name(self.provider, self.model)
        return _("{name} (sandbox)").format(name=name) if self.sandbox else name

    @property
    def order(self) -> str:
        """The English label, to sort by whatever the reader's language."""
        name = target_display_name(self.provider, self.model)
        return f"{name} (sandbox)" if self.sandbox else name


class Contest(NamedTuple):
    """One vote as the ranking sees it: the two results' providers/models and the outcome."""

    left: Target
    right: Target
    winner: Winner


@dataclass(frozen=True)
class Rated:
    """One provider/model's place: its rating, the 95 % range, and its votes."""

    target: Target
    rating: float
    low: float
    high: float
    wins: int
    ties: int
    losses: int

    @property
    def votes(self) -> int:
        return self.wins + self.ties + self.losses


def rank(contests: Sequence[Contest]) -> list[Rated]:
    """Every provider/model in ``contests``, best first (a vote between two results of the same
    provider/model says nothing about the ranking and is left out)."""
    usable = [c for c in contests if c.left != c.right]
    targets = sorted({t for c in usable for t in (c.left, c.right)})
    if not targets:
        return []
    index = {target: number for number, target in enumerate(targets)}
    first = np.array([index[c.left] for c in usable])
    second = np.array([index[c.right] for c in usable])
    score = np.array([_left_score(c.winner) for c in usable])
    wins = np.zeros((len(targets), len(targets)))
    np.add.at(wins, (first, second), score)
    np.add.at(wins, (second, first), 1.0 - score)
    strength = fit(wins)
    logs = np.log(strength)
    ratings = CENTRE + ELO * (logs - logs.mean())
    spread = Z95 * ELO * np.sqrt(_centred_variance(wins, strength))
    rated = [
        Rated(
            target, float(ratings[n]), float(ratings[n] - spread[n]),
            float(ratings[n] + spread[n]), *_record(n, first, second, score),
        )
        for n, target in enumerate(targets)
    ]  # fmt: skip
    return sorted(rated, key=lambda r: (-r.rating, r.target.order))


def _left_score(winner: Winner) -> float:
    return {Winner.LEFT: 1.0, Winner.TIE: 0.5, Winner.RIGHT: 0.0}[Winner(winner)]


def fit(wins: np.ndarray) -> np.ndarray:
    """Bradley–Terry strengths by MM iterations from ``wins[i, j]`` (what ``i`` won over
    ``j``), each item with its virtual drawn games against a result of strength 1."""
    games = wins + wins.T
    won = wins.sum(axis=1) + PRIOR_GAMES / 2
    strength = np.ones(len(wins))
    for _iteration in range(MAX_ITERATIONS):
        spent = (games / (strength[:, None] + strength[None, :])).sum(axis=1)
        updated = won / (spent + PRIOR_GAMES / (strength + 1.0))
        if np.max(np.abs(np.log(updated / strength))) < TOLERANCE:
            return updated
        strength = updated
    return strength


def _centred_variance(wins: np.ndarray, strength: np.ndarray) -> np.ndarray:
    """The variance of each log-strength less their mean, from the inverse of the fit's
    information matrix (with the virtual games, it is always invertible)."""
    games = wins + wins.T
    preferred = strength[:, None] / (strength[:, None] + strength[None, :])
    information = -games * preferred * preferred.T
    np.fill_diagonal(information, 0.0)
    against_average = PRIOR_GAMES * strength / (strength + 1.0) ** 2
    information[np.diag_indices_from(information)] = -information.sum(axis=1) + against_average
    covariance = np.linalg.inv(information)
    centring = np.eye(len(wins)) - 1.0 / len(wins)
    return np.diag(centring @ covariance @ centring.T)


def _record(n: int, first: np.ndarray, second: np.ndarray, score: np.ndarray) -> tuple[int, ...]:
    """Wins, ties and losses of item ``n``."""
    own = np.concatenate([score[first == n], 1.0 - score[second == n]])
    return int((own == 1.0).sum()), int((own == 0.5).sum()), int((own == 0.0).sum())
