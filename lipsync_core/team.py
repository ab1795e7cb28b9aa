"""The team's shared records in the history's database: who did what, and the settings set once
for everyone.

**Activity.** Each action a person takes that others should know of (sending, sending again,
removing a job, marking a favourite, AusyncLab library changes, a settings change) is one row of
``activity``: when, who (the signed-in person, ``None`` on a dashboard without sign-in), what
(:class:`Action`), about what (a job, group or video), and a few facts as JSON. Rows are only
added; :meth:`Team.recent` reads the newest.

**Team settings.** The prices of a credit, a PTC and a TwinSync second, the currency and the two
limits above which sending asks first are one row of ``team_settings`` (:class:`TeamSettings` as
JSON), with who saved it and when. Saving is compare-and-set on the row's ``version``: a save names
the version its editor was filled from and fails with :class:`SettingsChanged` (carrying what is
saved now) if someone saved in between, so two people's edits never overwrite each other
silently. Version 0 means nobody has saved yet: the defaults.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from lipsync_core.errors import LipsyncError
from lipsync_core.flows.model import Job, utc_now
from lipsync_core.i18n import _
from lipsync_core.pricing import ConversionRates, TwinSyncPrice
from lipsync_core.schema import PERSON, activity, naive, team_settings
from lipsync_core.spending import (
    DEFAULT_CREDIT_LIMIT,
    DEFAULT_LIMIT,
    Spend,
    SpendLimits,
    check_spend,
)

logger = logging.getLogger(__name__)

PRICES = "prices"  # the name of the team settings row holding TeamSettings
RECENT = 20
SUBJECT = 300  # the subject column's length
_DEFAULT_RATES = ConversionRates()


class Action(StrEnum):
    """What a person did; ``details`` say the facts of each (see :class:`Activity`)."""

    SENT = "sent"  # one job: subject its id; targets, title
    SENT_GROUP = "sent_group"  # a comparison: subject the group id; targets, title
    SENT_AGAIN = "sent_again"  # a job sent again: subject the new job; targets, title, again_of
    REMOVED = "removed"  # a job removed from the history: targets, title, sent_by
    FAVOURITE = "favourite"  # a comparison's favourite: subject the group; target (none: cleared)
    LIBRARY_REGISTERED = "library_registered"  # a video registered at AusyncLab: id, name
    LIBRARY_DELETED = "library_deleted"  # a video deleted at AusyncLab: shelf, id, name
    SETTINGS_CHANGED = "settings_changed"  # the team settings: changes {field: [old, new]}


@dataclass(frozen=True)
class Activity:
    """One recorded action. ``action`` is kept as read (a newer version may know more)."""

    at: datetime
    actor: str | None
    action: str
    subject: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


class TeamSettings(BaseModel):
    """The prices and limits the whole team works with (the defaults until someone saves)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    currency: str = Field(default=_DEFAULT_RATES.currency, pattern=r"^[A-Z]{3}$")
    ptc: float | None = Field(default=_DEFAULT_RATES.ptc, ge=0)
    ausynclab_credit: float | None = Field(default=_DEFAULT_RATES.ausynclab_credit, ge=0)
    twinsync_per_second: float | None = Field(default=None, ge=0)
    currency_limit: float = Field(default=DEFAULT_LIMIT, ge=0)
    credit_limit: float = Field(default=DEFAULT_CREDIT_LIMIT, ge=0)

    @property
    def rates(self) -> ConversionRates:
        return ConversionRates(
            currency=self.currency, ptc=self.ptc, ausynclab_credit=self.ausynclab_credit
        )

    @property
    def limits(self) -> SpendLimits:
        return SpendLimits(self.currency_limit, self.credit_limit)

    @property
    def twinsync_price(self) -> TwinSyncPrice | None:
        """The team's TwinSync price, kept with each TwinSync job's estimate."""
        if self.twinsync_per_second is None:
            return None
        return TwinSyncPrice(self.twinsync_per_second, self.currency)

    def check(self, targets: Sequence[tuple[str, str]], audio_seconds: float | None) -> Spend:
        """The core's cost check of sending one job per target, at these prices and limits."""
        return check_spend(
            targets, audio_seconds, self.rates,
            twinsync_per_second=self.twinsync_per_second, limits=self.limits,
        )  # fmt: skip

    def changes(self, new: TeamSettings) -> dict[str, list[Any]]:
        """``{field: [old, new]}`` for every field ``new`` sets differently."""
        old_values, new_values = self.model_dump(), new.model_dump()
        return {
            name: [old_values[name], new_values[name]]
            for name in type(self).model_fields
            if old_values[name] != new_values[name]
        }


@dataclass(frozen=True)
class SavedSettings:
    """The team settings as saved: ``version`` 0 (no one, never) means the defaults."""

    values: TeamSettings
    version: int = 0
    updated_by: str | None = None
    updated_at: datetime | None = None


class SettingsChanged(LipsyncError):
    """Someone saved the team settings after they were read: nothing was saved."""

    def __init__(self, current: SavedSettings) -> None:
        if current.updated_by:
            message = _(
                "{person} changed the team's prices and limits meanwhile, so yours were not "
                "saved. Their values are shown now: check them, and save again if yours should win."
            ).format(person=current.updated_by)
        else:
            message = _(
                "someone changed the team's prices and limits meanwhile, so yours were not saved. "
                "Their values are shown now: check them, and save again if yours should win."
            )
        super().__init__(message)
        self.current = current


class Team:
    """The activity list and the team settings over one engine (thread-safe, like the store)."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self._clock = clock

    # -- activity -------------------------------------------------------------------------------

    def record(
        self,
        actor: str | None,
        action: Action,
        subject: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        """Add one action to the activity list."""
        with self.engine.begin() as connection:
            self._record(connection, actor, action, subject, details)

    def sent(
        self,
        actor: str | None,
        jobs: Sequence[Job],
        *,
        group_id: str | None = None,
        again_of: str | None = None,
    ) -> None:
        """New jobs were sent: one, a comparison (``group_id``), or a job again (``again_of``)."""
        if not jobs:
            return
        details: dict[str, Any] = job_facts(jobs)
        if again_of is not None:
            self.record(actor, Action.SENT_AGAIN, jobs[0].id, {**details, "again_of": again_of})
        elif group_id is not None:
            self.record(actor, Action.SENT_GROUP, group_id, details)
        else:
            self.record(actor, Action.SENT, jobs[0].id, details)

    def removed(self, actor: str | None, job: Job) -> None:
        """A job was removed from the history (for everyone)."""
        self.record(actor, Action.REMOVED, job.id, {**job_facts([job]), "sent_by": job.sent_by})

    def favourite(self, actor: str | None, group_id: str, job: Job | None) -> None:
        """A comparison's favourite was marked (``job``) or cleared (``None``)."""
        target = [job.provider, job.model] if job is not None else None
        self.record(actor, Action.FAVOURITE, group_id, {"target": target})

    def recent(self, limit: int = RECENT) -> list[Activity]:
        """The newest actions first, at most ``limit``."""
        statement = (
            sa.select(activity).order_by(activity.c.at.desc(), activity.c.id.desc()).limit(limit)
        )
        with self.engine.connect() as connection:
            rows = connection.execute(statement).mappings().all()
        return [_activity(row) for row in rows]

    def _record(
        self,
        connection: Connection,
        actor: str | None,
        action: Action,
        subject: str | None,
        details: Mapping[str, Any] | None,
    ) -> None:
        connection.execute(
            activity.insert().values(
                at=naive(self._clock()),
                actor=actor[:PERSON] if actor else None,
                action=action.value,
                subject=subject[:SUBJECT] if subject else None,
                details=json.dumps(dict(details), default=str) if details else None,
            )
        )

    # -- settings -------------------------------------------------------------------------------

    def settings(self) -> SavedSettings:
        """The team settings now (the defaults, version 0, until someone saves)."""
        with self.engine.connect() as connection:
            return _settings(connection)

    def save_settings(
        self, values: TeamSettings, *, expected_version: int, actor: str | None
    ) -> SavedSettings:
        """Save ``values`` if the settings are still at ``expected_version``, with who and when,
        and record the change in the activity list (one transaction).

        Saving what is saved already changes nothing. Raises :class:`SettingsChanged` if someone
        saved since ``expected_version`` was read.
        """
        current = self.settings()
        if current.version != expected_version:
            raise SettingsChanged(current)
        changes = current.values.changes(values)
        if not changes:
            return current
        now = self._clock()
        row = {
            "data": values.model_dump_json(),
            "version": expected_version + 1,
            "updated_by": actor[:PERSON] if actor else None,
            "updated_at": naive(now),
        }
        try:
            with self.engine.begin() as connection:
                if not _write(connection, row, expected_version):
                    raise SettingsChanged(_settings(connection))
                self._record(
                    connection, actor, Action.SETTINGS_CHANGED, PRICES, {"changes": changes}
                )
        except IntegrityError:
            raise SettingsChanged(self.settings()) from None
        return SavedSettings(values, expected_version + 1, row["updated_by"], now)


def job_facts(jobs: Sequence[Job]) -> dict[str, Any]:
    """What the activity list says of sent or removed jobs: their targets and title."""
    return {"targets": [[job.provider, job.model] for job in jobs], "title": jobs[0].title}


def _write(connection: Connection, row: dict[str, Any], expected_version: int) -> bool:
    """Insert the first version, or update the one expected; ``False`` if it is not there."""
    if expected_version == 0:
        connection.execute(team_settings.insert().values(name=PRICES, **row))
        return True
    statement = (
        team_settings.update()
        .where(team_settings.c.name == PRICES, team_settings.c.version == expected_version)
        .values(**row)
    )
    return connection.execute(statement).rowcount == 1


def _settings(connection: Connection) -> SavedSettings:
    row = (
        connection.execute(sa.select(team_settings).where(team_settings.c.name == PRICES))
        .mappings()
        .first()
    )
    if row is None:
        return SavedSettings(TeamSettings())
    try:
        values = TeamSettings.model_validate_json(row["data"])
    except (ValidationError, ValueError):
        logger.warning("the team settings in the history cannot be read; the defaults are used")
        values = TeamSettings()
    updated_at = row["updated_at"].replace(tzinfo=UTC) if row["updated_at"] else None
    return SavedSettings(values, int(row["version"]), row["updated_by"], updated_at)


def _activity(row: Mapping[str, Any]) -> Activity:
    try:
        details = json.loads(row["details"]) if row["details"] else {}
    except ValueError:
        details = {}
    return Activity(
        at=row["at"].replace(tzinfo=UTC),
        actor=row["actor"],
        action=str(row["action"]),
        subject=row["subject"],
        details=details if isinstance(details, dict) else {},
    )


__all__ = [
    "PRICES",
    "Action",
    "Activity",
    "SavedSettings",
    "SettingsChanged",
    "Team",
    "TeamSettings",
]
