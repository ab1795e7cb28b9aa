"""Job states follow the declared transition table on the sandbox clock, gated by the render."""

from __future__ import annotations

import pytest

from lipsync_core.sandbox.ausynclab import TABLE as AUSYNCLAB
from lipsync_core.sandbox.kling import TABLE as KLING
from lipsync_core.sandbox.state import Clock, Job
from lipsync_core.sandbox.twinsync import TABLE as TWINSYNC


def job(finished_at: float | None = None, error: str | None = None) -> Job:
    return Job(created_at=1000.0, seconds=4.0, finished_at=finished_at, error=error)


@pytest.mark.parametrize(
    ("elapsed", "finished_at", "error", "state"),
    [
        (0.0, None, None, "PENDING"),
        (0.99, 1000.5, None, "PENDING"),
        (1.0, None, None, "PROCESSING"),
        (3.99, 1000.5, None, "PROCESSING"),
        (4.0, 1000.5, None, "COMPLETED"),
        (4.0, None, None, "PROCESSING"),  # the render is not done: no success yet
        (400.0, None, None, "PROCESSING"),
        (4.0, 1000.5, "bad input", "FAILED"),
        (2.0, 1000.5, "bad input", "PROCESSING"),  # failures show at the final step too
    ],
)
def test_ausynclab_states_at_each_moment(
    elapsed: float, finished_at: float | None, error: str | None, state: str
) -> None:
    """PENDING, PROCESSING from a quarter of the time, then COMPLETED or FAILED."""
    assert AUSYNCLAB.state(job(finished_at, error), 1000.0 + elapsed) == state


@pytest.mark.parametrize(
    ("table", "states"),
    [
        (KLING, ["submitted", "processing", "succeed", "failed"]),
        (TWINSYNC, ["waiting", "running", "success", "failed"]),
    ],
)
def test_each_provider_declares_its_own_states(table, states: list[str]) -> None:
    """Kling and TwinSync walk their own vocabularies."""
    moments = [(0.0, None), (1.0, None), (4.0, None), (4.0, "render failed")]
    seen = [table.state(job(1000.1, error), 1000.0 + at) for at, error in moments]
    assert seen == states


def test_a_job_changes_state_when_the_step_or_the_render_ends() -> None:
    """changed_at is the step's time, or the render's end when that came later."""
    assert KLING.changed_at(job(1000.1), 1001.5) == 1001.0
    assert KLING.changed_at(job(1000.1), 1010.0) == 1004.0
    assert KLING.changed_at(job(1009.0), 1010.0) == 1009.0


def test_the_clock_advances_and_tells_its_listeners() -> None:
    """advance() moves now() forward and wakes whoever listens."""
    clock = Clock()
    woken: list[bool] = []
    clock.on_advance(lambda: woken.append(True))
    before = clock.now()
    clock.advance(3600)
    assert clock.now() - before >= 3600 and woken == [True]
