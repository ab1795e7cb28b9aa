"""AusyncLab Lipsync API (models Prime and Nova): one method per documented endpoint.

Source: shared/seeds/000 (AusyncLab Lipsync API). Every success body is
``{"status": 200, "result": ...}``. Timestamps such as ``2025-01-04T08:33:42`` carry no zone; we
take them as UTC, because the API is a hosted service whose documented examples never carry an
offset and UTC is the only zone a server-side default can be assumed to use.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

from lipsync_core.errors import (
    InvalidRequestError,
    NotFoundError,
    ProviderError,
    provider_display_name,
)
from lipsync_core.http import Answer, status_error_class
from lipsync_core.i18n import N_, _
from lipsync_core.providers.common import (
    IdText,
    ProviderClient,
    ReadList,
    RequestModel,
    SkippedItem,
    UtcDatetime,
    WireId,
    WireModel,
    parse,
    parse_list,
)

PROVIDER = "ausynclab"
EnumT = TypeVar("EnumT", bound=StrEnum)
DEFAULT_BASE_URL = "https://api.ausynclab.io/api/v1/lipsync"


class AusyncLabState(StrEnum):
    """A registered or generated video's state."""

    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class AusyncLabModel(StrEnum):
    PRIME = "prime"
    NOVA = "nova"


class SyncMode(StrEnum):
    """How ``/generate-lipsync-v2`` fits the video to an audio of another length."""

    CUT_OFF = "cut_off"
    LOOP = "loop"
    BOUNCE = "bounce"
    SILENCE = "silence"
    REMAP = "remap"


# What each sync mode does, in plain words, so a person can choose one. AusyncLab's document
# (shared/seeds/000) lists the modes by name only and does not define them beyond their names:
# these lines describe how the embedded sandbox renders each mode, read from the names.
# In English here (marked for the catalogue): show them with ``_()``.
SYNC_MODE_DESCRIPTIONS: dict[SyncMode, str] = {
    SyncMode.LOOP: N_("repeat the video until the audio ends (AusyncLab's default)"),
    SyncMode.BOUNCE: N_("play the video forward, then backward, until the audio ends"),
    SyncMode.CUT_OFF: N_("stop at whichever of the video and the audio is shorter"),
    SyncMode.SILENCE: N_("keep both whole: pad the shorter one with silence or a held last frame"),
    SyncMode.REMAP: N_("stretch or squeeze the video to the audio's length"),
}


class RegisterVideoRequest(RequestModel):
    name: str | None = None
    video_url: str
    callback_url: str | None = None


class GenerateLipsyncRequest(RequestModel):
    name: str | None = None
    registered_video_id: int
    audio_url: str
    callback_url: str | None = None


class GenerateLipsyncV2Request(RequestModel):
    name: str | None = None
    video_url: str
    audio_url: str
    model: AusyncLabModel = AusyncLabModel.PRIME
    sync_mode: SyncMode = SyncMode.LOOP
    callback_url: str | None = None


class VideoIdResult(WireModel):
    video_id: WireId


class GenerationTicket(WireModel):
    """What ``/generate-lipsync-v2`` answers: the new video's id and the operation id."""

    video_id: WireId
    operation_id: IdText | None = None
    message: str | None = None


class DeleteResult(WireModel):
    id: WireId
    message: str | None = None


class RegisteredVideo(WireModel):
    id: WireId
    name: str | None = None
    video_url: str | None = None
    thumbnail_url: str | None = None
    created_at: UtcDatetime | None = None
    state: AusyncLabState


class GeneratedVideo(WireModel):
    id: WireId
    registered_video_id: WireId | None = None
    name: str | None = None
    audio_url: str | None = None
    output_video_url: str | None = None
    thumbnail_url: str | None = None
    created_at: UtcDatetime | None = None
    state: AusyncLabState


class RegistrationCallback(WireModel):
    """POSTed to ``callback_url`` when a registration ends."""

    video_id: WireId
    credits_used: float | None = None
    status: AusyncLabState
    message: str | None = None


class LipsyncCallback(WireModel):
    """POSTed to ``callback_url`` when a lip-sync generation ends."""

    video_id: WireId
    video_url: str | None = None
    credits_used: float | None = None
    status: AusyncLabState
    message: str | None = None


class AusyncLabClient(ProviderClient):
    """Client for the AusyncLab Lipsync API; auth is the ``X-API-Key`` header.

    Each endpoint sends its request and hands the answer to one of the ``read_*`` methods, which
    turn whatever arrived into a model or a ``ProviderError``.
    """

    provider = PROVIDER
    default_base_url = DEFAULT_BASE_URL

    def register_video(
        self, video_url: str, *, name: str | None = None, callback_url: str | None = None
    ) -> int:
        """Register a source video for Prime; returns its ``video_id``."""
        body = RegisterVideoRequest(name=name, video_url=video_url, callback_url=callback_url)
        return self.read_video_id(self._send("POST", "/register-video", json=body.to_wire()))

    def list_registered_videos(self) -> ReadList[RegisteredVideo]:
        """Every registered video that could be read (see ``ReadList.skipped`` for the rest)."""
        return self.read_registered_list(self._send("GET", "/register"))

    def get_registered_video(self, video_id: int) -> RegisteredVideo:
        return self.read_registered(self._send("GET", f"/register/{int(video_id)}"))

    def delete_registered_video(self, video_id: int) -> None:
        self.read_deleted(self._send("DELETE", f"/register/{int(video_id)}"))

    def generate_lipsync(
        self,
        registered_video_id: int,
        audio_url: str,
        *,
        name: str | None = None,
        callback_url: str | None = None,
    ) -> int:
        """Generate with Prime from a COMPLETED registered video; returns the new ``video_id``."""
        body = GenerateLipsyncRequest(
            name=name,
            registered_video_id=registered_video_id,
            audio_url=audio_url,
            callback_url=callback_url,
        )
        return self.read_video_id(self._send("POST", "/generate-lipsync", json=body.to_wire()))

    def generate_lipsync_v2(
        self,
        video_url: str,
        audio_url: str,
        *,
        model: str = "prime",
        sync_mode: str = "loop",
        name: str | None = None,
        callback_url: str | None = None,
    ) -> GenerationTicket:
        """Generate straight from URLs (no registration), with Prime or Nova."""
        body = GenerateLipsyncV2Request(
            name=name,
            video_url=video_url,
            audio_url=audio_url,
            model=_choice(AusyncLabModel, model, "model"),
            sync_mode=_choice(SyncMode, sync_mode, "sync_mode"),
            callback_url=callback_url,
        )
        return self.read_ticket(self._send("POST", "/generate-lipsync-v2", json=body.to_wire()))

    def list_generated_videos(self) -> ReadList[GeneratedVideo]:
        """Every generated video that could be read (see ``ReadList.skipped`` for the rest)."""
        return self.read_generated_list(self._send("GET", "/generate"))

    def get_generated_video(self, video_id: int) -> GeneratedVideo:
        return self.read_generated(self._send("GET", f"/generate/{int(video_id)}"))

    def delete_generated_video(self, video_id: int) -> None:
        self.read_deleted(self._send("DELETE", f"/generate/{int(video_id)}"))

    def _send(self, method: str, path: str, *, json: Any = None) -> Answer:
        headers = {"X-API-Key": self._secret.reveal(), "Accept": "application/json"}
        return self._transport.request(method, path, json=json, headers=headers)

    # -- reading answers ----------------------------------------------------------------------

    def read_video_id(self, answer: Answer) -> int:
        """``/register-video`` and ``/generate-lipsync``: the new video's id."""
        result = self._result(answer, creating=True)
        return parse(self._transport, answer, VideoIdResult, result).video_id

    def read_ticket(self, answer: Answer) -> GenerationTicket:
        return parse(self._transport, answer, GenerationTicket, self._result(answer, creating=True))

    def read_registered(self, answer: Answer) -> RegisteredVideo:
        return parse(self._transport, answer, RegisteredVideo, self._result(answer))

    def read_generated(self, answer: Answer) -> GeneratedVideo:
        return parse(self._transport, answer, GeneratedVideo, self._result(answer))

    def read_deleted(self, answer: Answer) -> DeleteResult:
        return parse(self._transport, answer, DeleteResult, self._result(answer))

    def read_registered_list(self, answer: Answer) -> ReadList[RegisteredVideo]:
        result = self._result(answer, empty_on_404=True)
        return parse_list(self._transport, answer, RegisteredVideo, result)

    def read_generated_list(self, answer: Answer) -> ReadList[GeneratedVideo]:
        result = self._result(answer, empty_on_404=True)
        return parse_list(self._transport, answer, GeneratedVideo, result)

    def _result(self, answer: Answer, *, creating: bool = False, empty_on_404: bool = False) -> Any:
        """The envelope's ``result``; the one place an AusyncLab answer becomes an error.

        The document lists 404 for the list endpoints ("list not found"): a JSON 404 there
        means the account has no videos yet, so it becomes an empty list.
        """
        body = self._transport.body(answer)
        if empty_on_404 and answer.status == 404:
            return []
        status = _envelope_status(body, answer.status)
        if status == 200 and isinstance(body, dict) and "result" in body:
            return body["result"]
        if status == 200:
            raise self._transport.unexpected(
                answer, N_("{name} sent an answer without a result (HTTP {status}).")
            )
        raise self._error_for(status, body, answer, creating=creating)

    def _error_for(
        self, status: int, body: Any, answer: Answer, *, creating: bool
    ) -> ProviderError:
        cls = status_error_class(status)
        if cls is NotFoundError and creating:
            # On a create, 404 means "could not create": the referenced video is missing or
            # not ready.
            cls = InvalidRequestError
        detail = self._transport.provider_text(error_detail(body)) or ""
        return self._transport.error(
            cls,
            _sentence(cls, detail, status),
            answer,
            provider_code=status,
            provider_message=detail,
            request_id=answer.header("x-request-id"),
        )


def _choice(enum: type[EnumT], value: str, field: str) -> EnumT:
    """A documented option, or a plain-words refusal before anything is sent."""
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        words = _("AusyncLab has no {field} {value}; choose one of: {allowed}.")
        raise InvalidRequestError(
            words.format(field=field, value=repr(value), allowed=allowed), provider=PROVIDER
        ) from None


def _envelope_status(body: Any, http_status: int) -> int:
    """HTTP's status if it is not 200, else the envelope's ``status`` (an HTTP-like code)."""
    if http_status != 200:
        return http_status
    status = body.get("status") if isinstance(body, dict) else None
    if isinstance(status, int) and not isinstance(status, bool) and 100 <= status <= 599:
        return status
    return http_status


def _sentence(cls: type[ProviderError], detail: str, status: int) -> str:
    return cls.sentence(provider_display_name(PROVIDER), detail, http_status=status)


def error_detail(body: Any) -> str:
    """Readable text from FastAPI ``detail`` (a string or a list of field errors) or similar."""
    if not isinstance(body, dict):
        return ""
    detail = body.get("detail", body.get("message", body.get("msg")))
    if isinstance(body.get("error"), dict):
        detail = body["error"].get("message", detail)
    if isinstance(detail, list):
        return "; ".join(_field_error(item) for item in detail[:10])
    if isinstance(body.get("result"), str) and detail is None:
        detail = body["result"]
    return _plain(detail)


def _plain(value: Any) -> str:
    """A provider's scalar as text; containers are not a message."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _field_error(item: Any) -> str:
    if not isinstance(item, dict):
        return _plain(item)
    loc = item.get("loc")
    parts = loc if isinstance(loc, list) else []
    location = [_plain(part) for part in parts if part not in ("body", "query", "path")]
    field = ".".join(part for part in location if part)
    message = _plain(item.get("msg")) or "is not valid"
    return f"{field}: {message}" if field else message


__all__ = [
    "DEFAULT_BASE_URL",
    "SYNC_MODE_DESCRIPTIONS",
    "AusyncLabClient",
    "AusyncLabModel",
    "AusyncLabState",
    "GeneratedVideo",
    "GenerationTicket",
    "LipsyncCallback",
    "ReadList",
    "RegisteredVideo",
    "RegistrationCallback",
    "SkippedItem",
    "SyncMode",
]
