"""Lip-sync quality of results, measured locally: do the lips follow the audio, and how closely.

``measure_sync(video, audio=None, *, source=None)`` returns a :class:`SyncReport`
(``offset_ms``, ``confidence``, ``mouth_moves``, face facts, change against the source, and a
plain ``reason`` when nothing could be measured). Modules: ``lips`` (the face followed with
MediaPipe's landmark model, bundled in ``models/``), ``sound`` (loudness), ``alignment`` (the
delay search), ``change`` (the picture outside the mouth against the source), ``measure`` (the
whole), ``report``, and ``validation`` (synthetic talking clips of known offset that the tests
and ``python -m bench quality`` measure).
"""

from lipsync_core.quality.measure import measure_sync
from lipsync_core.quality.report import SyncReport

__all__ = ["SyncReport", "measure_sync"]
