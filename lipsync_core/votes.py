"""The team's blind votes: of two results of one comparison group, which looked better.

Each vote is a row of the ``votes`` table (schema version 2): the group, the job shown on the
left and on the right, the winner (``left``, ``right`` or ``tie``), who voted (``None`` on a
dashboard without sign-in) and when. Votes are only ever added. The ranking reads them joined
with their jobs' providers and models; a vote whose job was removed from the history drops out
of it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from lipsync_core.errors import LipsyncError
from lipsync_core.flows.model import JobState, utc_now
from lipsync_core.i18n import _
from lipsync_core.ranking import Contest, Target, Winner
from lipsync_core.schema import jobs, naive, votes
from lipsync_core.store import JobStore


class VoteError(LipsyncError):
    """A vote that cannot be counted: its results are not two finished results of its group."""


@dataclass(frozen=True)
class Vote:
    """One person's judgement of one pair."""

    id: str
    group_id: str
    left_job_id: str
    right_job_id: str
    winner: Winner
    voter: str | None
    at: datetime

    @property
    def pair(self) -> frozenset[str]:
        return frozenset((self.left_job_id, self.right_job_id))


class VoteStore:
    """Votes in the history's database; thread-safe (a connection per call)."""

    def __init__(self, store: JobStore) -> None:
        self.engine = store.engine

    def record(
        self,
        group_id: str,
        left_job_id: str,
        right_job_id: str,
        winner: Winner | str,
        *,
        voter: str | None,
        at: datetime | None = None,
    ) -> Vote:
        """Keep one vote; :class:`VoteError` unless both results are succeeded jobs of the group."""
        vote = Vote(
            uuid.uuid4().hex, group_id, left_job_id, right_job_id, Winner(winner), voter,
            at or utc_now(),
        )  # fmt: skip
        with self.engine.begin() as connection:
            self._check(connection, vote)
            connection.execute(
                votes.insert().values(
                    id=vote.id, group_id=group_id, left_job_id=left_job_id,
                    right_job_id=right_job_id, winner=vote.winner.value, voter=voter,
                    at=naive(vote.at),
                )
            )  # fmt: skip
        return vote

    def all(self) -> list[Vote]:
        """Every vote, oldest first."""
        statement = sa.select(votes).order_by(votes.c.at, votes.c.id)
        with self.engine.connect() as connection:
            rows = connection.execute(statement).mappings().all()
        return [_vote(row) for row in rows]

    def voted_pairs(self, voter: str | None) -> set[frozenset[str]]:
        """The pairs of results ``voter`` judged (``None``: the votes made without sign-in)."""
        who = votes.c.voter.is_(None) if voter is None else votes.c.voter == voter
        statement = sa.select(votes.c.left_job_id, votes.c.right_job_id).where(who)
        with self.engine.connect() as connection:
            return {frozenset(pair) for pair in connection.execute(statement).all()}

    def contests(self) -> list[Contest]:
        """Every vote whose two jobs are still in the history, as the ranking reads it."""
        left, right = jobs.alias("left_job"), jobs.alias("right_job")
        statement = (
            sa.select(
                left.c.provider, left.c.model, left.c.sandbox,
                right.c.provider, right.c.model, right.c.sandbox, votes.c.winner,
            )
            .join(left, left.c.id == votes.c.left_job_id)
            .join(right, right.c.id == votes.c.right_job_id)
            .order_by(votes.c.at, votes.c.id)
        )  # fmt: skip
        with self.engine.connect() as connection:
            rows = connection.execute(statement).all()
        return [
            Contest(Target(r[0], r[1], bool(r[2])), Target(r[3], r[4], bool(r[5])), Winner(r[6]))
            for r in rows
        ]

    def candidates(self, *, groups: int = 200) -> dict[str, list[str]]:
        """The succeeded results of the newest ``groups`` comparison groups that have at least
        two: group id -> job ids."""
        succeeded = sa.and_(jobs.c.group_id.is_not(None), jobs.c.state == JobState.SUCCEEDED.value)
        recent = (
            sa.select(jobs.c.group_id)
            .where(succeeded)
            .group_by(jobs.c.group_id)
            .having(sa.func.count() >= 2)
            .order_by(sa.func.max(jobs.c.created_at).desc())
            .limit(groups)
        )
        statement = (
            sa.select(jobs.c.group_id, jobs.c.id)
            .where(succeeded, jobs.c.group_id.in_(recent.scalar_subquery()))
            .order_by(jobs.c.group_id, jobs.c.id)
        )
        found: dict[str, list[str]] = {}
        with self.engine.connect() as connection:
            for group_id, job_id in connection.execute(statement):
                found.setdefault(group_id, []).append(job_id)
        return found

    def _check(self, connection: sa.Connection, vote: Vote) -> None:
        if vote.left_job_id == vote.right_job_id:
            raise VoteError(_("A result cannot be compared with itself."))
        found = connection.execute(
            sa.select(jobs.c.id).where(
                jobs.c.id.in_([vote.left_job_id, vote.right_job_id]),
                jobs.c.group_id == vote.group_id,
                jobs.c.state == JobState.SUCCEEDED.value,
            )
        ).all()
        if len(found) != 2:
            raise VoteError(
                _(
                    "This vote was not counted: its two results are no longer finished results "
                    "of the same comparison in the history."
                )
            )


def _vote(row: sa.RowMapping) -> Vote:
    return Vote(
        id=row["id"],
        group_id=row["group_id"],
        left_job_id=row["left_job_id"],
        right_job_id=row["right_job_id"],
        winner=Winner(row["winner"]),
        voter=row["voter"],
        at=row["at"].replace(tzinfo=UTC),
    )
