"""The team on the pages (AppTest): sign-in before any page, who sent what and who did what,
"mine / everyone's", confirmations that say an action affects everyone, the activity list, and
the team's prices edited by two people at once.

``AppTest.user`` stands for the person signed in with ``st.login`` (the identity token's
claims); ``{"is_logged_in": False}`` is a dashboard with sign-in set up and nobody signed in.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from streamlit.testing.v1 import AppTest

from lipsync_core.flows.model import Job, JobInputs, JobState
from lipsync_core.team import Action
from tests.views.conftest import APP, APP_TIMEOUT, open_at, read, save_team_settings
from tests.views.test_compare import wait_until_final
from tests.views.test_library import client_of, registered
from tests.views.test_submit import SAMPLES, TWINSYNC, choose, jobs_of, send, use_samples
from ui import keys
from ui.runtime import Runtime
from ui.status.filters import MINE

ANA = {"is_logged_in": True, "email": "ana@example.com", "name": "Ana Lima", "sub": "a1"}
BAO = {"is_logged_in": True, "email": "bao@example.com", "name": "Bao Tran", "sub": "b2"}
SIGNED_OUT = {"is_logged_in": False}
STATUS, COMPARE, LIBRARY = "views/status_page.py", "views/compare_page.py", "views/library_page.py"
PAGES = [STATUS, COMPARE, LIBRARY]
SAMPLE_VIDEO, SAMPLE_AUDIO = SAMPLES / "face.mp4", SAMPLES / "speech.wav"


def open_as(user: dict[str, object] | None, page: str | None = None, **context: str) -> AppTest:
    """The app for one browser session of ``user`` (``None``: a dashboard without sign-in),
    opened on its first page, then on ``page`` through the navigation."""
    at = AppTest.from_file(APP, default_timeout=APP_TIMEOUT)
    if user is not None:
        at.user = dict(user)
    if context:
        at.context = context
    at.run()
    if page is not None:
        open_at(at, page)
    assert not at.exception
    return at


def sidebar_texts(at: AppTest) -> list[str]:
    kinds = (at.sidebar.markdown, at.sidebar.caption, at.sidebar.warning)
    return [read(element.value) for kind in kinds for element in kind]


def captions(at: AppTest) -> list[str]:
    return [read(c.value) for c in at.main.caption]


def send_as(runtime: Runtime, person: dict[str, object] | None, title: str) -> Job:
    """A TwinSync job sent through the service as the pages send it for ``person``."""
    inputs = JobInputs(video_path=str(SAMPLE_VIDEO), audio_path=str(SAMPLE_AUDIO))
    actor = str(person["email"]) if person else None
    return runtime.service.submit(*TWINSYNC, inputs, title=title, actor=actor)


# -- sign-in --------------------------------------------------------------------------------------


def assert_sign_in_screen(at: AppTest) -> None:
    assert [t.value for t in at.title] == ["🎬 Lipsync Dashboard"]
    assert [s.value for s in at.subheader] == ["Sign in to continue"]
    assert [b.label for b in at.button] == ["Sign in"]
    assert "Connections" not in [s.value for s in at.sidebar.subheader]


@pytest.mark.parametrize("page", [None, *PAGES])
def test_with_sign_in_nobody_signed_in_sees_only_the_sign_in_screen(runtime, page):
    """Sign-in set up and nobody signed in: every page is the sign-in screen, and nothing of the
    page, its sidebar or the history is drawn."""
    send_as(runtime, BAO, "Someone else's")
    at = open_as(ANA, page)
    at.user = dict(SIGNED_OUT)
    at.run()
    assert not at.exception
    assert_sign_in_screen(at)
    assert not any("Someone else" in m.value for m in at.markdown)


@pytest.mark.parametrize("page", PAGES)
def test_a_page_file_run_alone_still_shows_only_the_sign_in_screen(runtime, page):
    """A page file run on its own (``streamlit run views/status_page.py``, not through app.py):
    the page's own guard shows the sign-in screen and nothing else."""
    send_as(runtime, BAO, "Someone else's")
    at = AppTest.from_file(str(Path(APP).parent / page), default_timeout=APP_TIMEOUT)
    at.user = dict(SIGNED_OUT)
    at.run()
    assert not at.exception
    assert_sign_in_screen(at)
    assert not any("Someone else" in m.value for m in at.markdown)


def test_the_sign_in_screen_offers_each_named_provider(runtime):
    """With ``[auth.google]`` and ``[auth.microsoft]``, one button per way to sign in."""
    at = AppTest.from_file(APP, default_timeout=APP_TIMEOUT)
    at.user = dict(SIGNED_OUT)
    provider = {"client_id": "x", "client_secret": "y", "server_metadata_url": "https://e/x"}
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "z" * 32,
        "google": provider,
        "microsoft": provider,
    }
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in with Google", "Sign in with Microsoft"]


def test_a_sign_in_set_up_incompletely_is_a_plain_sentence(runtime):
    """Sign in pressed while the secrets lack what st.login needs: a sentence, no traceback."""
    at = open_as(SIGNED_OUT)
    at.button(key=f"{keys.SIGN_IN}_default").click().run()
    assert not at.exception
    (error,) = at.error
    assert read(error.value).startswith(
        "Sign-in is set up incompletely in this dashboard's secrets, so nobody can sign in yet:"
    )
    assert "Traceback" not in error.value


def test_a_signed_in_person_sees_their_name_and_signs_out(runtime):
    """The sidebar says who is signed in; Sign out ends it and the sign-in screen comes back."""
    at = open_as(ANA)
    assert "Signed in as **Ana Lima**" in [m.value for m in at.sidebar.markdown]
    assert "Connections" in [s.value for s in at.sidebar.subheader]
    at.button(key=keys.SIGN_OUT).click().run()
    assert at.user == SIGNED_OUT
    at.run()
    assert not at.exception
    assert_sign_in_screen(at)


def test_a_name_from_the_identity_provider_is_plain_text(runtime):
    """A display name with Markdown in it reads as typed: no link, no emphasis, no picture."""
    at = open_as({**ANA, "name": "**Boss** ![x](https://evil.example/p.png)"})
    (line,) = [m.value for m in at.sidebar.markdown if m.value.startswith("Signed in as")]
    assert line.startswith("Signed in as **\\*\\*Boss\\*\\* \\!\\[x\\](https:")
    assert read(line) == "Signed in as ****Boss** ![x](https://evil.example/p.png)**"


@pytest.mark.parametrize(
    ("share", "words"),
    [
        ("no", "🔒 This computer only: the dashboard has no sign-in."),
        ("yes", "Shared without sign-in: anyone who can reach this dashboard can use it."),
        ("maybe", "LIPSYNC_SHARE_WITHOUT_SIGN_IN is 'maybe'; use yes (serve other computers"),
    ],
    ids=["no", "yes", "wrong-value"],
)
def test_without_sign_in_the_sidebar_says_whom_the_dashboard_serves(
    runtime, monkeypatch, share, words
):
    """No sign-in: the sidebar says it serves this computer only (and how to share it), or that
    it is shared on purpose without sign-in."""
    monkeypatch.setenv("LIPSYNC_SHARE_WITHOUT_SIGN_IN", share)
    at = open_as(None)
    assert any(text.startswith(words) for text in sidebar_texts(at))
    assert not any(text.startswith("Signed in as") for text in sidebar_texts(at))


# -- who sent what --------------------------------------------------------------------------------


def test_a_job_sent_from_the_submit_page_is_the_senders(runtime):
    """Sending from the Submit page records the signed-in person; their card says "you", a
    teammate's says their e-mail address."""
    at = open_as(ANA)
    send(choose(use_samples(at), TWINSYNC))
    assert not at.exception
    (job,) = jobs_of(runtime)
    assert job.sent_by == "ana@example.com"
    assert "Sent by you" in captions(open_at(at, STATUS))
    assert "Sent by ana@example.com" in captions(open_as(BAO, STATUS))


def test_without_sign_in_cards_name_nobody_and_there_is_no_mine(runtime):
    """No sign-in: jobs record nobody, cards say nothing of a sender, no "mine" filter."""
    send_as(runtime, None, "Anonymous")
    at = open_as(None, STATUS)
    assert not [c for c in captions(at) if c.startswith("Sent by")]
    assert keys.STATUS_WHOSE not in [s.key for s in at.get("button_group")]


def test_mine_shows_only_the_jobs_i_sent(runtime):
    """Everyone's by default; Mine narrows the cards (and their count) to the person's."""
    for n in range(2):
        send_as(runtime, ANA, f"ana {n}")
    send_as(runtime, BAO, "bao 0")
    at = open_as(ANA, STATUS)
    titles = [m.value for m in at.markdown if m.value.startswith("**TwinSync**")]
    assert len(titles) == 3
    at.get("button_group")[0].set_value(MINE).run()
    assert not at.exception
    titles = [m.value for m in at.markdown if m.value.startswith("**TwinSync**")]
    assert titles == ["**TwinSync** · ana 1", "**TwinSync** · ana 0"]
    assert at.caption[0].value.startswith("2 jobs")


# -- actions that affect everyone -----------------------------------------------------------------


def test_removing_says_it_is_for_everyone_and_the_activity_says_who(runtime):
    """Removing a teammate's job: the dialog says it goes for the whole team and whose it was;
    once removed, the activity list says who removed it."""
    job = send_as(runtime, BAO, "Bao's take")
    at = open_as(ANA, STATUS)
    at.button(key=keys.card_action(job.id, "remove")).click().run()
    dialog_words = " ".join(read(m.value) for m in at.markdown)
    assert "removed from the history for the whole team: nobody will see it any more" in (
        dialog_words
    )
    assert "Sent by bao@example.com." in [read(c.value) for c in at.caption]
    at.button(key=keys.STATUS_REMOVE_YES).click().run()
    assert not at.exception
    assert runtime.service.get(job.id) is None
    (removed, _sent) = runtime.service.team.recent()
    assert (removed.action, removed.actor) == (Action.REMOVED, "ana@example.com")
    lines = [read(m.value) for m in at.sidebar.markdown if "removed" in m.value]
    assert len(lines) == 1
    assert "· **you** removed a TwinSync job from the history · “Bao's take”" in lines[0]
    assert "· **bao@example.com** sent a job to TwinSync · “Bao's take”" in lines[0]


def test_the_activity_list_is_in_the_viewers_time_zone(runtime):
    """The same action at the same moment reads in each viewer's own time."""
    send_as(runtime, BAO, "Zones")
    (sent,) = runtime.service.team.recent()
    for zone in ("Asia/Ho_Chi_Minh", "America/New_York"):
        at = open_as(ANA, timezone=zone)
        expected = sent.at.astimezone(ZoneInfo(zone)).strftime("%d %b %Y %H:%M")
        (line,) = [read(m.value) for m in at.sidebar.markdown if "sent a job" in m.value]
        assert line.startswith(f"- {expected} · **bao@example.com** sent a job to TwinSync")


def test_deleting_a_library_video_says_it_is_for_everyone_and_records_who(
    runtime, sample_video_path
):
    """The library's delete dialog says the shared account loses the video for everyone; the
    activity list keeps who deleted which video."""
    video_id = registered(runtime, sample_video_path, "Team intro")
    at = open_as(BAO, LIBRARY)
    at.button(key=f"{keys.LIBRARY_DELETE_BUTTON}_registered").click().run()
    words = " ".join(read(m.value) for m in at.markdown)
    assert "will be deleted at AusyncLab, for everyone on the team" in words
    at.button(key=keys.LIBRARY_CONFIRM_BUTTON).click().run()
    assert not at.exception
    assert video_id not in [v.id for v in client_of(runtime).list_registered_videos()]
    (deleted,) = runtime.service.team.recent()
    assert (deleted.action, deleted.actor, deleted.details["id"]) == (
        Action.LIBRARY_DELETED,
        "bao@example.com",
        video_id,
    )


def test_registering_a_library_video_records_who(runtime, sample_video_path):
    """A video registered from the library page is in the activity list under its name."""
    at = open_as(ANA, LIBRARY)
    at.text_input(key=keys.LIBRARY_NEW_URL).input(sample_video_path.as_uri())
    at.text_input(key=keys.LIBRARY_NEW_NAME).input("Team intro")
    at.button(key=keys.LIBRARY_NEW_SUBMIT).click().run()
    assert not at.exception
    (video,) = client_of(runtime).list_registered_videos()
    (registered_row,) = runtime.service.team.recent()
    assert (registered_row.action, registered_row.actor, registered_row.details) == (
        Action.LIBRARY_REGISTERED,
        "ana@example.com",
        {"id": video.id, "name": "Team intro"},
    )


def test_a_favourite_records_who_chose_it(runtime, sample_video_path, sample_audio_path):
    """Marking a comparison's favourite on Compare records the person, and the page says so."""
    inputs = JobInputs(video_path=str(sample_video_path), audio_path=str(sample_audio_path))
    jobs = runtime.service.submit_group(
        [TWINSYNC, ("ausynclab", "prime")], inputs, actor="bao@example.com"
    )
    done = [j for j in wait_until_final(runtime, jobs) if j.state is JobState.SUCCEEDED]
    at = open_as(ANA, COMPARE)
    at.button(key=f"{keys.COMPARE_FAVOURITE}_{done[0].id}").click().run()
    assert not at.exception
    group, _ = runtime.service.group(done[0].group_id or "")
    assert group is not None and group.favourite_by == "ana@example.com"
    line = next(c for c in captions(at) if c.startswith("Sent by bao@example.com"))
    assert "favourite chosen by you on " in line


# -- the team's prices ----------------------------------------------------------------------------


def test_saving_the_prices_asks_first_and_says_it_is_for_everyone(runtime):
    """Save opens a dialog saying the change applies to everyone and listing it; Cancel keeps
    the team's values; confirming saves them with who and when."""
    at = open_as(ANA, COMPARE)
    at.text_input(key=keys.COMPARE_CURRENCY).input("EUR")
    at.button(key=keys.COMPARE_SETTINGS_SAVE).click().run()
    words = [read(m.value) for m in at.markdown]
    assert any("saving them changes them for everyone" in w for w in words)
    assert "- Currency: USD → EUR" in words
    at.button(key=keys.SETTINGS_NO).click().run()
    assert runtime.service.team.settings().version == 0
    save_team_settings(at, keys.COMPARE_SETTINGS_SAVE, {keys.COMPARE_CURRENCY: "EUR"})
    saved = runtime.service.team.settings()
    assert (saved.values.currency, saved.version, saved.updated_by) == (
        "EUR",
        1,
        "ana@example.com",
    )
    assert "Saved: the whole team now uses these prices and limits." in [
        s.value for s in at.success
    ]
    assert any(c.startswith("👥 The team's values, last changed by you on ") for c in captions(at))
    bao = open_as(BAO, COMPARE)
    assert any(
        c.startswith("👥 The team's values, last changed by ana@example.com on ")
        for c in captions(bao)
    )
    assert bao.text_input(key=keys.COMPARE_CURRENCY).value == "EUR"


def test_two_people_saving_at_once_never_lose_one_silently(runtime):
    """Ana and Bao edit the same prices; Ana saves first. Bao's save is refused in words that
    say who changed them and list Bao's values; Bao's editor shows Ana's; Bao can then save."""
    ana, bao = open_as(ANA, COMPARE), open_as(BAO, COMPARE)
    save_team_settings(ana, keys.COMPARE_SETTINGS_SAVE, {keys.COMPARE_CREDIT_RATE: 0.002})
    save_team_settings(bao, keys.COMPARE_SETTINGS_SAVE, {keys.COMPARE_CREDIT_RATE: 0.003})
    (warning,) = bao.warning
    assert read(warning.value) == (
        "ana@example.com changed the team's prices and limits meanwhile, so yours were not "
        "saved. Their values are shown now: check them, and save again if yours should win. "
        "Yours were: Price of 1 AusyncLab credit: 0.002 → 0.003."
    )
    assert runtime.service.team.settings().values.ausynclab_credit == 0.002
    assert bao.number_input(key=keys.COMPARE_CREDIT_RATE).value == 0.002
    save_team_settings(bao, keys.COMPARE_SETTINGS_SAVE, {keys.COMPARE_CREDIT_RATE: 0.003})
    saved = runtime.service.team.settings()
    assert (saved.values.ausynclab_credit, saved.version, saved.updated_by) == (
        0.003,
        2,
        "bao@example.com",
    )


def test_an_untouched_editor_shows_what_a_teammate_saved(runtime):
    """Bao has the page open and changed nothing; after Ana saves, Bao's next run shows Ana's
    values and Bao's costs use them."""
    bao = open_as(BAO, COMPARE)
    ana = open_as(ANA, COMPARE)
    save_team_settings(ana, keys.COMPARE_SETTINGS_SAVE, {keys.COMPARE_PTC_RATE: 0.5})
    bao.run()
    assert not bao.exception and not bao.warning
    assert bao.number_input(key=keys.COMPARE_PTC_RATE).value == 0.5


def test_the_submit_page_costs_use_the_team_limits(runtime):
    """A limit Ana saves on Submit is Bao's limit: his Kling send asks first."""
    ana = choose(use_samples(open_as(ANA)), TWINSYNC)
    save_team_settings(ana, keys.SUBMIT_SETTINGS_SAVE, {keys.SUBMIT_THRESHOLD: 0.01})
    bao = choose(use_samples(open_as(BAO)), ("kling", "advanced-lip-sync"))
    send(bao)
    assert not bao.exception
    assert "The total, USD 0.08, is above the team's limit of USD 0.01." in [
        w.value for w in bao.warning
    ]
    assert jobs_of(runtime) == []
