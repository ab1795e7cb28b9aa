"""Nothing stored can make the history unreadable: a row that fails to read is one damaged job,
and a number that is not finite is never written in the first place."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from pydantic import ValidationError
from pydantic_core import PydanticSerializationError

from lipsync_core.flows.model import Cost, CostUnit, Job, JobInputs, JobOptions, JobState
from lipsync_core.jobs import JobService
from lipsync_core.sandbox import SandboxServer
from lipsync_core.schema import jobs
from lipsync_core.store import DAMAGED_TEXT, DamagedJob, JobStore
from tests.core.conftest import MakeService

Damage = Callable[[str], str]


def with_credit(value: str) -> Damage:
    """The stored JSON with an AusyncLab credit report of ``value`` (JSON text)."""
    return lambda data: data.replace('"reported_credits":{}', f'"reported_credits":{{"g":{value}}}')


def with_field(name: str, value: object) -> Damage:
    def change(data: str) -> str:
        parsed = json.loads(data)
        parsed[name] = value
        return json.dumps(parsed)

    return change


DAMAGES = [
    pytest.param(lambda data: data[: len(data) // 2], id="cut in half"),
    pytest.param(lambda data: "{not json", id="not JSON"),
    pytest.param(lambda data: "", id="empty"),
    pytest.param(with_credit("null"), id="credits stored as null (a forged 1e999 today)"),
    pytest.param(with_credit("1e999"), id="credits 1e999"),
    pytest.param(with_credit("NaN"), id="credits NaN"),
    pytest.param(with_credit("-5"), id="credits negative"),
    pytest.param(with_field("cost_used", {"amount": "lots"}), id="a cost in words"),
    pytest.param(with_field("state", "exploded"), id="an unknown state"),
    pytest.param(with_field("id", "another-job"), id="another job's id"),
    pytest.param(
        lambda data: data.replace('"title":null', '"title":' + "[" * 5000 + "]" * 5000),
        id="deep nesting",
    ),
]


def corrupt(store: JobStore, job_id: str, damage: Damage) -> str:
    """Rewrite a job's stored JSON with ``damage`` (as a bug or a bad disk would); the new text."""
    with store.engine.begin() as connection:
        data = connection.execute(sa.select(jobs.c.data).where(jobs.c.id == job_id)).scalar_one()
        damaged = damage(data)
        connection.execute(jobs.update().where(jobs.c.id == job_id).values(data=damaged))
    return damaged


def stored(store: JobStore, job_id: str) -> str:
    with store.engine.connect() as connection:
        return connection.execute(sa.select(jobs.c.data).where(jobs.c.id == job_id)).scalar_one()


def finish_all(service: JobService, sandbox: SandboxServer, ids: list[str]) -> list[Job]:
    for _ in range(30):
        sandbox.clock.advance(1.0)
        assert sandbox.wait_idle(timeout=60)
        service.refresh_due(download=False)
        current = service.get_many(ids)
        if all(job.is_final for job in current):
            return current
    raise AssertionError(f"jobs did not finish: {[(j.state, j.stage) for j in current]}")


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_row_that_fails_to_read_is_one_damaged_job_and_the_rest_keep_working(
    make_service: MakeService, sandbox: SandboxServer, small_media: JobInputs, damage: Damage
) -> None:
    """The history, its counts, refreshing and a restarted service all work; the damaged row is
    one failed job saying so, nothing is ever saved over it, and it can be removed."""
    service = make_service()
    sent = [service.submit("twinsync", "videotalking", small_media) for _ in range(3)]
    victim = sent[1]
    damaged_text = corrupt(service.store, victim.id, damage)
    page = service.history()
    assert page.total == 3 and sum(page.counts.values()) == 3
    damaged = [job for job in page.jobs if isinstance(job, DamagedJob)]
    assert [job.id for job in damaged] == [victim.id]
    assert damaged[0].state is JobState.FAILED and damaged[0].error == DAMAGED_TEXT
    assert (damaged[0].provider, damaged[0].created_at) == (victim.provider, victim.created_at)
    others = [job.id for job in sent if job is not victim]
    assert all(job.state is JobState.SUCCEEDED for job in finish_all(service, sandbox, others))
    assert service.store.change(victim.id, lambda job: None) == (service.get(victim.id), False)
    assert stored(service.store, victim.id) == damaged_text
    restarted = make_service()
    assert [type(job) for job in restarted.history().jobs].count(DamagedJob) == 1
    assert restarted.refresh_due(download=False).due == 0
    assert restarted.remove(victim.id)
    assert restarted.history().total == 2
    assert not any(isinstance(job, DamagedJob) for job in restarted.history().jobs)


def test_a_damaged_row_leaves_the_work_queues_and_the_statistics(
    service: JobService, small_media: JobInputs
) -> None:
    """Due checks, running jobs and downloads skip it; ``damaged=False`` leaves it out."""
    job = service.submit("twinsync", "videotalking", small_media)
    corrupt(service.store, job.id, lambda data: "{not json")
    far = job.created_at.replace(year=job.created_at.year + 1)
    assert service.store.due(far) == [] and service.store.active() == []
    assert service.store.pending_downloads() == []
    assert service.store.list_jobs(damaged=False) == []
    assert [j.id for j in service.store.list_jobs()] == [job.id]


def test_a_state_column_no_version_knows_counts_as_failed(
    service: JobService, small_media: JobInputs
) -> None:
    """The counts read the state column; a value no version knows is counted as failed."""
    job = service.submit("twinsync", "videotalking", small_media)
    with service.store.engine.begin() as connection:
        connection.execute(jobs.update().where(jobs.c.id == job.id).values(state="exploded"))
    counts = service.history().counts
    assert counts[JobState.FAILED] == 1 and sum(counts.values()) == 1


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda j: j.reported_credits.update(generation=float("inf")), id="inf"),
        pytest.param(lambda j: j.reported_credits.update(generation=float("nan")), id="nan"),
        pytest.param(lambda j: setattr(j.inputs, "audio_duration", float("inf")), id="duration"),
        pytest.param(lambda j: setattr(j.options, "sound_volume", float("nan")), id="volume"),
        pytest.param(lambda j: setattr(j.inputs, "video_duration", -1.0), id="negative"),
    ],
)
def test_a_number_that_could_not_be_read_back_is_never_written(
    service: JobService, small_media: JobInputs, change: Callable[[Job], None]
) -> None:
    """Put into a job by a bug (or a negative one), it makes the save fail; the stored job
    stays readable."""
    job = service.submit("twinsync", "videotalking", small_media)
    before = stored(service.store, job.id)
    with pytest.raises(PydanticSerializationError, match="cannot be stored"):
        service.store.change(job.id, change)
    assert stored(service.store, job.id) == before
    assert not isinstance(service.get(job.id), DamagedJob)


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda: Cost(amount=float("inf"), unit=CostUnit.CREDITS), id="cost inf"),
        pytest.param(lambda: Cost(amount=-1.0, unit=CostUnit.CREDITS), id="cost negative"),
        pytest.param(lambda: JobInputs(video_duration=float("nan")), id="duration nan"),
        pytest.param(lambda: JobOptions(original_audio_volume=-1), id="volume negative"),
        pytest.param(
            lambda: Job(id="a", provider="ausynclab", model="nova", reported_credits={"g": -1}),
            id="credits negative",
        ),
    ],
)
def test_values_out_of_range_are_refused_when_a_model_is_built(build: Callable[[], object]) -> None:
    """Costs, credits, durations and volumes are checked where they are declared."""
    with pytest.raises(ValidationError):
        build()
