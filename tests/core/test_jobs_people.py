"""Who did what, through the job service on the sandbox and a real database (SQLite, then
PostgreSQL): each job, comparison, re-send, removal and favourite records the person, the history
filters by who sent a job, and the activity list says it all in order."""

from __future__ import annotations

import pytest

from lipsync_core.jobs import JobInputs, JobService
from lipsync_core.sandbox import SandboxServer
from lipsync_core.store import JobFilter
from lipsync_core.team import Action
from tests.core.conftest import MakeService, sandbox_now

ANA, BAO = "ana@example.com", "bao@example.com"
TWINSYNC = ("twinsync", "videotalking")
PRIME = ("ausynclab", "prime")


@pytest.mark.parametrize("actor", [ANA, None], ids=["signed-in", "no-sign-in"])
def test_a_job_records_who_sent_it(
    service: JobService, sandbox: SandboxServer, small_media: JobInputs, actor: str | None
) -> None:
    """The job, as stored and as read again, says who sent it (nobody without sign-in), and
    the activity list says they sent a job to that provider, with its title."""
    before = sandbox_now(sandbox)
    job = service.submit(*TWINSYNC, small_media, title="Greeting", actor=actor)
    assert job.sent_by == actor
    assert service.get(job.id).sent_by == actor
    (sent,) = service.team.recent()
    assert (sent.actor, sent.action, sent.subject) == (actor, Action.SENT, job.id)
    assert sent.details == {"targets": [list(TWINSYNC)], "title": "Greeting"}
    assert before <= sent.at <= sandbox_now(sandbox)


def test_a_comparison_records_who_sent_it_once(service: JobService, small_media: JobInputs) -> None:
    """A comparison group and each of its jobs record the sender; sending the same form again
    (same key) sends nothing and records nothing more."""
    jobs = service.submit_group([TWINSYNC, PRIME], small_media, idempotency_key="form-1", actor=BAO)
    again = service.submit_group(
        [TWINSYNC, PRIME], small_media, idempotency_key="form-1", actor=BAO
    )
    assert {job.id for job in again} == {job.id for job in jobs}
    group, members = service.group(jobs[0].group_id or "")
    assert group is not None and group.created_by == BAO
    assert {job.sent_by for job in members} == {BAO}
    (sent,) = service.team.recent()
    assert (sent.actor, sent.action, sent.subject) == (BAO, Action.SENT_GROUP, group.id)
    assert sorted(sent.details["targets"]) == sorted([list(TWINSYNC), list(PRIME)])


def test_sending_again_records_the_person_who_sends_it_again(
    service: JobService, small_media: JobInputs
) -> None:
    """Ana's job sent again by Bao is Bao's new job, and the list says which job it repeats."""
    first = service.submit(*TWINSYNC, small_media, actor=ANA)
    again = service.retry(first.id, actor=BAO)
    assert (first.sent_by, again.sent_by) == (ANA, BAO)
    latest = service.team.recent()[0]
    assert (latest.actor, latest.action, latest.subject) == (BAO, Action.SENT_AGAIN, again.id)
    assert latest.details["again_of"] == first.id


def test_a_removal_records_who_removed_whose_job(
    service: JobService, small_media: JobInputs
) -> None:
    """Removing is for everyone: the list keeps who removed it, and who had sent it."""
    job = service.submit(*TWINSYNC, small_media, title="Take 2", actor=ANA)
    assert service.remove(job.id, actor=BAO)
    removed = service.team.recent()[0]
    assert (removed.actor, removed.action, removed.subject) == (BAO, Action.REMOVED, job.id)
    assert removed.details == {"targets": [list(TWINSYNC)], "title": "Take 2", "sent_by": ANA}
    assert not service.remove(job.id, actor=BAO)
    assert len(service.team.recent()) == 2  # removing what is gone records nothing


def test_a_favourite_records_who_chose_it_and_when(
    service: JobService, sandbox: SandboxServer, small_media: JobInputs
) -> None:
    """Marking and clearing a comparison's favourite keep who did it and when."""
    jobs = service.submit_group([TWINSYNC, PRIME], small_media, actor=ANA)
    group_id = jobs[0].group_id or ""
    twinsync = next(job for job in jobs if job.provider == "twinsync")
    before = sandbox_now(sandbox)
    assert service.set_favourite(group_id, twinsync.id, actor=BAO)
    group, _ = service.group(group_id)
    assert group is not None
    assert (group.favourite_job_id, group.favourite_by) == (twinsync.id, BAO)
    assert group.favourite_at is not None
    assert before <= group.favourite_at <= sandbox_now(sandbox)
    chosen = service.team.recent()[0]
    assert (chosen.action, chosen.actor, chosen.details) == (
        Action.FAVOURITE,
        BAO,
        {"target": list(TWINSYNC)},
    )
    assert service.set_favourite(group_id, None, actor=ANA)
    cleared = service.team.recent()[0]
    assert (cleared.action, cleared.actor, cleared.details) == (
        Action.FAVOURITE,
        ANA,
        {"target": None},
    )
    group, _ = service.group(group_id)
    assert group is not None and (group.favourite_job_id, group.favourite_by) == (None, ANA)


def test_the_history_filters_by_who_sent_a_job(
    make_service: MakeService, small_media: JobInputs
) -> None:
    """ "Mine": only the jobs one person sent, counted and listed; everyone's: all of them."""
    service = make_service()
    ana = [service.submit(*TWINSYNC, small_media, title=f"a{n}", actor=ANA) for n in range(3)]
    bao = [service.submit(*TWINSYNC, small_media, title=f"b{n}", actor=BAO) for n in range(2)]
    service.submit(*TWINSYNC, small_media, title="nobody")
    mine = service.history(JobFilter(sent_by=ANA))
    assert mine.total == 3 and {job.id for job in mine.jobs} == {job.id for job in ana}
    assert service.store.count(JobFilter(sent_by=BAO)) == len(bao)
    assert service.history().total == 6
