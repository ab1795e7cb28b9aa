"""The vote store over SQLite and PostgreSQL: votes kept with who, when and which pair, refused
when they compare anything but two finished results of one group, and read for the ranking."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from lipsync_core.flows.model import Job, JobState
from lipsync_core.ranking import Contest, Target, Winner, rank
from lipsync_core.store import JobStore
from lipsync_core.votes import Vote, VoteError, VoteStore

GROUP, OTHER_GROUP = "g" * 32, "h" * 32
NOVA = Target("ausynclab", "nova", True)
TWINSYNC = Target("twinsync", "videotalking", True)
KLING = Target("kling", "advanced-lip-sync", True)
AT = datetime(2026, 3, 1, 10, 30, tzinfo=UTC)


@pytest.fixture
def store(database_url: str) -> Iterator[JobStore]:
    store = JobStore(database_url)
    yield store
    store.close()


def result(store: JobStore, target: Target, group: str = GROUP, state: str = "succeeded") -> Job:
    """A finished job of ``target`` in ``group``, written straight into the history."""
    job = Job(
        id=uuid.uuid4().hex, provider=target.provider, model=target.model, group_id=group,
        state=JobState(state), stage=None, sandbox=target.sandbox,
    )  # fmt: skip
    store.insert(job)
    return job


def test_a_vote_is_kept_with_who_when_and_which_pair(store: JobStore) -> None:
    """Read back, a vote is exactly what was recorded; without sign-in, the voter is None."""
    nova, twinsync = result(store, NOVA), result(store, TWINSYNC)
    votes = VoteStore(store)
    kept = votes.record(GROUP, nova.id, twinsync.id, "left", voter=None, at=AT)
    later = AT.replace(minute=31)
    named = votes.record(GROUP, twinsync.id, nova.id, "tie", voter="ana@example.com", at=later)
    assert votes.all() == [kept, named]
    assert kept == Vote(kept.id, GROUP, nova.id, twinsync.id, Winner.LEFT, None, AT)
    assert named.voter == "ana@example.com" and named.winner is Winner.TIE
    assert votes.voted_pairs(None) == {frozenset((nova.id, twinsync.id))}
    assert votes.voted_pairs("ana@example.com") == {named.pair}
    assert votes.voted_pairs("bo@example.com") == set()


@pytest.mark.parametrize(
    ("right", "message"),
    [
        ("same", "cannot be compared with itself"),
        ("other-group", "not counted"),
        ("failed", "not counted"),
        ("unknown", "not counted"),
    ],
)
def test_a_vote_on_anything_but_two_results_of_its_group_is_refused(
    store: JobStore, right: str, message: str
) -> None:
    """Itself, another group's result, a failed job or no job at all: refused, nothing kept."""
    nova = result(store, NOVA)
    other = {
        "same": nova.id,
        "other-group": result(store, KLING, group=OTHER_GROUP).id,
        "failed": result(store, KLING, state="failed").id,
        "unknown": uuid.uuid4().hex,
    }[right]
    votes = VoteStore(store)
    with pytest.raises(VoteError, match=message):
        votes.record(GROUP, nova.id, other, Winner.LEFT, voter=None)
    assert votes.all() == []


def test_contests_name_each_side_and_drop_votes_of_removed_jobs(store: JobStore) -> None:
    """The ranking reads providers/models per side; a removed result's votes drop out."""
    nova, twinsync, kling = result(store, NOVA), result(store, TWINSYNC), result(store, KLING)
    votes = VoteStore(store)
    votes.record(GROUP, nova.id, twinsync.id, Winner.RIGHT, voter=None, at=AT)
    votes.record(GROUP, kling.id, nova.id, Winner.LEFT, voter=None, at=AT.replace(minute=31))
    assert votes.contests() == [
        Contest(NOVA, TWINSYNC, Winner.RIGHT),
        Contest(KLING, NOVA, Winner.LEFT),
    ]
    store.delete(kling.id)
    assert votes.contests() == [Contest(NOVA, TWINSYNC, Winner.RIGHT)]
    assert len(votes.all()) == 2, "the vote itself is kept"
    assert [r.target for r in rank(votes.contests())] == [TWINSYNC, NOVA]


def test_candidates_are_the_succeeded_results_of_groups_with_two_or_more(store: JobStore) -> None:
    """Failed results, lone results and jobs of no group are never drawn; newest groups first."""
    nova, twinsync = result(store, NOVA), result(store, TWINSYNC)
    result(store, KLING, state="failed")
    lone = result(store, NOVA, group=OTHER_GROUP)
    result(store, TWINSYNC, group=OTHER_GROUP, state="failed")
    store.insert(lone.model_copy(update={"id": uuid.uuid4().hex, "group_id": None}))
    votes = VoteStore(store)
    assert votes.candidates() == {GROUP: sorted([nova.id, twinsync.id])}
    newer = "n" * 32
    pair = [result(store, NOVA, group=newer).id, result(store, KLING, group=newer).id]
    assert votes.candidates(groups=1) == {newer: sorted(pair)}
