"""Hypothesis strategies for whatever a provider might send: JSON-like values, the documented
envelopes with fields replaced or removed, deep nesting, odd headers, HTML and raw bytes.
"""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import quote, quote_plus

from hypothesis import strategies as st

from lipsync_core.http import Answer
from tests.providers.conftest import SENTINEL_KEY

KEY_FORMS = [
    SENTINEL_KEY,
    SENTINEL_KEY.upper(),
    SENTINEL_KEY.lower(),
    quote(SENTINEL_KEY, safe=""),
    quote_plus(SENTINEL_KEY),
    SENTINEL_KEY[:12],
    SENTINEL_KEY[-9:],
]
FIELD_NAMES = [
    "status", "result", "detail", "message", "msg", "code", "request_id", "data", "id",
    "video_id", "state", "created_at", "name", "task_id", "task_status", "task_info",
    "task_result", "videos", "result_code", "result_url", "face_data", "session_id",
    "start_time", "end_time", "loc", "error", "err_code", "duration", "url", "parent_video",
]  # fmt: skip
HUGE_NUMBERS = [2**63, 2**64, -(2**63) - 1, 10**30, 10**300, 10**308, 1e308, -1e308, 1e-320]

keyish_text = st.sampled_from(KEY_FORMS) | st.builds(
    lambda a, k, b: a + k + b, st.text(max_size=6), st.sampled_from(KEY_FORMS), st.text(max_size=6)
)
texts = (
    st.text(max_size=24)
    | keyish_text
    | st.sampled_from(
        [
            "",
            "0",
            "100",
            "²",
            "１２",
            "-5",
            "1e999",
            "NaN",
            "2025-01-04T08:35:12",
            "9999-12-31T23:59:59-01:00",
            "\n",
            "line one\r\n\tline two",
        ]
    )
)
numbers = (
    st.integers()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.sampled_from(HUGE_NUMBERS)
    | st.floats(allow_nan=True, allow_infinity=True)
)
scalars = st.none() | st.booleans() | numbers | texts
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=6), children, max_size=5)
    ),
    max_leaves=16,
)


def _slots(document: Any) -> list[tuple[Any, Any]]:
    """Every (container, key or index) of a nested document, the root's children included."""
    found: list[tuple[Any, Any]] = []
    stack = [document]
    while stack:
        node = stack.pop()
        keys = list(node) if isinstance(node, dict) else range(len(node))
        for key in keys:
            found.append((node, key))
            if isinstance(node[key], dict | list):
                stack.append(node[key])
    return found


@st.composite
def mutated(draw: st.DrawFn, documents: list[Any]) -> Any:
    """One of the documents with up to four of its fields replaced by anything, or removed."""
    doc = copy.deepcopy(documents[draw(st.integers(0, len(documents) - 1))])
    for _ in range(draw(st.integers(0, 4))):
        slots = _slots(doc)
        if not slots:
            break
        container, key = slots[draw(st.integers(0, len(slots) - 1))]
        if draw(st.booleans()):
            container[key] = draw(json_values)
        elif isinstance(container, dict):
            del container[key]
        else:
            container.pop(key)
    return doc


@st.composite
def cut_short(draw: st.DrawFn, documents: list[Any]) -> bytes:
    """A documented answer whose body stops part-way."""
    body = _encode(documents[draw(st.integers(0, len(documents) - 1))])
    return body[: draw(st.integers(0, len(body) - 1))]


def _deep(depth: int, kind: str) -> str:
    if kind == "list":
        return "[" * depth + "]" * depth
    if kind == "dict":
        return '{"a":' * depth + "1" + "}" * depth
    return '{"status": 200, "result": ' + "[" * depth + "]" * depth + "}"


deep_bodies = st.builds(
    _deep, st.integers(min_value=30, max_value=200_000), st.sampled_from(["list", "dict", "env"])
)
raw_bodies = st.one_of(
    st.binary(max_size=40),
    st.builds(lambda title: f"<html><head><title>{title}</title></head></html>", texts),
    st.sampled_from(['{"status": 200, "result": {"id": 4', "NaN", "[1, 2", "", " ", "null"]),
    st.builds(
        lambda n: '{"status": 200, "result": {"id": ' + "9" * n + "}}", st.integers(4000, 6000)
    ),
)


def _encode(value: Any) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


def bodies(documents: list[Any]) -> st.SearchStrategy[bytes]:
    """Bodies built from the documented answers: mutated, arbitrary, deep, raw or cut short."""
    documented = mutated(documents).map(_encode)
    return st.one_of(
        documented,
        documented,
        json_values.map(_encode),
        deep_bodies.map(str.encode),
        raw_bodies.map(lambda body: body if isinstance(body, bytes) else body.encode()),
        cut_short(documents),
    )


header_values = st.one_of(
    st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=20),
    st.sampled_from(["0", "3", "²", "-1", "Wed, 21 Oct 2015 07:28:00 GMT", "soon"]),
    st.integers(20, 6000).map(lambda digits: "9" * digits),
    st.sampled_from(KEY_FORMS),
)
statuses = st.sampled_from([200, 200, 200, 201, 400, 401, 403, 404, 422, 429, 500, 502, 503])
content_types = st.sampled_from(
    ["application/json", "text/html; charset=utf-8", "text/plain", "application/octet-stream"]
)
headers = st.builds(
    lambda content_type, extra: {"Content-Type": content_type, **extra},
    content_types,
    st.dictionaries(
        st.sampled_from(["Retry-After", "x-request-id", "Content-Type"]), header_values, max_size=3
    ),
)


def answers(documents: list[Any]) -> st.SearchStrategy[Answer]:
    """An answer as a provider (or a broken gateway in front of it) might send it."""
    return st.builds(Answer, statuses, headers, bodies(documents))
