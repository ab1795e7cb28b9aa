"""Reading a provider's body: JSON only, finite numbers, bounded depth, text any store can hold.

The transport (``lipsync_core.http``) decodes every answer with ``decode_json`` and passes each
string through ``clean_tree`` (made storable, the API key removed) before any model sees it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

MAX_JSON_DEPTH = 32  # the documented answers are at most 5 levels deep


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError("a number too large to use")
    return number


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def decode_json(content: bytes) -> Any:
    """JSON text as data; ``ValueError`` for anything else, including ``NaN`` and deep nesting."""
    try:
        return json.loads(content, parse_float=_finite_float, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def storable_text(text: str) -> str:
    """Text any database and page can hold: no NUL characters, no lone surrogates."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", errors="replace").decode("utf-8")
    return text


def clean_tree(value: Any, clean: Callable[[str], str]) -> Any:
    """Every string of decoded JSON (keys too) through ``clean``, in place; depth is bounded."""
    if isinstance(value, str):
        return clean(value)
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise ValueError("JSON nested too deeply")
        if isinstance(node, list):
            for index, item in enumerate(node):
                if isinstance(item, str):
                    node[index] = clean(item)
                elif isinstance(item, dict | list):
                    stack.append((item, depth + 1))
            continue
        items = list(node.items())
        node.clear()
        for key, item in items:
            if isinstance(item, str):
                item = clean(item)
            elif isinstance(item, dict | list):
                stack.append((item, depth + 1))
            node[clean(key)] = item
    return value
