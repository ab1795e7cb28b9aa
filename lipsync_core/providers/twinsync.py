"""TwinSync lip replacement API (``/videotalking``).

Source: shared/seeds/004. Submit is a form-encoded POST (as the document's own example does)
with the key as the form field ``key``; status is a GET with ``taskID``. Answers carry
``result_code``: 100 queued on submit; 101 waiting, 102 running, 103 success, 104 failed,
200 unknown task on status. The document's own example reports a finished task as 100 with a
``result_url``, so 100 with a ``result_url`` is success too.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from lipsync_core.errors import (
    AuthenticationError,
    InvalidRequestError,
    NotFoundError,
    ProviderError,
    ProviderUnavailableError,
)
from lipsync_core.http import Answer, status_error_class
from lipsync_core.i18n import N_, _
from lipsync_core.providers.common import IdText, ProviderClient, WireModel

PROVIDER = "twinsync"
DEFAULT_BASE_URL = "http://api.twinsync.xyz:27323"
PATH = "/videotalking"
QUEUED = 100

# An error code's class and words: alone, and with TwinSync's message (``None``: never shown).
ErrorWords = tuple[type[ProviderError], str, str | None]
_SUBMIT_ERRORS: dict[int, ErrorWords] = {
    200: (
        InvalidRequestError,
        N_("TwinSync says the request is missing or has a wrong parameter (code {code})."),
        N_(
            "TwinSync says the request is missing or has a wrong parameter: {details} "
            "(code {code})."
        ),
    ),
    201: (
        AuthenticationError,
        N_("TwinSync did not accept the API key; check it in the settings (code {code})."),
        None,
    ),
    202: (
        InvalidRequestError,
        N_("TwinSync could not use the audio or video address (code {code})."),
        N_("TwinSync could not use the audio or video address: {details} (code {code})."),
    ),
    203: (
        ProviderUnavailableError,
        N_("TwinSync had an internal error; try again in a few minutes (code {code})."),
        N_("TwinSync had an internal error; try again in a few minutes: {details} (code {code})."),
    ),
}
_OTHER_ERROR: ErrorWords = (
    ProviderError,
    N_("TwinSync reported a problem (code {code})."),
    N_("TwinSync reported a problem: {details} (code {code})."),
)


class TwinSyncState(StrEnum):
    WAITING = "waiting"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


_STATUS_STATES = {101: TwinSyncState.WAITING, 102: TwinSyncState.RUNNING}


class TwinSyncAnswer(WireModel):
    """The raw shape of every TwinSync answer."""

    result_code: int = Field(ge=0, lt=10**6)
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
    """Client for TwinSync; the key travels as the form field ``key`` of the submit POST.

    Each endpoint sends its request and hands the answer to ``read_submit`` or ``read_status``,
    which turn whatever arrived into a result or a ``ProviderError``.
    """

    provider = PROVIDER
    default_base_url = DEFAULT_BASE_URL

    def submit(self, audio_url: str, video_url: str) -> str:
        """Queue a lip replacement; returns the ``task_id``."""
        form = {"audio_url": audio_url, "video_url": video_url, "key": self._secret.reveal()}
        return self.read_submit(self._transport.request("POST", PATH, data=form))

    def get_status(self, task_id: str) -> TwinSyncTask:
        answer = self._transport.request("GET", PATH, params={"taskID": task_id})
        return self.read_status(answer, task_id)

    # -- reading answers ----------------------------------------------------------------------

    def read_submit(self, answer: Answer) -> str:
        """The ``task_id`` of a queued submission (code 100), or the error its code means."""
        reply = self._reply(answer)
        if reply.result_code != QUEUED or not reply.task_id:
            raise self._error_for(reply, answer, _SUBMIT_ERRORS)
        return reply.task_id

    def read_status(self, answer: Answer, task_id: str) -> TwinSyncTask:
        reply = self._reply(answer)
        state = _state_of(reply)
        if state is None:
            if reply.result_code == 200:
                raise self._error_for(reply, answer, {200: _NOT_FOUND})
            raise self._transport.unexpected(
                answer,
                N_("{name} sent a status code this app does not know ({code}) (HTTP {status})."),
                code=reply.result_code,
            )
        if state is TwinSyncState.SUCCEEDED and not reply.result_url:
            raise self._transport.unexpected(
                answer, N_("{name} sent a finished task without its video address (HTTP {status}).")
            )
        return TwinSyncTask(
            task_id=reply.task_id or task_id,
            state=state,
            code=reply.result_code,
            message=reply.msg,
            result_url=reply.result_url,
        )

    def _reply(self, answer: Answer) -> TwinSyncAnswer:
        """The one place a TwinSync HTTP answer is checked before its ``result_code`` is read."""
        body = self._transport.body(answer)
        try:
            reply = TwinSyncAnswer.model_validate(body)
        except ValueError:
            if answer.ok:
                raise self._transport.unexpected(
                    answer, N_("{name} sent an answer without a result code (HTTP {status}).")
                ) from None
            raise self._transport.error_page(answer) from None
        if answer.status == 429 or answer.status >= 500:
            raise self._http_error(reply, answer)
        return reply

    def _http_error(self, reply: TwinSyncAnswer, answer: Answer) -> ProviderError:
        """Rate limits and server failures are told by the HTTP status, whatever the body says."""
        return self._transport.error(
            status_error_class(answer.status),
            None,
            answer,
            provider_code=reply.result_code,
            provider_message=reply.msg,
        )

    def _error_for(
        self,
        reply: TwinSyncAnswer,
        answer: Answer,
        table: dict[int, ErrorWords],
    ) -> ProviderError:
        cls, alone, detailed = table.get(reply.result_code, _OTHER_ERROR)
        message = self._transport.provider_text(reply.msg)
        code = reply.result_code
        if message and detailed:
            words = _(detailed).format(details=message.rstrip("."), code=code)
        else:
            words = _(alone).format(code=code)
        return self._transport.error(
            cls,
            words,
            answer,
            provider_code=reply.result_code,
            provider_message=message,
        )


_NOT_FOUND: ErrorWords = (
    NotFoundError,
    N_("TwinSync does not know this task (code {code})."),
    N_("TwinSync does not know this task: {details} (code {code})."),
)


def _state_of(answer: TwinSyncAnswer) -> TwinSyncState | None:
    if answer.result_code == 103 or (answer.result_code == QUEUED and answer.result_url):
        return TwinSyncState.SUCCEEDED
    if answer.result_code == QUEUED:
        return TwinSyncState.WAITING
    if answer.result_code == 104:
        return TwinSyncState.FAILED
    return _STATUS_STATES.get(answer.result_code)


__all__ = ["DEFAULT_BASE_URL", "TwinSyncClient", "TwinSyncState", "TwinSyncTask"]
