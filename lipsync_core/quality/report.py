"""What the lip-sync measure found in one result, in figures and in one plain sentence."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from lipsync_core.i18n import _, translate_stored

METHOD = "lip-landmarks-1"
# An offset within about one frame (25 fps) is "in time".
IN_TIME_MS = 45.0


@dataclass(frozen=True)
class SyncReport:
    """How well the lips of a video follow its audio.

    ``offset_ms``: how far the audio runs ahead of the lips (positive: a sound is heard before
    the lips show it; negative: the audio runs behind, the lips move first); ``None`` when the
    mouth does not move with the speech or nothing could be measured. It is searched within
    ±1 s.

    ``confidence``: the correlation (−1 to 1; in practice 0 to 1) between the lips' opening and
    the audio's loudness at that offset, both without their changes slower than about a second:
    about 0.8 or more when a mouth clearly follows speech, under about 0.4 for a still mouth
    over 5 s of speech (chance alone; less over longer clips). ``None`` when nothing could be
    measured.

    ``mouth_moves``: whether the lips follow the speech (``confidence`` ≥ 0.5): ``False`` for a
    still mouth, a mouth moving out of step with the audio, and anything not measured.

    ``face_share``: the share of frames in which a face was followed (0–1);
    ``largest_face_ratio``: the face's largest height (forehead to chin) over the picture's;
    ``outside_mouth_change``: with a source video, the share of the picture outside the lower
    face (nose tip to chin, cheek to cheek) whose brightness differs from the source's by more
    than 8 of 255 grey levels (both blurred over 5 pixels first), averaged over two frames a
    second: about 0.001 for an untouched picture re-encoded, 0.2 or more for a picture blurred,
    shifted by a few pixels or recoloured; ``None`` without a source.

    ``reason``: why nothing could be measured, in one sentence (``None`` when measured);
    ``notes``: sentences about parts that could not be measured. ``method`` names the way of
    measuring, so stored reports can be measured again when it changes.
    """

    offset_ms: float | None
    confidence: float | None
    mouth_moves: bool
    face_share: float | None = None
    largest_face_ratio: float | None = None
    outside_mouth_change: float | None = None
    duration_s: float | None = None
    reason: str | None = None
    notes: tuple[str, ...] = ()
    method: str = METHOD

    @property
    def measured(self) -> bool:
        return self.reason is None

    def summary(self) -> str:
        """One sentence for a person, in the current language: what the lips do, or why it is
        not known (the kept reason, translated)."""
        if self.reason is not None:
            return translate_stored(self.reason) or self.reason
        if not self.mouth_moves or self.offset_ms is None:
            return _("The mouth does not move with the speech.")
        offset = round(self.offset_ms)
        if abs(self.offset_ms) <= IN_TIME_MS:
            return _("The lips follow the audio in time (offset {offset} ms).").format(
                offset=f"{offset:+d}"
            )
        if offset > 0:
            text = _("The lips follow the audio, which runs {offset} ms ahead of them.")
        else:
            text = _("The lips follow the audio, which runs {offset} ms behind them.")
        return text.format(offset=abs(offset))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (for storing with a job)."""
        data = asdict(self)
        data["notes"] = list(self.notes)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SyncReport:
        """The report :meth:`to_dict` gave; unknown keys are ignored."""
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        values["notes"] = tuple(values.get("notes", ()))
        return cls(**values)
