"""What the provider clients share: the client base, wire types (times, ids) and safe parsing."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, TypeVar

import requests
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from lipsync_core.http import Answer, RetryPolicy, Transport
from lipsync_core.i18n import N_
from lipsync_core.redaction import Secret

logger = logging.getLogger(__name__)

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
    """Base of every response model: unknown fields are ignored, ids may arrive as strings.

    Numbers must be finite; the JSON reader already refuses ``NaN`` and overflowing numbers.
    """

    model_config = ConfigDict(extra="ignore", populate_by_name=True, allow_inf_nan=False)


class RequestModel(BaseModel):
    """Base of every request body: unknown fields are a programming error."""

    model_config = ConfigDict(extra="forbid")

    def to_wire(self) -> dict[str, Any]:
        """The JSON body, leaving out optional fields that were not given."""
        return self.model_dump(mode="json", exclude_none=True)


# Timestamps outside these years are not believable from a provider (and some would overflow
# the arithmetic done with them later), so they make the answer unreadable.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)
MILLIS_THRESHOLD = 10_000_000_000  # Unix seconds beyond this (year 2286) are milliseconds


def _numeric_text(value: str) -> int | None:
    """A string of ASCII digits (optionally signed) as an int; ``None`` for anything else."""
    text = value.strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not (digits.isascii() and digits.isdigit()):
        return None
    if len(digits) > 20:
        raise ValueError("a timestamp far outside any believable date")
    return int(text)


def _from_unix(seconds: float) -> datetime:
    try:
        moment = datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError("a timestamp far outside any believable date") from None
    return _believable(moment)


def _believable(moment: datetime) -> datetime:
    """``moment`` in UTC, or ``ValueError`` when it lies outside 1970-2999."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("a timestamp far outside any believable date") from None
    if not EARLIEST <= moment < LATEST:
        raise ValueError(f"a date outside 1970-2999 ({moment.year})")
    return moment


def _utc_datetime(value: Any) -> Any:
    """Naive ISO timestamps are taken as UTC; numbers are Unix time (milliseconds if huge)."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and (number := _numeric_text(value)) is not None:
        value = number
    if isinstance(value, int | float) and not isinstance(value, bool):
        if abs(value) > 10**15:
            raise ValueError("a timestamp far outside any believable date")
        return _from_unix(value / 1000 if abs(value) > MILLIS_THRESHOLD else value)
    if isinstance(value, str):
        text = value.strip().replace(" ", "T", 1)
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        return _believable(datetime.fromisoformat(text))
    if isinstance(value, datetime):
        return _believable(value)
    return value


def _millis_datetime(value: Any) -> Any:
    """Kling's timestamps: Unix time in milliseconds, as a number or a numeric string."""
    if isinstance(value, str) and (number := _numeric_text(value)) is not None:
        value = number
    if isinstance(value, int | float) and not isinstance(value, bool):
        if abs(value) > 10**18:
            raise ValueError("a timestamp far outside any believable date")
        return _from_unix(value / 1000)
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
# Ids and millisecond offsets a database column (a signed 64-bit integer) can hold.
WireId = Annotated[int, Field(ge=0, lt=2**63)]
WireMillis = Annotated[int, Field(ge=0, lt=2**63)]


def parse(transport: Transport, answer: Answer, model: type[ModelT], data: Any) -> ModelT:
    """Validate ``data`` into ``model``; an unusable shape becomes ``UnexpectedResponseError``."""
    try:
        return model.model_validate(data)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise transport.unexpected(
            answer,
            N_("{name} sent an answer this app does not understand ({problem}) (HTTP {status})."),
            problem=first_problem(exc),
        ) from exc


class ReadList(list[ModelT]):
    """A list read from a provider; ``skipped`` says which of its entries could not be read."""

    def __init__(self, items: list[ModelT], skipped: list[SkippedItem]) -> None:
        super().__init__(items)
        self.skipped = skipped


@dataclass(frozen=True)
class SkippedItem:
    """An entry of a provider's list that could not be read: where it was and what it said."""

    position: int
    id: int | None
    name: str | None
    problem: str


def parse_list(
    transport: Transport, answer: Answer, model: type[ModelT], data: Any
) -> ReadList[ModelT]:
    """Every readable entry; an unreadable one is logged and listed in ``skipped``, not fatal."""
    if not isinstance(data, list):
        raise transport.unexpected(
            answer, N_("{name} sent something other than the expected list (HTTP {status}).")
        )
    items: list[ModelT] = []
    skipped: list[SkippedItem] = []
    for position, entry in enumerate(data):
        try:
            items.append(model.model_validate(entry))
        except ValueError as exc:
            skipped.append(_skipped(transport, position, entry, first_problem(exc)))
    for item in skipped:
        logger.warning(
            "%s list entry %d (id %s) could not be read and was left out: %s",
            transport.name,
            item.position,
            item.id,
            item.problem,
        )
    return ReadList(items, skipped)


def _skipped(transport: Transport, position: int, entry: Any, problem: str) -> SkippedItem:
    fields = entry if isinstance(entry, dict) else {}
    raw_id = fields.get("id")
    if isinstance(raw_id, str) and raw_id.isascii() and raw_id.isdigit() and len(raw_id) < 19:
        raw_id = int(raw_id)
    valid_id = isinstance(raw_id, int) and not isinstance(raw_id, bool) and 0 <= raw_id < 2**63
    return SkippedItem(
        position=position,
        id=raw_id if valid_id else None,
        name=transport.provider_text(fields.get("name")),
        problem=transport.provider_text(problem) or "unreadable",
    )


def first_problem(exc: Exception) -> str:
    """Where and what the first validation problem is, in a few words."""
    if isinstance(exc, ValidationError) and exc.errors():
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "body"
        return f"{where}: {error['msg']}"
    return type(exc).__name__
