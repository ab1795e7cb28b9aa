"""The status page: cards by comparison group, results playing from the local copy, toasts,
filters, pages, "submit again" and "remove from history" (asked first)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from lipsync_core.flows.model import Job, JobState, utc_now
from tests.views.conftest import open_at
from tests.views.test_submit import (
    KLING,
    NOVA,
    PRIME,
    TWINSYNC,
    choose,
    creates,
    finish,
    jobs_of,
    send,
    sent,
    texts,
    use_samples,
)
from ui import keys
from ui.runtime import Runtime

STATUS = "views/status_page.py"
DONE = ":green-badge[:material/check_circle: Done]"
FAILED = ":red-badge[:material/error: Failed]"


def status(at: AppTest) -> AppTest:
    return open_at(at, STATUS)


def card_titles(at: AppTest) -> list[str]:
    """The provider line of every card, in page order."""
    return [
        m.value for m in at.markdown if m.value.startswith("**") and "Comparison" not in m.value
    ]


def seed(runtime: Runtime, rows: list[tuple[str, str, JobState, datetime]]) -> list[Job]:
    """Finished-looking jobs written straight into the history (nothing to poll)."""
    jobs = [
        Job(
            id=uuid.uuid4().hex,
            provider=provider,
            model=model,
            title=f"clip {index}",
            state=state,
            stage=None,
            created_at=created,
            updated_at=created,
            finished_at=created + timedelta(minutes=2),
            error="TwinSync could not make this video." if state is JobState.FAILED else None,
            sandbox=True,
        )
        for index, (provider, model, state, created) in enumerate(rows)
    ]
    runtime.service.store.insert_many(jobs)
    return jobs


def test_an_empty_history_points_to_the_submit_page(app):
    """With no job yet, the page says where to start."""
    status(app)
    assert not app.exception
    assert [i.value for i in app.main.info] == [
        "No jobs yet: send a video and an audio from the Submit page."
    ]


def test_a_finished_comparison_plays_each_result_from_the_local_copy(app, runtime):
    """Two finished jobs of one group: badges, the videos from data/outputs, downloads, costs."""
    sent(app, PRIME, TWINSYNC)
    jobs = finish(runtime, jobs_of(runtime))
    runtime.sandbox.reset()  # the provider forgets everything: the local copies still play
    status(app)
    assert not app.exception
    assert any(t.startswith("**Comparison**: the same video and audio") for t in texts(app))
    assert texts(app).count(DONE) == 2
    assert sorted(card_titles(app)) == ["**AusyncLab Prime**", "**TwinSync**"]
    videos = app.get("video")
    assert len(videos) == 2 and all(
        "/media/" in v.proto.url and not v.proto.url.startswith("http") for v in videos
    )
    assert len(app.get("download_button")) == 2
    prime = next(j for j in jobs if j.provider == "ausynclab")
    assert prime.output_path and prime.output_path.startswith(str(runtime.settings.data_dir))
    assert any(
        t.startswith("Used: ") or t.startswith("Estimated: about 250 credits") for t in texts(app)
    )
    assert "2 jobs · 2 done · updating by itself" in texts(app)


def test_a_toast_says_when_a_job_seen_working_finishes(app, runtime):
    """The page remembers the jobs it showed working and toasts each one that finished."""
    sent(app, TWINSYNC)
    status(app)
    assert "1 job · 1 queued · updating by itself" in texts(app) or (
        "1 job · 1 running · updating by itself" in texts(app)
    )
    assert len(app.toast) == 0
    finish(runtime, jobs_of(runtime))
    app.run()
    assert not app.exception
    assert [t.value for t in app.toast] == ["TwinSync: done"]
    app.run()
    assert len(app.toast) == 0


def test_a_kling_card_waiting_for_a_face_offers_the_choice(app, runtime):
    """A Kling job waiting for its face shows the choice on its card; choosing creates the task
    (its one face is used at once unless the Submit form's tick is off)."""
    choose(use_samples(app), KLING).checkbox(key=keys.SUBMIT_KLING_AUTO).uncheck().run()
    send(app)
    (job,) = jobs_of(runtime)
    status(app)
    assert ":orange-badge[:material/face: Choose a face]" in texts(app)
    app.button(key=keys.face_choice(job.id, "send")).click().run()
    assert not app.exception
    assert runtime.service.get(job.id).provider_job_id is not None
    assert creates(runtime, "kling")[-1] == "/kling/klingai/v1/videos/advanced-lip-sync"


@pytest.fixture
def history(runtime: Runtime) -> list[Job]:
    """Six jobs over three days: every provider, done and failed."""
    now = utc_now()
    return seed(
        runtime,
        [
            ("ausynclab", "prime", JobState.SUCCEEDED, now - timedelta(days=3, hours=1)),
            ("twinsync", "videotalking", JobState.FAILED, now - timedelta(days=3)),
            ("kling", "advanced-lip-sync", JobState.SUCCEEDED, now - timedelta(days=1)),
            ("twinsync", "videotalking", JobState.SUCCEEDED, now - timedelta(hours=2)),
            ("ausynclab", "nova", JobState.FAILED, now - timedelta(hours=1)),
            ("kling", "advanced-lip-sync", JobState.FAILED, now - timedelta(minutes=5)),
        ],
    )


def test_cards_are_newest_first(app, history):
    """Without filters every job has a card, the newest first."""
    status(app)
    assert card_titles(app) == [
        "**Kling** · clip 5", "**AusyncLab Nova** · clip 4", "**TwinSync** · clip 3",
        "**Kling** · clip 2", "**TwinSync** · clip 1", "**AusyncLab Prime** · clip 0",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("widget", "value", "titles"),
    [
        (keys.STATUS_PROVIDERS, ["twinsync"], ["**TwinSync** · clip 3", "**TwinSync** · clip 1"]),
        (
            keys.STATUS_STATES,
            ["failed"],
            ["**Kling** · clip 5", "**AusyncLab Nova** · clip 4", "**TwinSync** · clip 1"],
        ),
    ],
)
def test_filters_narrow_the_cards(app, history, widget, value, titles):
    """A provider or state filter leaves only the matching cards."""
    status(app)
    app.multiselect(key=widget).set_value(value).run()
    assert not app.exception
    assert card_titles(app) == titles


def test_a_date_range_keeps_whole_days(app, history):
    """From and until are whole days: until two days ago shows only the oldest two jobs."""
    status(app)
    until = (utc_now() - timedelta(days=2)).date()
    app.date_input(key=keys.STATUS_UNTIL).set_value(until).run()
    assert card_titles(app) == ["**TwinSync** · clip 1", "**AusyncLab Prime** · clip 0"]
    app.date_input(key=keys.STATUS_SINCE).set_value(date.today() + timedelta(days=1)).run()
    assert not app.exception
    assert [i.value for i in app.main.info] == ["No job matches these filters."]


def test_a_long_history_is_paged(app, runtime):
    """23 jobs at 10 a page make three pages; the third holds the three oldest."""
    now = utc_now()
    seed(runtime, [("twinsync", "videotalking", JobState.SUCCEEDED, now - timedelta(minutes=i))
                   for i in range(23)])  # fmt: skip
    status(app)
    assert len(card_titles(app)) == 10
    pagination = app.get("pagination")[0]
    assert pagination.num_pages == 3
    pagination.set_value(3).run()
    assert not app.exception
    assert card_titles(app) == [f"**TwinSync** · clip {i}" for i in (20, 21, 22)]


def test_submit_again_shows_the_cost_first_and_makes_one_new_job_however_often(app, runtime):
    """Submit again on a finished card first shows its cost and asks; confirmed twice, it makes
    one new job, outside the old comparison group."""
    sent(app, TWINSYNC)
    (old,) = finish(runtime, jobs_of(runtime))
    status(app)
    for before in (1, 2):
        app.button(key=keys.card_action(old.id, "again")).click().run()
        assert not app.exception
        assert len(jobs_of(runtime)) == before, "nothing is sent before the cost is confirmed"
        shown = [t.value for t in app.text]
        assert any(
            t.startswith(
                "Send this TwinSync job again, as a new job of its own? Its cost is not "
                "known: TwinSync publishes no prices"
            )
            for t in shown
        ), shown
        app.button(key=keys.SPEND_YES).click().run()
        assert not app.exception
    assert [s.value for s in app.success] == [
        "Sent 1 new job to TwinSync, on its own: the comparison it came from is unchanged. "
        "Its card is the newest."
    ]
    jobs = jobs_of(runtime)
    assert len(jobs) == 2 and jobs[0].id != old.id and jobs[0].inputs == old.inputs
    assert jobs[0].group_id is None
    assert creates(runtime, "twinsync") == ["/twinsync/videotalking"] * 2


def test_submit_again_on_nova_says_the_credits_and_cancel_sends_nothing(app, runtime):
    """A 25,000-credit Nova card: Submit again says the credits and why it asks; Cancel keeps
    everything as it was."""
    send(choose(use_samples(app), NOVA))
    app.button(key=keys.SPEND_YES).click().run()
    (old,) = finish(runtime, jobs_of(runtime))
    status(app)
    app.button(key=keys.card_action(old.id, "again")).click().run()
    assert not app.exception
    assert any("credits" in t.value for t in app.text)
    assert any("AusyncLab credits, above the team's limit" in w.value for w in app.warning)
    app.button(key=keys.SPEND_NO).click().run()
    assert not app.exception
    assert keys.SPEND_ASKING not in app.session_state
    assert len(jobs_of(runtime)) == 1
    assert creates(runtime, "ausynclab") == ["/ausynclab/api/v1/lipsync/generate-lipsync-v2"]


def test_remove_asks_first_and_keep_it_keeps_the_job(app, history):
    """Remove opens a question first; "Keep it" closes it and the card stays."""
    status(app)
    newest = history[-1]
    app.button(key=keys.card_action(newest.id, "remove")).click().run()
    assert app.session_state[keys.STATUS_REMOVING] == newest.id
    assert app.button(key=keys.STATUS_REMOVE_YES).label == "Remove for everyone"
    app.button(key=keys.STATUS_REMOVE_NO).click().run()
    assert not app.exception
    assert keys.STATUS_REMOVING not in app.session_state
    assert len(card_titles(app)) == 6


def test_remove_confirmed_takes_the_job_out_of_the_history(app, runtime, history):
    """Confirming the removal deletes the job and says so."""
    status(app)
    newest = history[-1]
    app.button(key=keys.card_action(newest.id, "remove")).click().run()
    app.button(key=keys.STATUS_REMOVE_YES).click().run()
    assert not app.exception
    assert runtime.service.get(newest.id) is None
    assert [s.value for s in app.success] == [
        "The Kling job was removed from the history, for everyone."
    ]
    assert "**Kling** · clip 5" not in card_titles(app)
