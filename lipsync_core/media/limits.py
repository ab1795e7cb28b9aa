"""Each provider's published limits on the video and audio it accepts, as data, with sources.

Only Kling (through 302.ai) publishes limits. AusyncLab and TwinSync publish none, so for them
only what is certain is checked — the video input has a picture track, the audio input a sound
track (readability itself is settled by :func:`lipsync_core.media.probe`) — and a warning says
that nothing else could be checked.

Interpretations where the documents are silent (each marked in the rule's source):

- "720p or 1080p" means the shorter side is exactly 720 or 1080 px, so portrait videos
  (720×1280) count too.
- "100MB" and "5MB" may be decimal or binary megabytes: a file above the binary figure
  (104,857,600 / 5,242,880 bytes) is refused, a file between the two gets a warning.
- Durations are compared exactly as measured, with no tolerance.
- The listed file types are checked twice: a container the provider cannot read is refused; a
  readable container under a name with another ending (``.m4v``) only gets a warning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from lipsync_core.errors import Finding, MediaValidationError, Severity, provider_display_name
from lipsync_core.media.info import MediaInfo

Medium = Literal["video", "audio"]

SEED_AUSYNCLAB = "shared/seeds/000 (AusyncLab Lipsync API)"
SEED_KLING = "shared/seeds/003 (Kling via 302.ai)"
SEED_TWINSYNC = "shared/seeds/004 (TwinSync API)"
KLING_VIDEO_SOURCE = f"{SEED_KLING}, identify-face description"
KLING_AUDIO_SOURCE = f"{SEED_KLING}, advanced-lip-sync description and sound_file field"
MP4_FAMILY = "mov,mp4,m4a,3gp,3g2,mj2"
MB = 1_000_000
MIB = 1024 * 1024

RULES: dict[str, str] = {
    "ausynclab.unpublished": f"{SEED_AUSYNCLAB}: no limits on format, size, length or picture",
    "twinsync.unpublished": f"{SEED_TWINSYNC}: no limits on format, size, length or picture",
    "ausynclab.video.stream": f"{SEED_AUSYNCLAB}: video_url is a video of the speaker",
    "ausynclab.audio.stream": f"{SEED_AUSYNCLAB}: audio_url is the audio to lip-sync",
    "twinsync.video.stream": f"{SEED_TWINSYNC}: video_url, 'cloud address of video file'",
    "twinsync.audio.stream": f"{SEED_TWINSYNC}: audio_url, 'cloud address of audio file'",
    "kling.video.stream": f"{KLING_VIDEO_SOURCE}: the video is checked for faces",
    "kling.video.format": f"{KLING_VIDEO_SOURCE}: '视频支持.mp4/.mov'",
    "kling.video.size": f"{KLING_VIDEO_SOURCE}: '文件大小不超过100MB'",
    "kling.video.duration": f"{KLING_VIDEO_SOURCE}: '视频时长不超过60s且不短于2s'",
    "kling.video.resolution": (
        f"{KLING_VIDEO_SOURCE}: '仅支持720p和1080p' "
        "(interpreted: the shorter side is 720 or 1080 px)"
    ),
    "kling.video.sides": f"{KLING_VIDEO_SOURCE}: '长宽的边长均位于512px~2160px之间'",
    "kling.audio.stream": f"{KLING_AUDIO_SOURCE}: sound_file is an audio file",
    "kling.audio.format": f"{KLING_AUDIO_SOURCE}: '支持.mp3/.wav/.m4a'",
    "kling.audio.size": f"{KLING_AUDIO_SOURCE}: '文件大小不超过5MB'",
    "kling.audio.duration": f"{KLING_AUDIO_SOURCE}: '时长不短于2秒且不长于60秒的音频'",
    "kling.timing.order": f"{SEED_KLING}, sound_start_time / sound_end_time: a trim window",
    "kling.timing.trim_length": f"{SEED_KLING}, sound_start_time: '裁剪后音频不得短于2秒'",
    "kling.timing.audio_end": f"{SEED_KLING}, sound_end_time: '终点时间不得晚于原始音频总时长'",
    "kling.timing.inside_video": (
        f"{SEED_KLING}, sound_insert_time: '插入音频的开始时间不得早于视频开始时间，"
        "插入音频的结束时间不得晚于视频结束时间'"
    ),
    "kling.timing.face_overlap": (
        f"{SEED_KLING}, sound_insert_time: '与该人脸可对口型时间区间至少重合2秒时长'"
    ),
    "kling.timing.sound_volume": f"{SEED_KLING}, sound_volume: '取值范围：[0, 2]'",
    "kling.timing.original_audio_volume": (
        f"{SEED_KLING}, original_audio_volume: '取值范围：[0, 2]'"
    ),
}


@dataclass(frozen=True)
class MediaLimits:
    """What one provider accepts for one input; ``None`` where it publishes nothing."""

    extensions: tuple[str, ...] | None = None
    containers: tuple[str, ...] | None = None
    max_bytes: int | None = None
    min_seconds: float | None = None
    max_seconds: float | None = None
    short_sides: tuple[int, ...] | None = None
    min_side: int | None = None
    max_side: int | None = None


@dataclass(frozen=True)
class ModelLimits:
    """The limits of one provider's model for its video and its audio input."""

    provider: str
    model: str
    video: MediaLimits
    audio: MediaLimits
    published: bool
    source: str


_UNPUBLISHED = MediaLimits()
_KLING = ModelLimits(
    provider="kling",
    model="advanced-lip-sync",
    video=MediaLimits(
        extensions=("mp4", "mov"),
        containers=(MP4_FAMILY,),
        max_bytes=100 * MIB,
        min_seconds=2.0,
        max_seconds=60.0,
        short_sides=(720, 1080),
        min_side=512,
        max_side=2160,
    ),
    audio=MediaLimits(
        extensions=("mp3", "wav", "m4a"),
        containers=("mp3", "wav", MP4_FAMILY),
        max_bytes=5 * MIB,
        min_seconds=2.0,
        max_seconds=60.0,
    ),
    published=True,
    source=SEED_KLING,
)

LIMITS: dict[tuple[str, str], ModelLimits] = {
    ("ausynclab", "prime"): ModelLimits(
        "ausynclab", "prime", _UNPUBLISHED, _UNPUBLISHED, False, SEED_AUSYNCLAB
    ),
    ("ausynclab", "nova"): ModelLimits(
        "ausynclab", "nova", _UNPUBLISHED, _UNPUBLISHED, False, SEED_AUSYNCLAB
    ),
    ("kling", "advanced-lip-sync"): _KLING,
    ("twinsync", "videotalking"): ModelLimits(
        "twinsync", "videotalking", _UNPUBLISHED, _UNPUBLISHED, False, SEED_TWINSYNC
    ),
}
DEFAULT_MODELS = {"ausynclab": "prime", "kling": "advanced-lip-sync", "twinsync": "videotalking"}


def limits_for(provider: str, model: str | None = None) -> ModelLimits:
    """The limits of ``provider``'s ``model`` (its default model when ``None``)."""
    if provider not in DEFAULT_MODELS:
        raise ValueError(
            f"Unknown provider {provider!r}; expected one of {sorted(DEFAULT_MODELS)}."
        )
    key = (provider, model or DEFAULT_MODELS[provider])
    if key not in LIMITS:
        models = sorted(m for p, m in LIMITS if p == provider)
        raise ValueError(f"Unknown model {model!r} for {provider}; expected one of {models}.")
    return LIMITS[key]


def validate(
    provider: str, model: str | None, *, video: MediaInfo | None, audio: MediaInfo | None
) -> list[Finding]:
    """Check probed media against ``provider``'s limits; an input given as ``None`` is skipped."""
    limits = limits_for(provider, model)
    findings: list[Finding] = []
    for medium, info, media_limits in (
        ("video", video, limits.video),
        ("audio", audio, limits.audio),
    ):
        if info is not None:
            findings += _check_medium(provider, medium, info, media_limits)
    if not limits.published:
        findings.append(_unpublished(provider))
    return findings


def _unpublished(provider: str) -> Finding:
    name = provider_display_name(provider)
    return Finding(
        f"{name} publishes no limits on file type, size, length or picture size; only the "
        "presence of a picture and a sound track was checked, so it may still refuse the job.",
        Severity.WARNING,
        f"{provider}.unpublished",
    )


Check = Callable[[str, Medium, "MediaInfo", MediaLimits], Finding | None]


def _check_medium(
    provider: str, medium: Medium, info: MediaInfo, limits: MediaLimits
) -> list[Finding]:
    missing = _check_stream(provider, medium, info)
    if missing is not None:
        return [missing]
    found = (check(provider, medium, info, limits) for check in _CHECKS)
    return [finding for finding in found if finding is not None]


def _check_stream(provider: str, medium: Medium, info: MediaInfo) -> Finding | None:
    if medium == "video" and not info.has_video:
        return Finding(
            "The video file has no picture track; choose a video of the person speaking.",
            rule=f"{provider}.video.stream",
        )
    if medium == "audio" and not info.has_audio:
        return Finding(
            "The audio file has no sound track; choose a file with the speech to lip-sync.",
            rule=f"{provider}.audio.stream",
        )
    return None


def _check_format(
    provider: str, medium: Medium, info: MediaInfo, limits: MediaLimits
) -> Finding | None:
    if limits.extensions is None or limits.containers is None:
        return None
    name, rule = provider_display_name(provider), f"{provider}.{medium}.format"
    accepted = _or_list([f".{e}" for e in limits.extensions])
    if info.format_name not in limits.containers:
        kind = info.extension or (info.format_name or "unknown").split(",")[0]
        return Finding(f"The {medium} is a .{kind} file; {name} accepts {accepted}.", rule=rule)
    if info.extension is not None and info.extension not in limits.extensions:
        return Finding(
            f"The {medium} file's name ends in .{info.extension}; {name} lists only {accepted}, "
            f"so it may refuse it (renaming the file usually helps).",
            Severity.WARNING,
            rule,
        )
    return None


def _check_size(
    provider: str, medium: Medium, info: MediaInfo, limits: MediaLimits
) -> Finding | None:
    if limits.max_bytes is None:
        return None
    name, rule = provider_display_name(provider), f"{provider}.{medium}.size"
    stated = f"{limits.max_bytes // MIB} MB"
    if info.size_bytes is None:
        return Finding(
            f"The {medium}'s file size is not known; {name} accepts at most {stated}.",
            Severity.WARNING,
            rule,
        )
    size = f"{_number(info.size_bytes / MB, 1)} MB"
    if info.size_bytes > limits.max_bytes:
        return Finding(f"The {medium} is {size}; {name} accepts at most {stated}.", rule=rule)
    if info.size_bytes > limits.max_bytes // MIB * MB:
        return Finding(
            f"The {medium} is {size}, right at {name}'s limit of {stated}; it may be refused.",
            Severity.WARNING,
            rule,
        )
    return None


def _check_duration(
    provider: str, medium: Medium, info: MediaInfo, limits: MediaLimits
) -> Finding | None:
    if limits.min_seconds is None or limits.max_seconds is None:
        return None
    name, rule = provider_display_name(provider), f"{provider}.{medium}.duration"
    accepted = f"{_number(limits.min_seconds)}–{_number(limits.max_seconds)} s"
    seconds = _duration(medium, info)
    if seconds is None:
        return Finding(
            f"The {medium}'s length could not be measured; {name} accepts {accepted}.",
            Severity.WARNING,
            rule,
        )
    if not limits.min_seconds <= seconds <= limits.max_seconds:
        return Finding(
            f"The {medium} is {_number(seconds)} s long; {name} accepts {accepted}.", rule=rule
        )
    return None


def _duration(medium: Medium, info: MediaInfo) -> float | None:
    own = info.video_duration if medium == "video" else info.audio_duration
    return own if own is not None else info.duration


def _check_resolution(
    provider: str, medium: Medium, info: MediaInfo, limits: MediaLimits
) -> Finding | None:
    if limits.short_sides is None:
        return None
    name, rule = provider_display_name(provider), f"{provider}.{medium}.resolution"
    accepted = _or_list([f"{side}p" for side in limits.short_sides])
    if info.width is None or info.height is None:
        return Finding(
            f"The video's picture size is not known; {name} accepts {accepted} only.",
            Severity.WARNING,
            rule,
        )
    short = min(info.width, info.height)
    if short not in limits.short_sides:
        return Finding(
            f"The video is {info.width}×{info.height} ({short}p); {name} accepts {accepted} "
            f"only (the shorter side must be {_or_list([str(s) for s in limits.short_sides])} px).",
            rule=rule,
        )
    return None


def _check_sides(
    provider: str, medium: Medium, info: MediaInfo, limits: MediaLimits
) -> Finding | None:
    if limits.min_side is None or limits.max_side is None:
        return None
    if info.width is None or info.height is None:
        return None  # reported once, by the resolution rule
    name, rule = provider_display_name(provider), f"{provider}.{medium}.sides"
    if not all(limits.min_side <= side <= limits.max_side for side in (info.width, info.height)):
        return Finding(
            f"The video is {info.width}×{info.height}; {name} needs each side to be "
            f"{limits.min_side}–{limits.max_side} px.",
            rule=rule,
        )
    return None


_CHECKS: tuple[Check, ...] = (
    _check_format,
    _check_size,
    _check_duration,
    _check_resolution,
    _check_sides,
)


def validate_kling_timing(
    *,
    audio_duration_ms: int,
    video_duration_ms: int,
    face_start_ms: int,
    face_end_ms: int,
    sound_start_time: int,
    sound_end_time: int,
    sound_insert_time: int,
    sound_volume: float = 1.0,
    original_audio_volume: float = 1.0,
) -> list[Finding]:
    """Check a Kling ``face_choose`` entry's trim, insert point and volumes (times in ms)."""
    findings = _check_volumes(sound_volume, original_audio_volume)
    if not 0 <= sound_start_time < sound_end_time:
        findings.insert(
            0,
            Finding(
                f"The audio trim must start at 0 s or later and end after it starts (it runs "
                f"from {_seconds(sound_start_time)} to {_seconds(sound_end_time)}).",
                rule="kling.timing.order",
            ),
        )
        return findings
    placed = (sound_insert_time, sound_insert_time + sound_end_time - sound_start_time)
    too_short = _check_trim_length(sound_start_time, sound_end_time)
    checks = (
        too_short,
        _check_audio_end(sound_end_time, audio_duration_ms),
        _check_inside_video(placed, video_duration_ms),
        # Audio shorter than 2 s cannot overlap the face by 2 s: saying so twice would not help.
        None if too_short else _check_face_overlap(placed, (face_start_ms, face_end_ms)),
    )
    return [finding for finding in checks if finding is not None] + findings


def _check_trim_length(start: int, end: int) -> Finding | None:
    if end - start >= 2000:
        return None
    return Finding(
        f"The trimmed audio is {_seconds(end - start)} long (from {_seconds(start)} to "
        f"{_seconds(end)}); Kling needs at least 2 s.",
        rule="kling.timing.trim_length",
    )


def _check_audio_end(end: int, audio_duration_ms: int) -> Finding | None:
    if end <= audio_duration_ms:
        return None
    return Finding(
        f"The audio trim ends at {_seconds(end)}, after the end of the audio "
        f"({_seconds(audio_duration_ms)}).",
        rule="kling.timing.audio_end",
    )


def _check_inside_video(placed: tuple[int, int], video_duration_ms: int) -> Finding | None:
    start, end = placed
    if start < 0:
        return Finding(
            "The audio cannot be inserted before the video starts; use an insert time of 0 s "
            "or later.",
            rule="kling.timing.inside_video",
        )
    if end > video_duration_ms:
        return Finding(
            f"The inserted audio would run until {_seconds(end)}, past the end of the video "
            f"({_seconds(video_duration_ms)}); insert it earlier or trim it shorter.",
            rule="kling.timing.inside_video",
        )
    return None


def _check_face_overlap(placed: tuple[int, int], face: tuple[int, int]) -> Finding | None:
    overlap = min(placed[1], face[1]) - max(placed[0], face[0])
    if overlap >= 2000:
        return None
    return Finding(
        f"The inserted audio ({_span(*placed)}) overlaps the time the chosen face is visible "
        f"({_span(*face)}) by "
        f"{_seconds(max(0, overlap))}; Kling needs at least 2 s of overlap.",
        rule="kling.timing.face_overlap",
    )


def _check_volumes(sound_volume: float, original_audio_volume: float) -> list[Finding]:
    findings = []
    for value, label, rule in (
        (sound_volume, "new audio's", "kling.timing.sound_volume"),
        (original_audio_volume, "original audio's", "kling.timing.original_audio_volume"),
    ):
        if not 0 <= value <= 2:
            findings.append(
                Finding(f"The {label} volume is {_number(value)}; Kling accepts 0–2.", rule=rule)
            )
    return findings


def ensure_valid(findings: Iterable[Finding]) -> None:
    """Raise :class:`MediaValidationError` carrying every finding if any of them is blocking."""
    findings = list(findings)
    blocking = [finding.message for finding in findings if finding.blocking]
    if blocking:
        raise MediaValidationError(" ".join(blocking), findings)


def _seconds(milliseconds: int) -> str:
    return f"{_number(milliseconds / 1000)} s"


def _span(start_ms: int, end_ms: int) -> str:
    return f"{_number(start_ms / 1000)}–{_number(end_ms / 1000)} s"


def _number(value: float, digits: int = 2) -> str:
    """``75.0`` → ``75``, ``7.25`` → ``7.25``: no trailing zeros, no scientific notation."""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
