"""Words kept with a job are English in the database and read in each person's language.

Each shape below is made the way the background work makes it (English, ``use_language("en")``)
and the way it would be made for a reader of Vietnamese; ``translate_stored`` must turn
the first into the second: every shape is a whole message of the catalogue, the provider's own
words stay as they are, and sentences kept inside a sentence (an error inside a note, a
duration) are translated too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from lipsync_core.errors import (
    AuthenticationError,
    InvalidRequestError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitError,
)
from lipsync_core.flows.common import (
    PollPolicy,
    backoff,
    check_failed,
    create_error,
    provider_failure,
)
from lipsync_core.flows.model import Job
from lipsync_core.http import Answer, Transport
from lipsync_core.i18n import translate_stored, use_language
from lipsync_core.providers.kling import KlingClient
from lipsync_core.providers.twinsync import TwinSyncClient
from lipsync_core.redaction import Secret

NOW = datetime(2026, 12, 2, 11, 40, 5, tzinfo=UTC)
POLICY = PollPolicy()


def _job(provider: str = "kling") -> Job:
    model = {"ausynclab": "prime", "kling": "advanced-lip-sync"}.get(provider, "videotalking")
    return Job(
        id="job-stored-words",
        provider=provider,
        model=model,
        provider_job_id="task-77",
        created_at=NOW - timedelta(minutes=3),
        started_at=NOW - timedelta(minutes=3),
    )


def _raised(make: Callable[[], object]) -> str:
    with pytest.raises(ProviderError) as raised:
        make()
    return str(raised.value)


def _json(status: int, body: dict) -> Answer:
    return Answer(status, {"Content-Type": "application/json"}, json.dumps(body).encode())


def _gateway_error() -> ProviderError:
    transport = Transport("ausynclab", "https://api.example", secret=Secret("key"))
    page = Answer(502, {"Content-Type": "text/html"}, b"<title>Bad Gateway</title>")
    return transport.error_page(page)


def error_with_details_and_code() -> str:
    return str(
        InvalidRequestError(
            provider="ausynclab", provider_code=422, provider_message="video_url: field required."
        )
    )


def error_with_http_status_only() -> str:
    return str(AuthenticationError(provider="kling", http_status=401))


def error_alone() -> str:
    return str(ProviderUnavailableError(provider="twinsync"))


def kling_code_sentence() -> str:
    answer = _json(200, {"code": 1102, "message": "balance is 0", "data": None})
    return _raised(lambda: KlingClient("key").read_task(answer))


def kling_code_sentence_with_its_words() -> str:
    answer = _json(200, {"code": 1301, "message": "The face is too small.", "data": None})
    return _raised(lambda: KlingClient("key").read_task(answer))


def twinsync_code_with_its_words() -> str:
    answer = _json(200, {"result_code": 202, "msg": "audio url unreachable"})
    return _raised(lambda: TwinSyncClient("key").read_submit(answer))


def note_with_a_wait() -> str:
    job = _job("ausynclab")
    job.failed_checks = 2
    backoff(job, _gateway_error(), NOW, POLICY)
    return job.note or ""


def resend_note() -> str:
    job = _job()
    exc = RateLimitError(provider="kling", http_status=429, retry_after=42.0)
    create_error(job, exc, NOW, POLICY)
    return job.note or ""


def provider_failure_in_its_words() -> str:
    return provider_failure(_job("twinsync"), "Lip region not detected")


def given_up_with_the_last_problem() -> str:
    job = _job("ausynclab")
    job.failing_since = NOW - timedelta(seconds=POLICY.give_up_after + 3600)
    check_failed(job, _gateway_error(), NOW, POLICY)
    return job.error or ""


SHAPES: dict[str, Callable[[], str]] = {
    shape.__name__: shape
    for shape in (
        error_with_details_and_code,
        error_with_http_status_only,
        error_alone,
        kling_code_sentence,
        kling_code_sentence_with_its_words,
        twinsync_code_with_its_words,
        note_with_a_wait,
        resend_note,
        provider_failure_in_its_words,
        given_up_with_the_last_problem,
    )
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_stored_words_are_read_in_the_readers_language(shape: str) -> None:
    make = SHAPES[shape]
    with use_language("en"):
        english = make()
    with use_language("vi"):
        expected = make()
        shown = translate_stored(english)
    assert expected != english, "the catalogue has no translation of this shape"
    assert shown == expected


def test_english_is_kept_as_it_was_made() -> None:
    with use_language("en"):
        english = note_with_a_wait()
        assert translate_stored(english) == english
    assert english == (
        "Could not check on this job just now: AusyncLab answered with an error page "
        "(Bad Gateway) (HTTP 502). Trying again in 60 s."
    )
