"""AusyncLab Lipsync API (models Prime and Nova): one method per documented endpoint.

Source: shared/seeds/000 (AusyncLab Lipsync API). Every success body is
``{"status": 200, "result": ...}``. Timestamps such as ``2025-01-04T08:33:42`` carry no zone; we
take them as UTC, because the API is a hosted service whose documented examples never carry an
offset and UTC is the only zone a server-side default can be assumed to use.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

import requests

from lipsync_core.errors import (
    InvalidRequestError,
    NotFoundError,
    ProviderError,
    RateLimitError,
    provider_display_name,
)
from lipsync_core.http import (
    Secret,
    retry_after_seconds,
    status_error_class,
)
from lipsync_core.providers.common import (
    ProviderClient,
    RequestModel,
    UtcDatetime,
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
SYNC_MODE_DESCRIPTIONS: dict[SyncMode, str] = {
    SyncMode.LOOP: "repeat the video until the audio ends (AusyncLab's default)",
    SyncMode.BOUNCE: "play the video forward, then backward, until the audio ends",
    SyncMode.CUT_OFF: "stop at whichever of the video and the audio is shorter",
    SyncMode.SILENCE: "keep both whole: pad the shorter one with silence or a held last frame",
    SyncMode.REMAP: "stretch or squeeze the video to the audio's length",
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
    video_id: int


class GenerationTicket(WireModel):
    """What ``/generate-lipsync-v2`` answers: the new video's id and the operation id."""

    video_id: int
    operation_id: str | None = None
    message: str | None = None


class DeleteResult(WireModel):
    id: int
    message: str | None = None


class RegisteredVideo(WireModel):
    id: int
    name: str | None = None
    video_url: str | None = None
    thumbnail_url: str | None = None
    created_at: UtcDatetime | None = None
    state: AusyncLabState


class GeneratedVideo(WireModel):
    id: int
    registered_video_id: int | None = None
    name: str | None = None
    audio_url: str | None = None
    output_video_url: str | None = None
    thumbnail_url: str | None = None
    created_at: UtcDatetime | None = None
    state: AusyncLabState


class RegistrationCallback(WireModel):
    """POSTed to ``callback_url`` when a registration ends."""

    video_id: int
    credits_used: float | None = None
    status: AusyncLabState
    message: str | None = None


class LipsyncCallback(WireModel):
    """POSTed to ``callback_url`` when a lip-sync generation ends."""

    video_id: int
    video_url: str | None = None
    credits_used: float | None = None
    status: AusyncLabState
    message: str | None = None


class AusyncLabClient(ProviderClient):
    """Client for the AusyncLab Lipsync API; auth is the ``X-API-Key`` header."""

    provider = PROVIDER
    default_base_url = DEFAULT_BASE_URL

    def register_video(
        self, video_url: str, *, name: str | None = None, callback_url: str | None = None
    ) -> int:
        """Register a source video for Prime; returns its ``video_id``."""
        body = RegisterVideoRequest(name=name, video_url=video_url, callback_url=callback_url)
        response, result = self._send("POST", "/register-video", json=body.to_wire())
        return parse(self._transport, response, VideoIdResult, result).video_id

    def list_registered_videos(self) -> list[RegisteredVideo]:
        response, result = self._send("GET", "/register", empty_on_404=True)
        return parse_list(self._transport, response, RegisteredVideo, result)

    def get_registered_video(self, video_id: int) -> RegisteredVideo:
        response, result = self._send("GET", f"/register/{int(video_id)}")
        return parse(self._transport, response, RegisteredVideo, result)

    def delete_registered_video(self, video_id: int) -> None:
        response, result = self._send("DELETE", f"/register/{int(video_id)}")
        parse(self._transport, response, DeleteResult, result)

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
        response, result = self._send("POST", "/generate-lipsync", json=body.to_wire())
        return parse(self._transport, response, VideoIdResult, result).video_id

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
        response, result = self._send("POST", "/generate-lipsync-v2", json=body.to_wire())
        return parse(self._transport, response, GenerationTicket, result)

    def list_generated_videos(self) -> list[GeneratedVideo]:
        response, result = self._send("GET", "/generate", empty_on_404=True)
        return parse_list(self._transport, response, GeneratedVideo, result)

    def get_generated_video(self, video_id: int) -> GeneratedVideo:
        response, result = self._send("GET", f"/generate/{int(video_id)}")
        return parse(self._transport, response, GeneratedVideo, result)

    def delete_generated_video(self, video_id: int) -> None:
        response, result = self._send("DELETE", f"/generate/{int(video_id)}")
        parse(self._transport, response, DeleteResult, result)

    def _send(
        self, method: str, path: str, *, json: Any = None, empty_on_404: bool = False
    ) -> tuple[requests.Response, Any]:
        """Send a request and return the envelope's ``result``.

        The document lists 404 for the list endpoints ("list not found"): a JSON 404 there
        means the account has no videos yet, so it becomes an empty list.
        """
        headers = {"X-API-Key": self._secret.reveal(), "Accept": "application/json"}
        response = self._transport.request(method, path, json=json, headers=headers)
        if empty_on_404 and response.status_code == 404 and _is_json(response):
            return response, []
        body = self._raise_for_error(response, creating=method == "POST")
        return response, body["result"]

    def _raise_for_error(self, response: requests.Response, *, creating: bool) -> dict[str, Any]:
        """The one place an AusyncLab answer becomes an error; returns the envelope if fine."""
        if not response.ok and not _is_json(response):
            raise self._transport.error_page(response)
        body = self._transport.json_body(response)
        status = _envelope_status(body, response.status_code)
        if status == 200 and isinstance(body, dict) and "result" in body:
            return body
        if status == 200:
            raise self._transport.unexpected(response, "an answer without a result")
        raise _error_for(status, body, response, creating=creating, secret=self._secret)


def _choice(enum: type[EnumT], value: str, field: str) -> EnumT:
    """A documented option, or a plain-words refusal before anything is sent."""
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise InvalidRequestError(
            f"AusyncLab has no {field} {value!r}; choose one of: {allowed}.", provider=PROVIDER
        ) from None


def _is_json(response: requests.Response) -> bool:
    try:
        response.json()
    except ValueError:
        return False
    return True


def _envelope_status(body: Any, http_status: int) -> int:
    if http_status != 200:
        return http_status
    if isinstance(body, dict) and isinstance(body.get("status"), int):
        return body["status"]
    return http_status


def _error_for(
    status: int, body: Any, response: requests.Response, *, creating: bool, secret: Secret
) -> ProviderError:
    cls = status_error_class(status)
    if cls is NotFoundError and creating:
        # On a create, 404 means "could not create": the referenced video is missing or not ready.
        cls = InvalidRequestError
    detail = secret.redact(error_detail(body))
    name = provider_display_name(PROVIDER)
    message = _sentence(cls, name, detail, status)
    extra = {"retry_after": retry_after_seconds(response)} if cls is RateLimitError else {}
    return cls(
        message,
        provider=PROVIDER,
        http_status=status,
        provider_code=status,
        provider_message=detail or None,
        request_id=response.headers.get("x-request-id"),
        **extra,
    )


def _sentence(cls: type[ProviderError], name: str, detail: str, status: int) -> str:
    base = cls.default_sentence.format(name=name)
    if detail:
        return f"{base}: {detail.rstrip('.')} (HTTP {status})."
    return f"{base} (HTTP {status})."


def error_detail(body: Any) -> str:
    """Readable text from FastAPI ``detail`` (a string or a list of field errors) or similar."""
    if not isinstance(body, dict):
        return ""
    detail = body.get("detail", body.get("message", body.get("msg")))
    if isinstance(body.get("error"), dict):
        detail = body["error"].get("message", detail)
    if isinstance(detail, list):
        return "; ".join(_field_error(item) for item in detail)
    if isinstance(body.get("result"), str) and detail is None:
        detail = body["result"]
    return str(detail) if detail is not None else ""


def _field_error(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    location = [str(part) for part in item.get("loc", []) if part not in ("body", "query", "path")]
    field = ".".join(location)
    message = str(item.get("msg", "is not valid"))
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
    "RegisteredVideo",
    "RegistrationCallback",
    "SyncMode",
]
