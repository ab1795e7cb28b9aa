"""Media analysis before anything is sent: what a file is, whether a provider takes it, its faces.

``probing`` reads a local file or a link with PyAV without downloading it (:func:`probe`,
:class:`MediaInfo`); ``limits`` holds each provider's documented limits as data and checks media
and Kling's timing against them; ``faces`` is the local face preflight (Kling's face rules),
built on ``frame_sampling`` (which frames to decode) and ``face_tracks`` (joining detections into
faces).
"""

from lipsync_core.media.info import MediaInfo
from lipsync_core.media.probing import probe
from lipsync_core.media.range_reader import RangeReader

__all__ = ["MediaInfo", "RangeReader", "probe"]
