"""Every provider limit and every Kling timing rule, one table row each."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from lipsync_core.errors import Finding, MediaValidationError, Severity
from lipsync_core.media import MediaInfo, probe
from lipsync_core.media.limits import (
    LIMITS,
    RULES,
    ensure_valid,
    limits_for,
    validate,
    validate_kling_timing,
)

MP4 = "mov,mp4,m4a,3gp,3g2,mj2"
VIDEO = MediaInfo(
    source="clip.mp4",
    format_name=MP4,
    extension="mp4",
    size_bytes=20_000_000,
    duration=10.0,
    video_codec="h264",
    width=1280,
    height=720,
    fps=25.0,
    video_duration=10.0,
    audio_codec="aac",
    audio_duration=10.0,
    audio_sample_rate=44_100,
)
AUDIO = MediaInfo(
    source="speech.wav",
    format_name="wav",
    extension="wav",
    size_bytes=1_000_000,
    duration=8.0,
    video_codec=None,
    width=None,
    height=None,
    fps=None,
    video_duration=None,
    audio_codec="pcm_s16le",
    audio_duration=8.0,
    audio_sample_rate=16_000,
)
NO_PICTURE = {"video_codec": None, "width": None, "height": None, "fps": None}
NO_SOUND = {"audio_codec": None, "audio_duration": None, "audio_sample_rate": None}


def video(**changes: object) -> MediaInfo:
    return dataclasses.replace(VIDEO, **changes)


def audio(**changes: object) -> MediaInfo:
    return dataclasses.replace(AUDIO, **changes)


def kling(video_info: MediaInfo | None, audio_info: MediaInfo | None) -> list[Finding]:
    return validate("kling", "advanced-lip-sync", video=video_info, audio=audio_info)


@pytest.mark.parametrize(
    ("provider", "model"), sorted(LIMITS), ids=[f"{p}-{m}" for p, m in sorted(LIMITS)]
)
def test_media_within_every_limit_passes(provider: str, model: str) -> None:
    """A 10 s 720p MP4 and an 8 s WAV raise nothing blocking for any provider."""
    findings = validate(provider, model, video=VIDEO, audio=AUDIO)
    assert [f for f in findings if f.blocking] == []


@pytest.mark.parametrize(
    ("changes", "rule", "message"),
    [
        (NO_PICTURE, "kling.video.stream", "The video file has no picture track"),
        (
            {"format_name": "matroska,webm", "extension": "mkv"},
            "kling.video.format",
            "The video is a .mkv file; Kling accepts .mp4 or .mov.",
        ),
        (
            {"format_name": "avi", "extension": None},
            "kling.video.format",
            "The video is a .avi file; Kling accepts .mp4 or .mov.",
        ),
        ({"size_bytes": 120_000_000}, "kling.video.size", "The video is 120 MB; Kling accepts"),
        ({"size_bytes": 104_857_601}, "kling.video.size", "at most 100 MB"),
        (
            {"duration": 75.0, "video_duration": 75.0},
            "kling.video.duration",
            "The video is 75 s long; Kling accepts 2–60 s.",
        ),
        (
            {"duration": 60.5, "video_duration": 60.5},
            "kling.video.duration",
            "The video is 60.5 s long",
        ),
        (
            {"duration": 1.5, "video_duration": 1.5},
            "kling.video.duration",
            "The video is 1.5 s long; Kling accepts 2–60 s.",
        ),
        (
            {"width": 960, "height": 540},
            "kling.video.resolution",
            "The video is 960×540 (540p); Kling accepts 720p or 1080p only",
        ),
        (
            {"width": 1280, "height": 960},
            "kling.video.resolution",
            "The video is 1280×960 (960p)",
        ),
        (
            {"width": 2560, "height": 1080},
            "kling.video.sides",
            "The video is 2560×1080; Kling needs each side to be 512–2160 px.",
        ),
        (
            {"width": 720, "height": 2400},
            "kling.video.sides",
            "each side to be 512–2160 px",
        ),
    ],
)
def test_kling_video_limits_block(changes: dict[str, object], rule: str, message: str) -> None:
    """Each Kling video limit, broken alone, gives exactly one blocking finding."""
    findings = kling(video(**changes), AUDIO)
    assert [(f.rule, f.severity) for f in findings] == [(rule, Severity.BLOCKING)]
    assert message in findings[0].message


@pytest.mark.parametrize(
    ("changes", "rule", "message"),
    [
        (
            {"extension": "m4v"},
            "kling.video.format",
            "The video file's name ends in .m4v; Kling lists only .mp4 or .mov",
        ),
        ({"size_bytes": 102_000_000}, "kling.video.size", "right at Kling's limit of 100 MB"),
        ({"size_bytes": None}, "kling.video.size", "The video's file size is not known"),
        (
            {"duration": None, "video_duration": None},
            "kling.video.duration",
            "The video's length could not be measured; Kling accepts 2–60 s.",
        ),
        ({"width": None, "height": None}, "kling.video.resolution", "picture size is not known"),
    ],
)
def test_kling_video_doubts_warn(changes: dict[str, object], rule: str, message: str) -> None:
    """What cannot be decided for sure (names, unknown figures, 100 MB vs MiB) is a warning."""
    findings = kling(video(**changes), AUDIO)
    assert [(f.rule, f.severity) for f in findings] == [(rule, Severity.WARNING)]
    assert message in findings[0].message


@pytest.mark.parametrize(
    "changes",
    [
        {"width": 720, "height": 1280},
        {"width": 1920, "height": 1080},
        {"width": 1080, "height": 1920},
        {"width": 2160, "height": 1080},
        {"format_name": MP4, "extension": "mov"},
        {"format_name": MP4, "extension": None},
        {"duration": 2.0, "video_duration": 2.0},
        {"duration": 60.0, "video_duration": 60.0},
        {"size_bytes": 100_000_000},
        {"audio_codec": None, "audio_duration": None},
    ],
)
def test_kling_video_edges_pass(changes: dict[str, object]) -> None:
    """Portrait 720p, 1080p, both ends of the length range and a silent video all pass."""
    assert kling(video(**changes), AUDIO) == []


@pytest.mark.parametrize(
    ("changes", "rule", "severity", "message"),
    [
        (NO_SOUND, "kling.audio.stream", Severity.BLOCKING, "The audio file has no sound track"),
        (
            {"format_name": "ogg", "extension": "ogg"},
            "kling.audio.format",
            Severity.BLOCKING,
            "The audio is a .ogg file; Kling accepts .mp3, .wav or .m4a.",
        ),
        (
            {"format_name": MP4, "extension": "aac"},
            "kling.audio.format",
            Severity.WARNING,
            "The audio file's name ends in .aac",
        ),
        (
            {"size_bytes": 6_000_000},
            "kling.audio.size",
            Severity.BLOCKING,
            "The audio is 6 MB; Kling accepts at most 5 MB.",
        ),
        ({"size_bytes": 5_100_000}, "kling.audio.size", Severity.WARNING, "right at Kling's"),
        (
            {"duration": 61.0, "audio_duration": 61.0},
            "kling.audio.duration",
            Severity.BLOCKING,
            "The audio is 61 s long; Kling accepts 2–60 s.",
        ),
        (
            {"duration": 1.9, "audio_duration": 1.9},
            "kling.audio.duration",
            Severity.BLOCKING,
            "The audio is 1.9 s long; Kling accepts 2–60 s.",
        ),
        (
            {"duration": None, "audio_duration": None},
            "kling.audio.duration",
            Severity.WARNING,
            "The audio's length could not be measured",
        ),
    ],
)
def test_kling_audio_limits(
    changes: dict[str, object], rule: str, severity: Severity, message: str
) -> None:
    """Each Kling audio limit, broken alone, gives exactly one finding of the right weight."""
    findings = kling(VIDEO, audio(**changes))
    assert [(f.rule, f.severity) for f in findings] == [(rule, severity)]
    assert message in findings[0].message


@pytest.mark.parametrize(
    ("format_name", "extension"), [("mp3", "mp3"), ("wav", "wav"), (MP4, "m4a"), ("mp3", None)]
)
def test_kling_accepts_its_audio_types(format_name: str, extension: str | None) -> None:
    """MP3, WAV and M4A audio pass the format rule."""
    assert kling(None, audio(format_name=format_name, extension=extension)) == []


def test_a_small_picture_breaks_both_picture_rules() -> None:
    """A 640×360 video is neither 720p nor 1080p, and its short side is under 512 px."""
    findings = kling(video(width=640, height=360), None)
    assert [f.rule for f in findings] == ["kling.video.resolution", "kling.video.sides"]


def test_the_audio_length_falls_back_to_the_container_length() -> None:
    """When the stream does not say its length, the file's length is used."""
    findings = kling(None, audio(audio_duration=None, duration=90.0))
    assert [f.message for f in findings] == ["The audio is 90 s long; Kling accepts 2–60 s."]


@pytest.mark.parametrize(
    ("provider", "model"),
    [("ausynclab", "prime"), ("ausynclab", "nova"), ("twinsync", "videotalking")],
)
@pytest.mark.parametrize(
    ("video_info", "audio_info", "rules"),
    [
        (VIDEO, AUDIO, ["{p}.unpublished"]),
        (video(**NO_PICTURE), AUDIO, ["{p}.video.stream", "{p}.unpublished"]),
        (VIDEO, audio(**NO_SOUND), ["{p}.audio.stream", "{p}.unpublished"]),
        (
            video(width=4000, height=3000, duration=300.0, video_duration=300.0, extension="mkv"),
            audio(size_bytes=500_000_000, extension="flac", format_name="flac"),
            ["{p}.unpublished"],
        ),
    ],
    ids=["fine", "no-picture", "no-sound", "huge-but-unpublished"],
)
def test_providers_without_published_limits_check_only_tracks(
    provider: str,
    model: str,
    video_info: MediaInfo,
    audio_info: MediaInfo,
    rules: list[str],
) -> None:
    """AusyncLab and TwinSync block only a missing track, and always warn that nothing else is
    published."""
    findings = validate(provider, model, video=video_info, audio=audio_info)
    assert [f.rule for f in findings] == [r.format(p=provider) for r in rules]
    assert findings[-1].severity is Severity.WARNING
    assert "publishes no limits" in findings[-1].message


@pytest.mark.parametrize(
    ("provider", "model", "expected"),
    [
        ("ausynclab", None, "prime"),
        ("kling", None, "advanced-lip-sync"),
        ("twinsync", None, "videotalking"),
        ("ausynclab", "nova", "nova"),
    ],
)
def test_the_model_defaults_per_provider(provider: str, model: str | None, expected: str) -> None:
    """Without a model, each provider's default model's limits apply."""
    assert limits_for(provider, model).model == expected


@pytest.mark.parametrize(("provider", "model"), [("heygen", None), ("kling", "lip-sync-v1")])
def test_unknown_providers_and_models_are_programming_errors(
    provider: str, model: str | None
) -> None:
    """Asking for limits of something that does not exist raises ValueError."""
    with pytest.raises(ValueError, match="Unknown"):
        validate(provider, model, video=VIDEO, audio=AUDIO)


def test_every_finding_names_a_rule_with_a_source() -> None:
    """Every rule id a finding can carry is in RULES with the document it comes from."""
    assert all(source.startswith("shared/seeds/") for source in RULES.values())
    bad = [
        video(**NO_PICTURE),
        video(format_name="avi", size_bytes=None, duration=None, video_duration=None),
        video(width=4000, height=3000),
    ]
    rules = {f.rule for v in bad for p, m in LIMITS for f in validate(p, m, video=v, audio=AUDIO)}
    rules |= {f.rule for f in kling(None, audio(**NO_SOUND))}
    assert rules <= set(RULES)


def test_the_shipped_samples_are_accepted_by_kling(sample_video: Path, sample_speech: Path) -> None:
    """The sample clip and speech pass every Kling rule, so a first try cannot be refused."""
    assert kling(probe(sample_video), probe(sample_speech)) == []


TIMING = {
    "audio_duration_ms": 8000,
    "video_duration_ms": 10_000,
    "face_start_ms": 1000,
    "face_end_ms": 9000,
    "sound_start_time": 0,
    "sound_end_time": 5000,
    "sound_insert_time": 2000,
}


@pytest.mark.parametrize(
    ("changes", "rules", "message"),
    [
        ({}, [], None),
        ({"sound_start_time": 3000, "sound_end_time": 5000}, [], None),
        ({"sound_insert_time": 5000}, [], None),
        ({"sound_volume": 0, "original_audio_volume": 2}, [], None),
        (
            {"sound_start_time": 5000, "sound_end_time": 5000},
            ["kling.timing.order"],
            "The audio trim must start at 0 s or later and end after it starts",
        ),
        ({"sound_start_time": -100}, ["kling.timing.order"], "from -0.1 s to 5 s"),
        (
            {"sound_start_time": 3500},
            ["kling.timing.trim_length"],
            "The trimmed audio is 1.5 s long (from 3.5 s to 5 s); Kling needs at least 2 s.",
        ),
        (
            {"sound_start_time": 1000, "sound_end_time": 8500},
            ["kling.timing.audio_end"],
            "The audio trim ends at 8.5 s, after the end of the audio (8 s).",
        ),
        (
            {"sound_insert_time": -1},
            ["kling.timing.inside_video"],
            "The audio cannot be inserted before the video starts",
        ),
        (
            {"sound_insert_time": 6000},
            ["kling.timing.inside_video"],
            "The inserted audio would run until 11 s, past the end of the video (10 s)",
        ),
        (
            {"face_start_ms": 5500, "face_end_ms": 9000},
            ["kling.timing.face_overlap"],
            "The inserted audio (2–7 s) overlaps the time the chosen face is visible (5.5–9 s) by "
            "1.5 s; Kling needs at least 2 s of overlap.",
        ),
        (
            {"face_start_ms": 8000, "face_end_ms": 9000},
            ["kling.timing.face_overlap"],
            "by 0 s",
        ),
        (
            {"sound_volume": 2.5},
            ["kling.timing.sound_volume"],
            "The new audio's volume is 2.5; Kling accepts 0–2.",
        ),
        (
            {"original_audio_volume": -0.5},
            ["kling.timing.original_audio_volume"],
            "The original audio's volume is -0.5; Kling accepts 0–2.",
        ),
        (
            {"sound_start_time": 4000, "face_start_ms": 5500},
            ["kling.timing.trim_length"],
            "The trimmed audio is 1 s long",
        ),
        (
            {"sound_end_time": 9000, "sound_insert_time": 3000, "sound_volume": 3},
            ["kling.timing.audio_end", "kling.timing.inside_video", "kling.timing.sound_volume"],
            None,
        ),
    ],
)
def test_kling_timing_rules(
    changes: dict[str, float], rules: list[str], message: str | None
) -> None:
    """Each Kling trim, insert and volume rule blocks exactly when the document says it must."""
    findings = validate_kling_timing(**{**TIMING, **changes})
    assert [f.rule for f in findings] == rules
    assert all(f.blocking and f.rule in RULES for f in findings)
    if message is not None:
        assert message in findings[0].message


def test_the_exact_two_second_overlap_is_enough() -> None:
    """An overlap of exactly 2 s between the inserted audio and the face passes."""
    assert validate_kling_timing(**{**TIMING, "face_start_ms": 5000, "face_end_ms": 9000}) == []


def test_ensure_valid_raises_with_every_finding_when_one_blocks() -> None:
    """ensure_valid raises with the blocking sentences as message and keeps the warnings too."""
    findings = kling(video(duration=75.0, video_duration=75.0, extension="m4v"), AUDIO)
    with pytest.raises(MediaValidationError) as caught:
        ensure_valid(findings)
    assert str(caught.value) == "The video is 75 s long; Kling accepts 2–60 s."
    assert caught.value.findings == findings
    assert [f.severity for f in caught.value.findings] == [Severity.WARNING, Severity.BLOCKING]


def test_ensure_valid_accepts_warnings_only() -> None:
    """Warnings alone never stop a job."""
    ensure_valid(validate("twinsync", None, video=VIDEO, audio=AUDIO))
    ensure_valid([])
