"""Messages about a form's field: the field's name first, the sentence read on after it."""

from __future__ import annotations

import pytest

from lipsync_core.flows.model import JobInputs
from ui.fields import about, field_name


@pytest.mark.parametrize(
    ("field", "sentence", "said"),
    [
        ("Video link", "The host name x.invalid could not be found.",
         "Video link: the host name x.invalid could not be found."),
        ("Audio link", "Only http and https links can be checked.",
         "Audio link: only http and https links can be checked."),
        ("Video file", "Kling accepts .mp4 or .mov.", "Video file: Kling accepts .mp4 or .mov."),
        ("Audio file", "Audio file: already named.", "Audio file: already named."),
    ],
)  # fmt: skip
def test_a_sentence_is_said_after_its_field(field, sentence, said):
    """Common opening words go lower case after the field; names keep their capitals."""
    assert about(field, sentence) == said


@pytest.mark.parametrize(
    ("inputs", "kind", "name"),
    [
        (JobInputs(video_url="https://example.com/v.mp4"), "video", "Video link"),
        (JobInputs(video_path="/tmp/v.mp4"), "video", "Video file"),
        (JobInputs(audio_url="https://example.com/a.wav"), "audio", "Audio link"),
        (JobInputs(audio_path="/tmp/a.wav", video_url="https://example.com/v.mp4"), "audio",
         "Audio file"),
    ],
)  # fmt: skip
def test_the_field_is_named_as_the_form_holds_it(inputs, kind, name):
    """A link is a "link", a file from this computer a "file"."""
    assert field_name(kind, inputs) == name
