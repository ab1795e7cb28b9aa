"""Each signed-in person's own choices, kept in the shared database so that they follow the
person to any dashboard, browser or computer of the team: today, the language they read in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from lipsync_core.flows.model import utc_now
from lipsync_core.i18n import LANGUAGES
from lipsync_core.schema import PERSON, naive, preferences


class Preferences:
    """The people's choices over one engine (thread-safe, like the store)."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self._clock = clock

    def language(self, person: str) -> str | None:
        """The language ``person`` last chose, if any (one we still speak)."""
        query = sa.select(preferences.c.language).where(preferences.c.person == person[:PERSON])
        with self.engine.connect() as connection:
            chosen = connection.execute(query).scalar_one_or_none()
        return chosen if chosen in LANGUAGES else None

    def set_language(self, person: str, language: str) -> None:
        """Remember ``language`` for ``person`` (the last choice wins, from any process)."""
        if language not in LANGUAGES:
            raise ValueError(f"not a language the dashboard speaks: {language!r}")
        values = {"language": language, "updated_at": naive(self._clock())}
        key = preferences.c.person == person[:PERSON]
        with self.engine.begin() as connection:
            if connection.execute(preferences.update().where(key).values(**values)).rowcount:
                return
        try:
            with self.engine.begin() as connection:
                connection.execute(preferences.insert().values(person=person[:PERSON], **values))
        except IntegrityError:  # another process inserted it first: ours is the later choice
            with self.engine.begin() as connection:
                connection.execute(preferences.update().where(key).values(**values))
