"""Kling lip sync through the 302.ai gateway: identify-face, advanced-lip-sync, task query.

Source: shared/seeds/003 (302.ai OpenAPI for Kling lip sync). Every body is
``{code, message, request_id, data}`` with ``code == 0`` on success. Error codes are Kling's
official table; a gateway error in another shape (``{"error": {"message": ...}}``) keeps its
message.
"""

from __future__ import annotations

import base64
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator, model_validator

from lipsync_core.errors import (
    AuthenticationError,
    InvalidRequestError,
    MediaValidationError,
    NotFoundError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitError,
)
from lipsync_core.http import Answer, status_error_class
from lipsync_core.i18n import N_, _
from lipsync_core.providers.common import (
    IdText,
    MillisDatetime,
    ProviderClient,
    RequestModel,
    Seconds,
    WireMillis,
    WireModel,
    parse,
)

PROVIDER = "kling"
DEFAULT_BASE_URL = "https://api.302.ai"
ALTERNATIVE_BASE_URL = "https://api.302ai.cn"
IDENTIFY_FACE_PATH = "/klingai/v1/videos/identify-face"
LIP_SYNC_PATH = "/klingai/v1/videos/advanced-lip-sync"
SOUND_FILE_MAX_BYTES = 5 * 1024 * 1024
SOUND_FILE_EXTENSIONS = (".mp3", ".wav", ".m4a")

_CODE_CLASSES: dict[int, type[ProviderError]] = {
    **dict.fromkeys((1000, 1001, 1002, 1003, 1004, 1103), AuthenticationError),
    **dict.fromkeys((1200, 1201, 1202, 1300, 1301), InvalidRequestError),
    1203: NotFoundError,
    **dict.fromkeys((1100, 1101, 1102, 1302, 1303, 1304), RateLimitError),
    **dict.fromkeys((5000, 5001, 5002), ProviderUnavailableError),
}

# Kling's official error table in plain words, one whole message per code (the code is kept
# in the text); the codes whose refusal Kling explains also take its words (``{details}``).
_CODE_SENTENCES: dict[int, str] = {
    1000: N_(
        "Kling did not accept the API key; check your 302.ai key in the settings (code {code})."
    ),
    1001: N_(
        "Kling did not receive an API key; add your 302.ai key in the settings (code {code})."
    ),
    1002: N_(
        "Kling did not accept the API key; check your 302.ai key in the settings (code {code})."
    ),
    1003: N_("Kling says the API key is not active yet (code {code})."),
    1004: N_("Kling says the API key has expired; create a new one at 302.ai (code {code})."),
    1100: N_("Kling says there is a problem with your account; check it at 302.ai (code {code})."),
    1101: N_("Kling says your account is in arrears; top it up at 302.ai (code {code})."),
    1102: N_("Kling says your account has run out of credits (code {code})."),
    1103: N_("Kling says your key has no permission for this feature (code {code})."),
    1200: N_("Kling rejected the request's parameters (code {code})."),
    1201: N_("Kling rejected the request (code {code})."),
    1202: N_("Kling does not accept this kind of request here (code {code})."),
    1203: N_("Kling could not find that task or session (code {code})."),
    1300: N_("Kling refused the request under its platform policy (code {code})."),
    1301: N_("Kling's content safety check refused the media (code {code})."),
    1302: N_("Kling is receiving too many requests; wait a moment and try again (code {code})."),
    1303: N_(
        "Kling is already running as many of your tasks as it allows; wait for one to finish "
        "(code {code})."
    ),
    1304: N_("Kling refused the request because of your account's IP allow-list (code {code})."),
    5000: N_("Kling had an internal error; try again in a few minutes (code {code})."),
    5001: N_("Kling is temporarily unavailable; try again in a few minutes (code {code})."),
    5002: N_("Kling's server timed out; try again in a few minutes (code {code})."),
}
_CODE_DETAILED: dict[int, str] = {
    1200: N_("Kling rejected the request's parameters: {details} (code {code})."),
    1201: N_("Kling rejected the request: {details} (code {code})."),
    1300: N_("Kling refused the request under its platform policy: {details} (code {code})."),
    1301: N_("Kling's content safety check refused the media: {details} (code {code})."),
}


class KlingTaskStatus(StrEnum):
    SUBMITTED = "submitted"
    PROCESSING = "processing"
    SUCCEED = "succeed"
    FAILED = "failed"


class Face(WireModel):
    """A face found by identify-face; times are the lip-sync-able interval in milliseconds."""

    face_id: IdText
    face_image: str | None = None
    start_time: WireMillis
    end_time: WireMillis


class FaceIdentification(WireModel):
    """identify-face's answer: ``session_id`` (valid 24 h) and the faces found."""

    session_id: IdText
    faces: list[Face] = Field(default_factory=list, alias="face_data")

    @field_validator("faces", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value


class FaceChoice(RequestModel):
    """One entry of ``face_choose``: which face speaks which audio, where and how loud.

    ``face_id`` is documented as a string, but the document's own example sends ``0``: a number
    is accepted and read as its text ("0").
    """

    face_id: IdText
    sound_file: str
    sound_start_time: int = Field(ge=0)
    sound_end_time: int = Field(ge=0)
    sound_insert_time: int = Field(ge=0)
    sound_volume: float | None = Field(default=None, ge=0, le=2)
    original_audio_volume: float | None = Field(default=None, ge=0, le=2)


class CreateLipSyncRequest(RequestModel):
    session_id: str
    face_choose: list[FaceChoice]
    external_task_id: str | None = None


class LipSyncVideo(WireModel):
    id: IdText
    url: str
    duration: Seconds | None = None


class ParentVideo(WireModel):
    id: IdText | None = None
    url: str | None = None
    duration: Seconds | None = None


class LipSyncTask(WireModel):
    """A lip-sync task as created or queried; ``videos`` is empty until it succeeds."""

    task_id: IdText
    status: KlingTaskStatus = Field(alias="task_status")
    status_message: str | None = Field(default=None, alias="task_status_msg")
    external_task_id: IdText | None = None
    parent_video: ParentVideo | None = None
    videos: list[LipSyncVideo] = Field(default_factory=list)
    created_at: MillisDatetime | None = None
    updated_at: MillisDatetime | None = None

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        info = _object(data.get("task_info"), "task_info")
        result = _object(data.get("task_result"), "task_result")
        return {
            **data,
            "external_task_id": info.get("external_task_id") or data.get("external_task_id"),
            "parent_video": info.get("parent_video"),
            "videos": result.get("videos") or [],
        }


def _object(value: Any, field: str) -> dict[str, Any]:
    """An optional object of the envelope: absent or null is empty, anything else is refused."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{field} is not an object")
    return value


def sound_file_from_path(path: str | Path) -> str:
    """The base64 ``sound_file`` value Kling accepts for a local .mp3/.wav/.m4a of at most 5 MB."""
    audio = Path(path)
    if audio.suffix.lower() not in SOUND_FILE_EXTENSIONS and audio.suffix:
        words = _("The audio file is {extension}; Kling accepts .mp3, .wav or .m4a.")
        raise MediaValidationError(words.format(extension=audio.suffix))
    if audio.suffix.lower() not in SOUND_FILE_EXTENSIONS:
        raise MediaValidationError(
            _("The audio file is without an extension; Kling accepts .mp3, .wav or .m4a.")
        )
    size = audio.stat().st_size
    if size > SOUND_FILE_MAX_BYTES:
        # Kept with a job when the task is created in the background: plain digits.
        words = _("The audio file is {size} MB; Kling accepts at most 5 MB.")
        raise MediaValidationError(words.format(size=f"{size / 1024 / 1024:.1f}"))
    return base64.b64encode(audio.read_bytes()).decode("ascii")


class KlingClient(ProviderClient):
    """Client for Kling lip sync via 302.ai; auth is ``Authorization: Bearer <key>``.

    Each endpoint sends its request and hands the answer to ``read_identification`` or
    ``read_task``, which turn whatever arrived into a model or a ``ProviderError``.
    """

    provider = PROVIDER
    default_base_url = DEFAULT_BASE_URL

    def identify_face(self, video_url: str) -> FaceIdentification:
        """Find the faces in a video (0.007 PTC per call); the session lasts 24 hours."""
        return self.read_identification(
            self._send("POST", IDENTIFY_FACE_PATH, json={"video_url": video_url})
        )

    def create_lip_sync(
        self,
        session_id: str,
        faces: list[FaceChoice],
        *,
        external_task_id: str | None = None,
    ) -> LipSyncTask:
        """Create a lip-sync task (0.07 PTC); ``external_task_id`` must be unique per account."""
        body = CreateLipSyncRequest(
            session_id=session_id, face_choose=faces, external_task_id=external_task_id
        )
        return self.read_task(self._send("POST", LIP_SYNC_PATH, json=body.to_wire()))

    def get_lip_sync(self, task_id: str) -> LipSyncTask:
        """Query a task by its ``task_id`` or by the ``external_task_id`` given at creation."""
        return self.read_task(self._send("GET", f"{LIP_SYNC_PATH}/{task_id}"))

    def _send(self, method: str, path: str, *, json: Any = None) -> Answer:
        headers = {"Authorization": f"Bearer {self._secret.reveal()}"}
        return self._transport.request(method, path, json=json, headers=headers)

    # -- reading answers ----------------------------------------------------------------------

    def read_identification(self, answer: Answer) -> FaceIdentification:
        return parse(self._transport, answer, FaceIdentification, self._data(answer))

    def read_task(self, answer: Answer) -> LipSyncTask:
        return parse(self._transport, answer, LipSyncTask, self._data(answer))

    def _data(self, answer: Answer) -> Any:
        """The one place a Kling answer becomes an error; returns ``data`` if all is well."""
        body = self._transport.body(answer)
        if isinstance(body, dict) and _is_zero(body.get("code")) and answer.ok:
            if body.get("data") is None:
                raise self._transport.unexpected(
                    answer, N_("{name} sent an answer without data (HTTP {status}).")
                )
            return body["data"]
        raise self._error_for(body, answer)

    def _error_for(self, body: Any, answer: Answer) -> ProviderError:
        code, message, request_id = _error_fields(body)
        if code is None and message is None:
            if answer.ok:
                return self._transport.unexpected(answer)
            return self._transport.error_page(answer)
        cls = _CODE_CLASSES.get(code) if isinstance(code, int) else None
        cls = cls or (status_error_class(answer.status) if not answer.ok else None)
        cls = cls or ProviderError
        message = self._transport.provider_text(message)
        return self._transport.error(
            cls,
            _sentence(code, message, answer.status, cls),
            answer,
            provider_code=code,
            provider_message=message,
            request_id=request_id,
        )


def _is_zero(code: Any) -> bool:
    return isinstance(code, int) and not isinstance(code, bool) and code == 0


def _error_fields(body: Any) -> tuple[int | str | None, Any, Any]:
    """Code, message and request id from Kling's envelope or a gateway's ``{"error": {...}}``."""
    if not isinstance(body, dict):
        return None, None, None
    source = body["error"] if isinstance(body.get("error"), dict) else body
    return (
        _code(source.get("code", source.get("err_code"))),
        source.get("message") or source.get("msg") or None,
        body.get("request_id") or source.get("request_id"),
    )


def _code(value: Any) -> int | str | None:
    """Kling's ``code`` as an int when it is one (or a string of ASCII digits), else its text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if abs(value) < 10**9 else None
    if isinstance(value, str):
        text = value.strip()
        digits = text.lstrip("-")
        if digits.isascii() and digits.isdigit() and len(digits) < 10:
            return int(text)
        return text or None
    return None


def _sentence(
    code: int | str | None, message: str | None, http_status: int, cls: type[ProviderError]
) -> str:
    """Kling's own words for a known code; else the error class's sentence with the message."""
    known = _CODE_SENTENCES.get(code) if isinstance(code, int) else None
    detailed = _CODE_DETAILED.get(code) if isinstance(code, int) else None
    if detailed and message:
        return _(detailed).format(details=message.rstrip("."), code=code)
    if known:
        return _(known).format(code=code)
    return cls.sentence("Kling", message, code=code, http_status=http_status)


__all__ = [
    "DEFAULT_BASE_URL",
    "Face",
    "FaceChoice",
    "FaceIdentification",
    "KlingClient",
    "KlingTaskStatus",
    "LipSyncTask",
    "LipSyncVideo",
    "sound_file_from_path",
]
