"""Submit in plain words, and the small things that cost trust: what each provider is, field names
on messages, unknown costs, ticks kept across pages, sample players, the uploaders' file types."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lipsync_core.flows.model import Cost, CostUnit, Job, JobInputs, JobState
from tests.views.conftest import open_at, read
from tests.views.test_submit import KLING, NOVA, PRIME, TWINSYNC, choose, texts, use_samples
from ui import keys
from ui.cards import cost_line

STATUS = "views/status_page.py"
SUBMIT = "views/submit_page.py"


def everything_read(at: AppTest) -> list[str]:
    """Every text a person reads on the page: sentences, headings, labels, options and "?"s."""
    found = [read(text) for text in texts(at)]
    found += [h.value for h in at.subheader] + [h.value for h in at.title]
    for kind in (at.radio, at.selectbox, at.checkbox, at.text_input, at.button):
        for widget in kind:
            found += [widget.label, widget.help or ""]
            found += [str(option) for option in getattr(widget, "options", [])]
    return found


def prime_direct(at: AppTest) -> AppTest:
    """Samples, Prime and Nova ticked, Prime sent without registering: every option shows."""
    choose(use_samples(at), PRIME, NOVA)
    at.radio(key=keys.SUBMIT_PRIME_ROUTE).set_value("direct").run()
    assert not at.exception
    return at


@pytest.mark.parametrize(
    ("word", "explained_by"),
    [
        ("Preflight", None),
        ("documented way", None),
        ("generate-lipsync-v2", "AusyncLab's generate-lipsync-v2 request"),
        ("sync mode", "AusyncLab calls this the sync mode"),
        ("videotalking", 'its API calls it "videotalking"'),
        ("PTC", "302.ai's prepaid credits"),
    ],
)
def test_jargon_on_submit_is_gone_or_explained(app, word, explained_by):
    """Each word a person tripped over is either not on the page or explained where it shows."""
    choose(prime_direct(app), KLING, TWINSYNC)
    assert not app.exception
    using = [text for text in everything_read(app) if word.lower() in text.lower()]
    if explained_by is None:
        assert using == []
    else:
        assert any(explained_by in text for text in using), using


@pytest.mark.parametrize(
    ("target", "says"),
    [
        (PRIME, ["AusyncLab's standard lip-sync model", "50 credits per second of audio",
                 "AusyncLab publishes no limits", "Sandbox: runs on this computer's emulator"]),
        (NOVA, ["AusyncLab's premium lip-sync model", "5,000 credits per second of audio"]),
        (KLING, ["through the 302.ai gateway", "0.077 PTC per job", "302.ai's prepaid credits",
                 "Video: .mp4 or .mov, at most 100 MB, 2–60 s long, 720p or 1080p, each side "
                 "512–2160 px. Audio: .mp3 or .wav or .m4a, at most 5 MB, 2–60 s long."]),
        (TWINSYNC, ["TwinSync's lip replacement service", "not published",
                    "TwinSync publishes no limits"]),
    ],
)  # fmt: skip
def test_each_provider_question_mark_says_what_it_is_its_price_and_limits(app, target, says):
    """A provider's "?" on Submit is more than "Sandbox": what, how much, which limits."""
    about = app.checkbox(key=keys.submit_target(*target)).help
    assert about != "Sandbox"
    for words in says:
        assert words in about


@pytest.mark.parametrize("kind", ["video", "audio"])
def test_a_link_whose_host_cannot_be_found_names_its_field(app, kind):
    """A link to a host that does not exist is refused after the name of its field."""
    use_samples(app)
    app.radio(key=keys.SUBMIT_MODE[kind]).set_value("A link").run()
    app.text_input(key=keys.SUBMIT_URL[kind]).input(f"https://no-such-host.invalid/{kind}").run()
    choose(app, TWINSYNC)
    assert not app.exception
    assert [read(e.value) for e in app.error] == [
        f"{kind.capitalize()} link: the host name no-such-host.invalid could not be found."
    ]


def test_an_upload_that_is_not_media_names_its_field(app):
    """An audio upload that is not sound is refused after "Audio file:"."""
    app.file_uploader(key=keys.SUBMIT_UPLOAD["audio"]).upload(
        "talk.wav", b"words " * 99, "audio/wav"
    )
    app.run()
    assert not app.exception
    assert read(app.error[0].value).startswith("Audio file: the file talk.wav ")


@pytest.mark.parametrize(
    ("cost", "line"),
    [
        (Cost(amount=None, unit=CostUnit.CURRENCY, estimated=True), "Cost: not known"),
        (Cost(amount=None, unit=CostUnit.UNKNOWN, estimated=True), "Cost: not known"),
        (Cost(amount=0.5, unit=CostUnit.CURRENCY, estimated=True, currency="USD"),
         "Estimated: about 0.50 USD (estimate)"),
    ],
)  # fmt: skip
def test_a_card_says_an_unknown_cost_is_not_known(cost, line):
    """A card's cost line never turns an unknown amount into a zero."""
    job = Job(id="j1", provider="twinsync", model="videotalking", inputs=JobInputs(),
              state=JobState.QUEUED, estimated_cost=cost)  # fmt: skip
    assert cost_line(job) == line


def test_a_cost_nobody_published_is_unknown_never_zero(app):
    """TwinSync alone, with no team price: its cost and the total say not known, never 0.00."""
    choose(use_samples(app), TWINSYNC)
    table = next(m.value for m in app.markdown if m.value.startswith("| Provider | Cost"))
    assert "| TwinSync | not published | not known |" in table
    assert "| **Total** | – | not known |" in table
    assert "0.00" not in " ".join(texts(app))


def test_provider_ticks_are_kept_when_coming_back_to_submit(app):
    """Ticks survive a visit to another page; the unticked stay unticked."""
    choose(app, KLING, TWINSYNC)
    open_at(app, STATUS)
    open_at(app, SUBMIT)
    assert not app.exception
    ticked = {t for t in (PRIME, NOVA, KLING, TWINSYNC)
              if app.checkbox(key=keys.submit_target(*t)).value}  # fmt: skip
    assert ticked == {KLING, TWINSYNC}
    app.checkbox(key=keys.submit_target(*KLING)).uncheck().run()
    open_at(app, STATUS)
    open_at(app, SUBMIT)
    assert app.checkbox(key=keys.submit_target(*KLING)).value is False
    assert app.checkbox(key=keys.submit_target(*TWINSYNC)).value is True


def test_each_sample_has_a_player(app):
    """After "Try the sample media", the sample video and the sample audio can be played."""
    assert (len(app.get("video")), len(app.get("audio"))) == (0, 0)
    use_samples(app)
    assert (len(app.get("video")), len(app.get("audio"))) == (1, 1)


@pytest.mark.parametrize(
    ("kind", "types"), [("video", [".mp4", ".mov"]), ("audio", [".mp3", ".wav", ".m4a"])]
)
def test_the_uploaders_take_the_types_the_providers_list(app, kind, types):
    """Each uploader offers only the file types a provider lists, and says so in its "?"."""
    uploader = app.file_uploader(key=keys.SUBMIT_UPLOAD[kind])
    aliases = {".mpeg4"}  # Streamlit adds it to .mp4 by itself
    assert [extension for extension in uploader.proto.type if extension not in aliases] == types
    assert uploader.proto.help.startswith(f"Takes {', '.join(types)}: the {kind} types Kling lists")
