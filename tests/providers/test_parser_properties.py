"""Property tests: whatever arrives, every parser returns a valid model or raises a ProviderError.

The bulk of the examples go straight to each client's ``read_*`` parsers (the code every endpoint
hands its answer to); a smaller run goes through the clients over real HTTP.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import HealthCheck, given, settings
from pydantic import BaseModel
from pytest_httpserver import HTTPServer
from werkzeug import Response

from lipsync_core import AusyncLabClient, KlingClient, TwinSyncClient
from lipsync_core.errors import ProviderError
from lipsync_core.http import Answer, RetryPolicy
from lipsync_core.providers.common import EARLIEST, LATEST
from tests.providers import documents
from tests.providers.conftest import SENTINEL_KEY
from tests.providers.strategies import answers

EXAMPLES = 1000
HTTP_EXAMPLES = 30
UNUSED = "http://127.0.0.1:9"
ANY_PATH = re.compile(r".*")
# Retries as in production but without waiting for Retry-After, so each example stays quick.
QUICK_RETRY = RetryPolicy(attempts=1, backoff_factor=0.001, backoff_max=0.01, retry_after_max=0)


def leaks(text: str) -> bool:
    """Whether any 8-character fragment of the key (or its URL forms) is in ``text``, any case."""
    low = text.lower()
    for form in {SENTINEL_KEY, quote(SENTINEL_KEY, safe=""), quote_plus(SENTINEL_KEY)}:
        form = form.lower()
        if any(form[i : i + 8] in low for i in range(len(form) - 7)):
            return True
    return False


def _check_model(value: Any) -> None:
    """A returned value is usable: serialisable, finite, believable dates, nothing of the key."""
    if isinstance(value, list):
        for item in value:
            _check_model(item)
        return
    if isinstance(value, BaseModel):
        dumped = value.model_dump_json()
        assert not leaks(dumped)
        for field in ("created_at", "updated_at"):
            moment = getattr(value, field, None)
            assert moment is None or EARLIEST <= moment < LATEST
        json.loads(dumped)  # finite numbers only: NaN would not round-trip through strict JSON
        return
    assert isinstance(value, str | int) and not leaks(str(value))


def _check_error(error: ProviderError) -> None:
    """A provider error is a plain sentence and carries nothing of the key."""
    assert str(error) and "\n" not in str(error)
    texts = [str(error), repr(error), str(error.provider_message), str(error.request_id)]
    texts.append(str(error.provider_code))
    assert not any(leaks(text) for text in texts)


def check(parser: Callable[[Answer], Any], answer: Answer) -> None:
    try:
        value = parser(answer)
    except ProviderError as error:
        _check_error(error)
    else:
        _check_model(value)


def _parsers() -> dict[str, dict[str, Callable[[Answer], Any]]]:
    """Every ``read_*`` parser of each client, by provider."""
    ausynclab = AusyncLabClient(SENTINEL_KEY, UNUSED)
    kling = KlingClient(SENTINEL_KEY, UNUSED)
    twinsync = TwinSyncClient(SENTINEL_KEY, UNUSED)
    return {
        "ausynclab": {name: getattr(ausynclab, name) for name in documents.AUSYNCLAB},
        "kling": {name: getattr(kling, name) for name in documents.KLING},
        "twinsync": {
            "read_submit": twinsync.read_submit,
            "read_status": lambda answer: twinsync.read_status(answer, "t1"),
        },
    }


PARSERS = _parsers()
DOCUMENTS = {
    "ausynclab": documents.AUSYNCLAB,
    "kling": documents.KLING,
    "twinsync": documents.TWINSYNC,
}


def _union(table: dict[str, list[Any]]) -> list[Any]:
    return [document for docs in table.values() for document in docs]


@pytest.mark.parametrize("provider", list(PARSERS))
def test_every_parser_returns_a_valid_model_or_a_provider_error(provider):
    """Any status, headers and body give each parser a usable model or a clean ProviderError.

    Each generated answer goes to every parser of the provider, so every parser meets
    ``EXAMPLES`` answers (documented shapes of all its endpoints, mutated, and anything else).
    """
    parsers = PARSERS[provider]

    @settings(max_examples=EXAMPLES, deadline=None, database=None)
    @given(answer=answers(_union(DOCUMENTS[provider])))
    def run(answer: Answer) -> None:
        for parser in parsers.values():
            check(parser, answer)

    run()


def _respond(answer: Answer) -> Response:
    headers = {k: v for k, v in answer.headers.items() if k.lower() != "content-type"}
    return Response(
        answer.content,
        status=answer.status,
        headers=headers,
        content_type=answer.headers.get("Content-Type"),
    )


VIDEO, AUDIO = "https://x/v.mp4", "https://x/a.wav"
CALLS: dict[str, tuple[Callable[[Any], Any], list[Any]]] = {
    "ausynclab_list": (
        lambda c: c.list_generated_videos(),
        documents.AUSYNCLAB["read_generated_list"],
    ),
    "ausynclab_create": (
        lambda c: c.generate_lipsync_v2(VIDEO, AUDIO),
        documents.AUSYNCLAB["read_ticket"],
    ),
    "kling_get": (lambda c: c.get_lip_sync("t1"), documents.KLING["read_task"]),
    "kling_identify": (lambda c: c.identify_face(VIDEO), documents.KLING["read_identification"]),
    "twinsync_submit": (lambda c: c.submit(AUDIO, VIDEO), documents.TWINSYNC["read_submit"]),
    "twinsync_status": (lambda c: c.get_status("t1"), documents.TWINSYNC["read_status"]),
}
CLIENT_OF = {"ausynclab": AusyncLabClient, "kling": KlingClient, "twinsync": TwinSyncClient}


@pytest.mark.parametrize("name", list(CALLS))
def test_the_clients_over_real_http_survive_whatever_arrives(httpserver: HTTPServer, name):
    """The same property through the clients, a real server sending each answer (retries on)."""
    call, docs = CALLS[name]
    client = CLIENT_OF[name.split("_")[0]](
        SENTINEL_KEY, httpserver.url_for("/api"), timeout=2, retry=QUICK_RETRY
    )

    @settings(
        max_examples=HTTP_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(answer=answers(docs))
    def run(answer: Answer) -> None:
        httpserver.clear()
        httpserver.expect_request(ANY_PATH).respond_with_handler(lambda _r: _respond(answer))
        try:
            value = call(client)
        except ProviderError as error:
            _check_error(error)
        else:
            _check_model(value)

    run()
