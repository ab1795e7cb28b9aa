"""A 5 s video with 10 min of audio: before anything is sent, Submit says what each chosen
provider and each AusyncLab sync mode will do with it; media of matching length get no warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.conftest import write_audio
from tests.views.test_submit import (
    KLING,
    NOVA,
    PRIME,
    TWINSYNC,
    choose,
    creates,
    upload,
    use_samples,
)
from ui import keys

AUDIO_SECONDS = 600


@pytest.fixture(scope="module")
def long_audio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """10 minutes of a tone as AAC in .m4a (small enough to upload quickly)."""
    folder = tmp_path_factory.mktemp("long_audio")
    return write_audio(folder / "long.m4a", seconds=AUDIO_SECONDS, rate=8000, codec="aac")


def warning_text(at) -> str:
    found = [w.value for w in at.warning if w.value.startswith("The audio (")]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("mode", "nova_line"),
    [
        ("loop", "the 5 s video repeats about 120 times; the result lasts 10 min"),
        ("bounce", "the video plays forward, then backward, about 120 times"),
        ("cut_off", "the result stops after 5 s: the last 10 min of the audio is lost"),
        ("silence", "the result lasts 10 min, and the video's last picture stands still"),
        ("remap", "the video is slowed down about 120 times to last 10 min"),
    ],
)
def test_a_long_audio_is_explained_before_sending(app, runtime, long_audio, mode, nova_line):
    """Nova with each sync mode, Prime registered, Kling and TwinSync each get their sentence,
    every sync mode is listed, and nothing has been sent."""
    use_samples(app)
    upload(app, "audio", long_audio, "audio/mp4")
    choose(app, NOVA, PRIME, KLING, TWINSYNC)
    app.selectbox(key=keys.SUBMIT_SYNC_MODE).set_value(mode).run()
    assert not app.exception
    text = warning_text(app)
    assert text.startswith("The audio (10 min) is much longer than the video (5 s).")
    assert f"**AusyncLab Nova**, with the sync mode chosen ({mode}): {nova_line}" in text
    assert "AusyncLab charges for every second of the audio (10 min)." in text
    assert "**AusyncLab Prime** from a registered video takes no sync mode" in text
    assert "**Kling** keeps the video's length: it uses only the part of the audio that" in text
    assert "**TwinSync**: its document does not say what it does" in text
    for listed in ("loop", "bounce", "cut_off", "silence", "remap"):
        assert f"  - {listed}: " in text
    assert all(not creates(runtime, provider) for provider in ("ausynclab", "kling", "twinsync"))


def test_media_of_matching_length_get_no_warning(app):
    """The samples (5 s each) are not warned about."""
    choose(use_samples(app), NOVA, KLING)
    assert not app.exception
    assert not [w for w in app.warning if w.value.startswith("The audio (")]
