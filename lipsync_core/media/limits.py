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

from babel.lists import format_list

from lipsync_core.errors import Finding, MediaValidationError, Severity, provider_display_name
from lipsync_core.formats import figure, locale
from lipsync_core.i18n import DEFAULT_LANGUAGE, _, current_language
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
        _(
            "{name} publishes no limits on file type, size, length or picture size; only the "
            "presence of a picture and a sound track was checked, so it may still refuse the job."
        ).format(name=name),
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
            _("The video file has no picture track; choose a video of the person speaking."),
            rule=f"{provider}.video.stream",
        )
    if medium == "audio" and not info.has_audio:
        return Finding(
            _("The audio file has no sound track; choose a file with the speech to lip-sync."),
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
        text = _medium(
            medium,
            _("The video is a .{kind} file; {name} accepts {accepted}."),
            _("The audio is a .{kind} file; {name} accepts {accepted}."),
        )
        return Finding(text.format(kind=kind, name=name, accepted=accepted), rule=rule)
    if info.extension is not None and info.extension not in limits.extensions:
        text = _medium(
            medium,
            _(
                "The video file's name ends in .{extension}; {name} lists only {accepted}, so it "
                "may refuse it (renaming the file usually helps)."
            ),
            _(
                "The audio file's name ends in .{extension}; {name} lists only {accepted}, so it "
                "may refuse it (renaming the file usually helps)."
            ),
        )
        return Finding(
            text.format(extension=info.extension, name=name, accepted=accepted),
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
    stated = _number(limits.max_bytes // MIB)
    if info.size_bytes is None:
        text = _medium(
            medium,
            _("The video's file size is not known; {name} accepts at most {stated} MB."),
            _("The audio's file size is not known; {name} accepts at most {stated} MB."),
        )
        return Finding(text.format(name=name, stated=stated), Severity.WARNING, rule)
    size = _number(info.size_bytes / MB, 1)
    if info.size_bytes > limits.max_bytes:
        text = _medium(
            medium,
            _("The video is {size} MB; {name} accepts at most {stated} MB."),
            _("The audio is {size} MB; {name} accepts at most {stated} MB."),
        )
        return Finding(text.format(size=size, name=name, stated=stated), rule=rule)
    if info.size_bytes > limits.max_bytes // MIB * MB:
        text = _medium(
            medium,
            _("The video is {size} MB, right at {name}'s limit of {stated} MB; it may be refused."),
            _("The audio is {size} MB, right at {name}'s limit of {stated} MB; it may be refused."),
        )
        return Finding(text.format(size=size, name=name, stated=stated), Severity.WARNING, rule)
    return None


def _check_duration(
    provider: str, medium: Medium, info: MediaInfo, limits: MediaLimits
) -> Finding | None:
    if limits.min_seconds is None or limits.max_seconds is None:
        return None
    name, rule = provider_display_name(provider), f"{provider}.{medium}.duration"
    shortest, longest = _number(limits.min_seconds), _number(limits.max_seconds)
    seconds = _duration(medium, info)
    if seconds is None:
        text = _medium(
            medium,
            _("The video's length could not be measured; {name} accepts {shortest}–{longest} s."),
            _("The audio's length could not be measured; {name} accepts {shortest}–{longest} s."),
        )
        return Finding(
            text.format(name=name, shortest=shortest, longest=longest), Severity.WARNING, rule
        )
    if not limits.min_seconds <= seconds <= limits.max_seconds:
        text = _medium(
            medium,
            _("The video is {length} s long; {name} accepts {shortest}–{longest} s."),
            _("The audio is {length} s long; {name} accepts {shortest}–{longest} s."),
        )
        return Finding(
            text.format(length=_number(seconds), name=name, shortest=shortest, longest=longest),
            rule=rule,
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
            _("The video's picture size is not known; {name} accepts {accepted} only.").format(
                name=name, accepted=accepted
            ),
            Severity.WARNING,
            rule,
        )
    short = min(info.width, info.height)
    if short not in limits.short_sides:
        text = _(
            "The video is {width}×{height} ({short}p); {name} accepts {accepted} only (the "
            "shorter side must be {sides} px)."
        )
        sides = _or_list([str(s) for s in limits.short_sides])
        return Finding(
            text.format(
                width=info.width,
                height=info.height,
                short=short,
                name=name,
                accepted=accepted,
                sides=sides,
            ),
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
        text = _("The video is {width}×{height}; {name} needs each side to be {least}–{most} px.")
        return Finding(
            text.format(
                width=info.width,
                height=info.height,
                name=name,
                least=limits.min_side,
                most=limits.max_side,
            ),
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
                _(
                    "The audio trim must start at 0 s or later and end after it starts (it runs "
                    "from {start} s to {end} s)."
                ).format(start=_seconds(sound_start_time), end=_seconds(sound_end_time)),
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
    text = _(
        "The trimmed audio is {length} s long (from {start} s to {end} s); Kling needs at least "
        "2 s."
    )
    return Finding(
        text.format(length=_seconds(end - start), start=_seconds(start), end=_seconds(end)),
        rule="kling.timing.trim_length",
    )


def _check_audio_end(end: int, audio_duration_ms: int) -> Finding | None:
    if end <= audio_duration_ms:
        return None
    return Finding(
        _("The audio trim ends at {end} s, after the end of the audio ({length} s).").format(
            end=_seconds(end), length=_seconds(audio_duration_ms)
        ),
        rule="kling.timing.audio_end",
    )


def _check_inside_video(placed: tuple[int, int], video_duration_ms: int) -> Finding | None:
    start, end = placed
    if start < 0:
        return Finding(
            _(
                "The audio cannot be inserted before the video starts; use an insert time of 0 s "
                "or later."
            ),
            rule="kling.timing.inside_video",
        )
    if end > video_duration_ms:
        text = _(
            "The inserted audio would run until {end} s, past the end of the video ({length} s); "
            "insert it earlier or trim it shorter."
        )
        return Finding(
            text.format(end=_seconds(end), length=_seconds(video_duration_ms)),
            rule="kling.timing.inside_video",
        )
    return None


def _check_face_overlap(placed: tuple[int, int], face: tuple[int, int]) -> Finding | None:
    overlap = min(placed[1], face[1]) - max(placed[0], face[0])
    if overlap >= 2000:
        return None
    text = _(
        "The inserted audio ({audio_start}–{audio_end} s) overlaps the time the chosen face is "
        "visible ({face_start}–{face_end} s) by {overlap} s; Kling needs at least 2 s of overlap."
    )
    return Finding(
        text.format(
            audio_start=_seconds(placed[0]),
            audio_end=_seconds(placed[1]),
            face_start=_seconds(face[0]),
            face_end=_seconds(face[1]),
            overlap=_seconds(max(0, overlap)),
        ),
        rule="kling.timing.face_overlap",
    )


def _check_volumes(sound_volume: float, original_audio_volume: float) -> list[Finding]:
    findings = []
    for value, text, rule in (
        (
            sound_volume,
            _("The new audio's volume is {volume}; Kling accepts 0–2."),
            "kling.timing.sound_volume",
        ),
        (
            original_audio_volume,
            _("The original audio's volume is {volume}; Kling accepts 0–2."),
            "kling.timing.original_audio_volume",
        ),
    ):
        if not 0 <= value <= 2:
            findings.append(Finding(text.format(volume=_number(value)), rule=rule))
    return findings


def ensure_valid(findings: Iterable[Finding]) -> None:
    """Raise :class:`MediaValidationError` carrying every finding if any of them is blocking."""
    findings = list(findings)
    blocking = [finding.message for finding in findings if finding.blocking]
    if blocking:
        raise MediaValidationError(" ".join(blocking), findings)


def _medium(medium: Medium, video: str, audio: str) -> str:
    """The message about the video or the one about the audio (one whole sentence each)."""
    return video if medium == "video" else audio


def _seconds(milliseconds: int) -> str:
    """A time in ms as seconds, without the unit (the message has it)."""
    return _number(milliseconds / 1000)


def _number(value: float, digits: int = 2) -> str:
    """``75.0`` → ``75``, ``7.25`` → ``7.25`` (``7,25`` in Vietnamese): no thousands separator."""
    return figure(value, digits, grouped=False)


def _or_list(items: list[str]) -> str:
    """``a, b or c`` in the current language (English without the serial comma)."""
    if current_language() != DEFAULT_LANGUAGE:
        return format_list(items, style="or", locale=locale())
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
