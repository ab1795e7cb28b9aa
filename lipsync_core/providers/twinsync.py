"""TwinSync lip replacement API (``/videotalking``).

Source: shared/seeds/004. Submit is a form-encoded POST (as the document's own example does)
with the key as the form field ``key``; status is a GET with ``taskID``. Answers carry
``result_code``: 100 queued on submit; 101 waiting, 102 running, 103 success, 104 failed,
200 unknown task on status. The document's own example reports a finished task as 100 with a
``result_url``, so 100 with a ``result_url`` is success too.
"""

from __future__ import annotations

from enum import StrEnum

import requests
from pydantic import Field

from lipsync_core.errors import (
    AuthenticationError,
    InvalidRequestError,
    NotFoundError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitError,
)
from lipsync_core.http import (
    retry_after_seconds,
    status_error_class,
)
from lipsync_core.providers.common import IdText, ProviderClient, WireModel

PROVIDER = "twinsync"
DEFAULT_BASE_URL = "http://api.twinsync.xyz:27323"
PATH = "/videotalking"
QUEUED = 100

_SUBMIT_ERRORS: dict[int, tuple[type[ProviderError], str]] = {
    200: (InvalidRequestError, "TwinSync says the request is missing or has a wrong parameter"),
    201: (AuthenticationError, "TwinSync did not accept the API key; check it in the settings"),
    202: (InvalidRequestError, "TwinSync could not use the audio or video address"),
    203: (ProviderUnavailableError, "TwinSync had an internal error; try again in a few minutes"),
}


class TwinSyncState(StrEnum):
    WAITING = "waiting"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


_STATUS_STATES = {101: TwinSyncState.WAITING, 102: TwinSyncState.RUNNING}


class TwinSyncAnswer(WireModel):
    """The raw shape of every TwinSync answer."""

    result_code: int
    msg: str | None = None
    task_id: IdText | None = None
    result_url: str | None = None


class TwinSyncTask(WireModel):
    """A task's status: ``state``, ``result_url`` once done, TwinSync's ``message`` and ``code``."""

    task_id: str
    state: TwinSyncState
    code: int
    message: str | None = None
    result_url: str | None = Field(default=None)


class TwinSyncClient(ProviderClient):
    """Client for TwinSync; the key travels as the form field ``key`` of the submit POST."""

    provider = PROVIDER
    default_base_url = DEFAULT_BASE_URL

    def submit(self, audio_url: str, video_url: str) -> str:
        """Queue a lip replacement; returns the ``task_id``."""
        form = {"audio_url": audio_url, "video_url": video_url, "key": self._secret.reveal()}
        response = self._transport.request("POST", PATH, data=form)
        answer = self._answer(response)
        if answer.result_code != QUEUED or not answer.task_id:
            raise self._error_for(answer, response, _SUBMIT_ERRORS)
        return answer.task_id

    def get_status(self, task_id: str) -> TwinSyncTask:
        response = self._transport.request("GET", PATH, params={"taskID": task_id})
        answer = self._answer(response)
        state = _state_of(answer)
        if state is None:
            if answer.result_code == 200:
                raise self._error_for(answer, response, {200: (NotFoundError, _NOT_FOUND)})
            raise self._transport.unexpected(
                response, f"a status code this app does not know ({answer.result_code})"
            )
        if state is TwinSyncState.SUCCEEDED and not answer.result_url:
            raise self._transport.unexpected(response, "a finished task without its video address")
        return TwinSyncTask(
            task_id=answer.task_id or task_id,
            state=state,
            code=answer.result_code,
            message=answer.msg,
            result_url=answer.result_url,
        )

    def _answer(self, response: requests.Response) -> TwinSyncAnswer:
        """The one place a TwinSync HTTP answer is checked before its ``result_code`` is read."""
        try:
            body = response.json()
        except ValueError:
            if response.ok:
                raise self._transport.unexpected(response) from None
            raise self._transport.error_page(response) from None
        try:
            answer = TwinSyncAnswer.model_validate(body)
        except ValueError:
            if response.ok:
                raise self._transport.unexpected(
                    response, "an answer without a result code"
                ) from None
            raise self._transport.error_page(response) from None
        if response.status_code == 429 or response.status_code >= 500:
            raise self._http_error(answer, response)
        return answer

    def _http_error(self, answer: TwinSyncAnswer, response: requests.Response) -> ProviderError:
        """Rate limits and server failures are told by the HTTP status, whatever the body says."""
        cls = status_error_class(response.status_code)
        message = self._secret.redact(answer.msg) if answer.msg else None
        extra = {"retry_after": retry_after_seconds(response)} if cls is RateLimitError else {}
        return cls(
            provider=PROVIDER,
            http_status=response.status_code,
            provider_code=answer.result_code,
            provider_message=message,
            **extra,
        )

    def _error_for(
        self,
        answer: TwinSyncAnswer,
        response: requests.Response,
        table: dict[int, tuple[type[ProviderError], str]],
    ) -> ProviderError:
        cls, sentence = table.get(
            answer.result_code, (ProviderError, "TwinSync reported a problem")
        )
        message = self._secret.redact(answer.msg) if answer.msg else None
        detail = f": {message.rstrip('.')}" if message and cls is not AuthenticationError else ""
        return cls(
            f"{sentence}{detail} (code {answer.result_code}).",
            provider=PROVIDER,
            http_status=response.status_code,
            provider_code=answer.result_code,
            provider_message=message,
        )


_NOT_FOUND = "TwinSync does not know this task"


def _state_of(answer: TwinSyncAnswer) -> TwinSyncState | None:
    if answer.result_code == 103 or (answer.result_code == QUEUED and answer.result_url):
        return TwinSyncState.SUCCEEDED
    if answer.result_code == QUEUED:
        return TwinSyncState.WAITING
    if answer.result_code == 104:
        return TwinSyncState.FAILED
    return _STATUS_STATES.get(answer.result_code)


__all__ = ["DEFAULT_BASE_URL", "TwinSyncClient", "TwinSyncState", "TwinSyncTask"]
