"""The history paged by comparison: a page holds whole comparison groups, never part of one.

A *unit* of the history is a comparison group (all its jobs that match the filter) or a job sent
alone. Units are ordered by their newest matching job, newest first, and a page holds
``page_size`` units, so a group is never cut across two pages. Two statements per page: the
units of the page (grouped on ``coalesce(group_id, id)``), then their jobs.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from lipsync_core.flows.model import Job
from lipsync_core.schema import jobs
from lipsync_core.store import JobFilter, JobStore, _filtered

UNIT = sa.func.coalesce(jobs.c.group_id, jobs.c.id)


def count_units(store: JobStore, filters: JobFilter | None = None) -> int:
    """How many comparison groups and lone jobs match ``filters``."""
    units = _filtered(sa.select(UNIT.label("unit")), filters or JobFilter()).distinct().subquery()
    statement = sa.select(sa.func.count()).select_from(units)
    with store.engine.connect() as connection:
        return int(connection.execute(statement).scalar_one())


def list_units(
    store: JobStore, filters: JobFilter | None = None, *, limit: int = 25, offset: int = 0
) -> list[Job]:
    """The matching jobs of ``limit`` units from ``offset``: units newest first, each unit's jobs
    together, newest first."""
    filters = filters or JobFilter()
    units = _page_of_units(filters, limit, offset)
    statement = (
        _filtered(sa.select(jobs), filters)
        .join(units, units.c.unit == UNIT)
        .order_by(
            units.c.newest.desc(), units.c.unit.desc(), jobs.c.created_at.desc(), jobs.c.id.desc()
        )
    )
    return store._select(statement)


def _page_of_units(filters: JobFilter, limit: int, offset: int) -> Any:
    newest = sa.func.max(jobs.c.created_at).label("newest")
    return (
        _filtered(sa.select(UNIT.label("unit"), newest), filters)
        .group_by(UNIT)
        .order_by(newest.desc(), UNIT.desc())
        .limit(max(0, limit))
        .offset(max(0, offset))
        .subquery()
    )
