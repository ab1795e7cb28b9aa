"""The status and compare pages with a history row that cannot be read: one damaged card that
says so and can be removed; every other card, the counts and the statistics still work."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from lipsync_core.flows.model import JobState, utc_now
from lipsync_core.schema import jobs
from lipsync_core.store import DAMAGED_TEXT
from tests.views.conftest import open_at
from tests.views.test_status import card_titles, seed, status
from ui import keys
from ui.runtime import Runtime

COMPARE = "views/compare_page.py"


def damage(runtime: Runtime, job_id: str, data: str) -> None:
    with runtime.service.store.engine.begin() as connection:
        connection.execute(jobs.update().where(jobs.c.id == job_id).values(data=data))


def three_jobs_one_damaged(runtime: Runtime) -> list:
    now = utc_now()
    seeded = seed(
        runtime,
        [
            ("twinsync", "videotalking", JobState.SUCCEEDED, now - timedelta(hours=3)),
            ("ausynclab", "nova", JobState.SUCCEEDED, now - timedelta(hours=2)),
            ("kling", "advanced-lip-sync", JobState.FAILED, now - timedelta(hours=1)),
        ],
    )
    # What today's forged callback with credits_used 1e999 leaves in the history.
    data = (
        seeded[1]
        .model_dump_json()
        .replace('"reported_credits":{}', '"reported_credits":{"generation":null}')
    )
    damage(runtime, seeded[1].id, data)
    return seeded


def test_a_damaged_record_is_one_card_that_says_so_and_the_others_show(app, runtime):
    """The damaged job has its own card with the plain sentence and no "Submit again"; the
    other two jobs' cards and the summary are as usual."""
    seeded = three_jobs_one_damaged(runtime)
    status(app)
    assert not app.exception
    assert card_titles(app) == ["**Kling** · clip 2", "**AusyncLab Nova**", "**TwinSync** · clip 0"]
    assert [e.value for e in app.error] == ["TwinSync could not make this video.", DAMAGED_TEXT]
    assert any("Damaged record" in m.value for m in app.markdown)
    damaged = seeded[1]
    assert not app.button(key=keys.card_action(seeded[0].id, "again")).disabled
    assert keys.card_action(damaged.id, "again") not in [b.key for b in app.button]
    assert app.caption[0].value.startswith("3 jobs")


def test_a_damaged_record_can_be_removed(app, runtime):
    """Remove, confirmed, deletes the damaged row; the page then shows the two others."""
    damaged = three_jobs_one_damaged(runtime)[1]
    status(app)
    app.button(key=keys.card_action(damaged.id, "remove")).click().run()
    app.button(key=keys.STATUS_REMOVE_YES).click().run()
    assert not app.exception
    assert [s.value for s in app.success] == [
        "The AusyncLab Nova job was removed from the history, for everyone."
    ]
    assert card_titles(app) == ["**Kling** · clip 2", "**TwinSync** · clip 0"]
    with runtime.service.store.engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(jobs)).scalar() == 2


def test_the_compare_page_leaves_a_damaged_record_out_of_its_statistics(app, runtime):
    """Statistics count the jobs that can be read; the damaged one is not a failure there."""
    three_jobs_one_damaged(runtime)
    open_at(app, COMPARE)
    assert not app.exception
