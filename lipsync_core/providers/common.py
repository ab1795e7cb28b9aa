"""Parsing helpers shared by the provider clients: timestamps, ids, and safe model validation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, TypeVar

import requests
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from lipsync_core.http import RetryPolicy, Secret, Transport

ModelT = TypeVar("ModelT", bound=BaseModel)


class ProviderClient:
    """What every client shares: the key kept as a ``Secret``, one ``Transport``, a safe repr.

    ``base_url`` defaults to the provider's documented address (``default_base_url``).
    """

    provider: ClassVar[str]
    default_base_url: ClassVar[str]

    def __init__(
        self,
        api_key: str,
        base_url: str | None = None,
        *,
        session: requests.Session | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._secret = Secret(api_key)
        self._transport = Transport(
            self.provider,
            base_url or self.default_base_url,
            secret=self._secret,
            session=session,
            timeout=timeout,
            retry=retry,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._transport.base_url!r})"

    @property
    def base_url(self) -> str:
        return self._transport.base_url


class WireModel(BaseModel):
    """Base of every response model: unknown fields are ignored, ids may arrive as strings."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class RequestModel(BaseModel):
    """Base of every request body: unknown fields are a programming error."""

    model_config = ConfigDict(extra="forbid")

    def to_wire(self) -> dict[str, Any]:
        """The JSON body, leaving out optional fields that were not given."""
        return self.model_dump(mode="json", exclude_none=True)


def _utc_datetime(value: Any) -> Any:
    """Naive ISO timestamps are taken as UTC; numbers are Unix time (milliseconds if huge)."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if abs(value) > 10_000_000_000 else value
        return datetime.fromtimestamp(seconds, tz=UTC)
    if isinstance(value, str):
        text = value.strip().replace(" ", "T", 1)
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        parsed = datetime.fromisoformat(text)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _millis_datetime(value: Any) -> Any:
    """Kling's timestamps: Unix time in milliseconds, as a number or a numeric string."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    return _utc_datetime(value)


def _id_text(value: Any) -> Any:
    """Ids documented as strings sometimes arrive as numbers; keep them as text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _seconds(value: Any) -> Any:
    """Durations documented as strings of seconds ("5.03") become floats."""
    if isinstance(value, str):
        return float(value.strip().rstrip("sS") or "nan")
    return value


UtcDatetime = Annotated[datetime, BeforeValidator(_utc_datetime)]
MillisDatetime = Annotated[datetime, BeforeValidator(_millis_datetime)]
IdText = Annotated[str, BeforeValidator(_id_text)]
Seconds = Annotated[float, BeforeValidator(_seconds)]


def parse(
    transport: Transport, response: requests.Response, model: type[ModelT], data: Any
) -> ModelT:
    """Validate ``data`` into ``model``; an unusable shape becomes ``UnexpectedResponseError``."""
    try:
        return model.model_validate(data)
    except (ValidationError, ValueError) as exc:
        detail = _first_problem(exc)
        raise transport.unexpected(
            response, f"an answer this app does not understand ({detail})"
        ) from exc


def parse_list(
    transport: Transport, response: requests.Response, model: type[ModelT], data: Any
) -> list[ModelT]:
    if not isinstance(data, list):
        raise transport.unexpected(response, "something other than the expected list")
    return [parse(transport, response, model, item) for item in data]


def _first_problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError) and exc.errors():
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "body"
        return f"{where}: {error['msg']}"
    return type(exc).__name__
