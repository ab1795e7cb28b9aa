"""Kling's documented media and timing rules, as pure functions returning the breach or ``None``.

From the identify-face and advanced-lip-sync descriptions of seed ``003``: video .mp4/.mov,
≤100 MB, 2–60 s, each side 512–2160 px; audio .mp3/.wav/.m4a, ≤5 MB, 2–60 s; the trimmed
audio at least 2 s; ``sound_end_time`` not after the audio's end; the inserted audio inside
the video and overlapping the chosen face's interval by at least 2 s.
"""

from __future__ import annotations

from lipsync_core.media import MediaInfo

MIN_MS = 2000
MAX_MS = 60000
MIN_OVERLAP_MS = 2000
MIN_SIDE, MAX_SIDE = 512, 2160
VIDEO_FORMATS = {"mov", "mp4"}
AUDIO_FORMATS = {"mp3", "wav", "m4a", "mov", "mp4"}


def video_problem(info: MediaInfo, size_bytes: int) -> str | None:
    if not info.has_video:
        return "video_url has no video track"
    if not _formats(info) & VIDEO_FORMATS:
        return "video_url must be an .mp4 or .mov video"
    if size_bytes > 100 * 1024 * 1024:
        return "video_url is larger than 100 MB"
    seconds = info.video_duration or info.duration or 0
    if not MIN_MS <= round(seconds * 1000) <= MAX_MS:
        return f"The video must be 2 to 60 seconds long, not {seconds:.1f} s"
    sides = (info.width or 0, info.height or 0)
    if not all(MIN_SIDE <= side <= MAX_SIDE for side in sides):
        return f"Each side of the video must be 512 to 2160 px, not {sides[0]}x{sides[1]}"
    return None


def audio_problem(info: MediaInfo, size_bytes: int, sound_end_time: int) -> str | None:
    if not info.has_audio or info.has_video:
        return "sound_file must be an audio file (.mp3, .wav or .m4a)"
    if not _formats(info) & AUDIO_FORMATS:
        return "sound_file must be an .mp3, .wav or .m4a file"
    if size_bytes > 5 * 1024 * 1024:
        return "sound_file is larger than 5 MB"
    length_ms = round((info.audio_duration or 0) * 1000)
    if not MIN_MS <= length_ms <= MAX_MS:
        return f"sound_file must be 2 to 60 seconds long, not {length_ms} ms"
    if sound_end_time > length_ms:
        return f"sound_end_time {sound_end_time} ms is after the end of the audio ({length_ms} ms)"
    return None


def timing_problem(
    *,
    sound_start: int,
    sound_end: int,
    sound_insert: int,
    video_ms: int,
    face_start: int,
    face_end: int,
) -> str | None:
    if sound_start < 0:
        return "sound_start_time must not be negative"
    trimmed = sound_end - sound_start
    if trimmed < MIN_MS:
        return f"The trimmed audio must be at least 2000 ms long, not {trimmed} ms"
    insert_end = sound_insert + trimmed
    if sound_insert < 0 or insert_end > video_ms:
        return (
            f"The inserted audio ({sound_insert}-{insert_end} ms) must lie inside the video "
            f"(0-{video_ms} ms)"
        )
    overlap = min(insert_end, face_end) - max(sound_insert, face_start)
    if overlap < MIN_OVERLAP_MS:
        return (
            f"The inserted audio ({sound_insert}-{insert_end} ms) must overlap the face's "
            f"interval ({face_start}-{face_end} ms) by at least 2000 ms"
        )
    return None


def _formats(info: MediaInfo) -> set[str]:
    """FFmpeg's demuxer names ("mov,mp4,m4a,3gp,3g2,mj2") plus the file's extension."""
    names = set((info.format_name or "").split(","))
    return names | ({info.extension} if info.extension else set())
