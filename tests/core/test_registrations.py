"""Prime jobs reuse a registration of their video already in the AusyncLab account (one the
library page made, say) instead of registering the same video again; against the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from lipsync_core.flows.registrations import ON_ITS_WAY, registration_for
from lipsync_core.jobs import JobInputs, JobService, JobState
from lipsync_core.providers.ausynclab import AusyncLabClient, AusyncLabState
from lipsync_core.sandbox import SandboxServer
from tests.core.test_jobs import creates, run_until_final

REGISTER = "/ausynclab/api/v1/lipsync/register-video"


def library_registration(sandbox: SandboxServer, video: str, state: AusyncLabState) -> int:
    """A registration made outside the job history (as the library page makes them), left in
    ``state``."""
    if state is AusyncLabState.FAILED:
        sandbox.add_fault("ausynclab", "POST", r"/register-video$", "fail_job")
    client = AusyncLabClient("sandbox", sandbox.base_urls["ausynclab"])
    video_id = client.register_video(Path(video).as_uri(), name="from the library")
    if state is not AusyncLabState.PENDING:
        assert sandbox.wait_idle(timeout=60)
        sandbox.clock.advance(5)
    assert client.get_registered_video(video_id).state is state
    return video_id


@pytest.mark.parametrize(
    ("state", "reused"),
    [
        (AusyncLabState.COMPLETED, True),
        (AusyncLabState.FAILED, False),
        (AusyncLabState.PENDING, False),
    ],
)
def test_a_prime_job_takes_the_accounts_completed_registration_of_its_video(
    service: JobService,
    sandbox: SandboxServer,
    small_media: JobInputs,
    state: AusyncLabState,
    reused: bool,
) -> None:
    """Only a COMPLETED registration of the same video is reused; otherwise the job registers."""
    assert small_media.video_path is not None
    made = library_registration(sandbox, small_media.video_path, state)
    job = service.submit("ausynclab", "prime", small_media)
    assert job.options.registration_reused is reused
    assert (job.registered_video_id == made) is reused
    (done,) = run_until_final(service, sandbox, [job])
    assert done.state is JobState.SUCCEEDED, done.error
    assert creates(sandbox, "ausynclab").count(REGISTER) == (1 if reused else 2)


def test_another_video_is_registered_anew(
    service: JobService, sandbox: SandboxServer, small_media: JobInputs, small_clip: Path
) -> None:
    """A COMPLETED registration of another video is not taken for this one."""
    library_registration(sandbox, str(small_clip), AusyncLabState.COMPLETED)
    job = service.submit("ausynclab", "prime", small_media)
    assert not job.options.registration_reused
    assert creates(sandbox, "ausynclab").count(REGISTER) == 2


@pytest.mark.parametrize(
    ("state", "found"),
    [
        (AusyncLabState.PENDING, True),
        (AusyncLabState.COMPLETED, True),
        (AusyncLabState.FAILED, False),
    ],
)
def test_the_library_finds_a_registration_ready_or_on_its_way(
    sandbox: SandboxServer, small_clip: Path, state: AusyncLabState, found: bool
) -> None:
    """For the library's own Register, a registration still working counts too; a failed one
    does not (registering again is then the way)."""
    made = library_registration(sandbox, str(small_clip), state)
    client = AusyncLabClient("sandbox", sandbox.base_urls["ausynclab"])
    hit = registration_for(client, small_clip.as_uri(), ON_ITS_WAY)
    assert (hit.id if hit else None) == (made if found else None)
