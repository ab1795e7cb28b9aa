"""Compare page first load with 10,000 and 100,000 jobs (goals: at most 150 ms and 500 ms on
the server side), on SQLite and on PostgreSQL.

Run: ``.venv/bin/python -m bench compare_page``. For each database and size it fills a fresh
history (``bench/compare_fill.py``: every provider, 90 days, times, costs, lip-sync measures,
comparison groups), then times

* the core calls the page makes for its default period (the last 30 days) and for all time:
  the statistics (``provider_stats``) and Side by side's comparisons (``latest_comparisons``);
* the page's first load: a new AppTest session opening the Compare page (``app.py``, its
  sidebar and navigation, then the page: prices, the measured statistics and their charts, Side
  by side), which is also AppTest's own work on what the page sent, so an upper bound of the
  server's.

PostgreSQL is a throwaway cluster started as the tests start theirs (``tests/postgres_server.py``);
after the fill it runs ``VACUUM ANALYZE`` as its autovacuum would after so many inserts. Set
``BENCH_COMPARE_SIZES`` (e.g. ``10000``) to time fewer sizes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from bench.compare_fill import fill
from bench.history_fill import timed
from lipsync_core.flows.model import utc_now
from lipsync_core.refresher import stop_shared_refresher
from lipsync_core.stats import latest_comparisons, provider_stats
from lipsync_core.store import JobStore
from ui.compare.stats import period_of
from ui.runtime import get_runtime

SIZES = [int(size) for size in os.environ.get("BENCH_COMPARE_SIZES", "10000,100000").split(",")]
GOALS_MS = {10_000: 150.0, 100_000: 500.0}
CORE_RUNS = 20
PAGE_RUNS = 15
REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")
PAGE = "pages/compare_page.py"


def main() -> None:
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    worst: dict[tuple[str, int], float] = {}
    for database, url_for in databases():
        for size in SIZES:
            with runtime_over(url_for) as store:
                took = fill(store, now=utc_now(), count=size)
                settle(store)
                print(f"\n{database}, {store.count():,} jobs (filled in {took:.0f} s)")
                core(store)
                worst[(database, size)] = page(size)
    print()
    for (database, size), p95 in worst.items():
        goal = GOALS_MS.get(size)
        verdict = "" if goal is None else ("meets" if p95 <= goal else "MISSES")
        print(f"{database:<11}{size:>8,} jobs: first load p95 {p95:6.1f} ms {verdict} {goal} ms")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


def databases() -> Iterator[tuple[str, Callable[[], str | None]]]:
    """SQLite (a file in the data folder), then a database on a throwaway PostgreSQL cluster."""
    yield "SQLite", lambda: None
    try:
        from tests.postgres_server import PostgresServer

        server = PostgresServer().start()
    except (ImportError, RuntimeError) as exc:
        print(f"\nPostgreSQL: not timed ({exc})")
        return
    try:
        yield "PostgreSQL", lambda: server.url(server.create_database("bench"))
    finally:
        server.stop()


@contextmanager
def runtime_over(url_for: Callable[[], str | None]) -> Iterator[JobStore]:
    """The app's runtime over a new data folder and an empty database; stopped afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="bench-compare-"))
    url = url_for()
    os.environ.update(
        LIPSYNC_DATA_DIR=str(folder / "data"), LIPSYNC_SANDBOX="on", LIPSYNC_PUBLIC_BASE_URL=""
    )
    if url is None:
        os.environ.pop("LIPSYNC_DATABASE_URL", None)
    else:
        os.environ["LIPSYNC_DATABASE_URL"] = url
    cwd = os.getcwd()
    os.chdir(folder)  # no developer's .streamlit/secrets.toml is read
    try:
        yield get_runtime().service.store
    finally:
        os.chdir(cwd)
        runtime = get_runtime()
        stop_shared_refresher()
        st.cache_resource.clear()
        runtime.receiver.stop()
        if runtime.sandbox is not None:
            runtime.sandbox.stop()
        runtime.service.store.close()
        shutil.rmtree(folder, ignore_errors=True)


def settle(store: JobStore) -> None:
    """PostgreSQL: the statistics and visibility map its autovacuum would have made by now."""
    if store.engine.dialect.name != "postgresql":
        return
    with store.engine.connect() as connection:
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        autocommit.exec_driver_sql("VACUUM ANALYZE jobs")
        autocommit.exec_driver_sql("VACUUM ANALYZE comparison_groups")


def core(store: JobStore) -> None:
    print(f"  {'core call':<58}{'median':>9}{'p95':>9}")
    for window in ("Last 30 days", "All time"):
        period = period_of(window)
        cases = [
            (f"provider_stats, {window.lower()}", lambda p=period: provider_stats(store, p)),
            (
                f"latest_comparisons, {window.lower()}",
                lambda p=period: latest_comparisons(store, p),
            ),
        ]
        for label, call in cases:
            median, p95 = timed(call, CORE_RUNS)
            print(f"  {label:<58}{median:7.1f}ms{p95:7.1f}ms")


def page(size: int) -> float:
    """The first load of the Compare page by a new session: median and p95, printed; the p95."""

    def first_load() -> None:
        app = AppTest.from_file(APP, default_timeout=120)
        app.switch_page(PAGE).run()
        assert not app.exception, app.exception

    median, p95 = timed(first_load, PAGE_RUNS)
    label = f"page first load (AppTest, last 30 days), {size:,} jobs"
    print(f"  {label:<58}{median:7.1f}ms{p95:7.1f}ms")
    return p95


if __name__ == "__main__":
    main()
