"""Compare page first load with 10,000 and 100,000 jobs (goals: at most 150 ms and 500 ms on
the server side), on SQLite and on PostgreSQL.

Run: ``.venv/bin/python -m bench compare_page``. For each database and size it fills a fresh
history (``bench/compare_fill.py``: every provider, 90 days, times, costs, lip-sync measures,
comparison groups), then times

* **the goal's figure**: the functions the page's first load calls for what grows with the
  history, as the page calls them for its default period (the last 30 days): the Measured tab
  (``render_stats``: the statistics, the table, its four charts and the CSV of the statistics)
  and Side by side (``comparisons`` and ``render_groups``: the newest comparisons and the first
  one's jobs), run in Streamlit's bare mode (every element is built, none is sent);
* the core calls alone, for the default period and for all time;
* the whole page's first load by a new AppTest session (``app.py``, sidebar, navigation, the
  Prices tab, then the above), with this history and with an empty one: AppTest's own work and
  the Prices tab, which do not grow with the history, are most of it.

PostgreSQL is a throwaway cluster started as the tests start theirs (``tests/postgres_server.py``);
after the fill it runs ``VACUUM ANALYZE`` as its autovacuum would after so many inserts. Set
``BENCH_COMPARE_SIZES`` (e.g. ``10000``) to time fewer sizes.
"""

from __future__ import annotations

import logging
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from bench.compare_fill import fill
from lipsync_core.flows.model import utc_now
from lipsync_core.refresher import stop_shared_refresher
from lipsync_core.stats import latest_comparisons, provider_stats
from lipsync_core.store import JobStore
from lipsync_core.team import TeamSettings
from ui.compare.groups import render_groups
from ui.compare.stats import comparisons, period_of, render_stats
from ui.runtime import Runtime, get_runtime

SIZES = [int(size) for size in os.environ.get("BENCH_COMPARE_SIZES", "10000,100000").split(",")]
GOALS_MS = {10_000: 150.0, 100_000: 500.0}
CORE_RUNS = 20
PAGE_RUNS = 15
REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "app.py")
PAGE = "views/compare_page.py"
# Every rate set, so that every chart is drawn.
SETTINGS = TeamSettings(ausynclab_credit=0.001, twinsync_per_second=0.02)


def main() -> None:
    logging.getLogger("streamlit").setLevel(logging.ERROR)  # bare mode says so on every call
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    worst: dict[tuple[str, int], float] = {}
    for database, url_for in databases():
        with runtime_over(url_for):
            print(f"\n{database}, empty history (load average {os.getloadavg()[0]:.1f})")
            page("empty history")
        for size in SIZES:
            with runtime_over(url_for) as runtime:
                store = runtime.service.store
                took = fill(store, now=utc_now(), count=size)
                settle(store)
                filled = f"filled in {took:.0f} s, load {os.getloadavg()[0]:.1f}"
                print(f"\n{database}, {store.count():,} jobs ({filled})")
                worst[(database, size)] = tabs(runtime)
                core(store)
                page(f"{size:,} jobs")
    print("\nMeasured + Side by side tabs, first load, p95 (server side, bare mode):")
    for (database, size), p95 in worst.items():
        goal = GOALS_MS.get(size)
        verdict = "" if goal is None else ("meets" if p95 <= goal else "MISSES")
        print(f"  {database:<11}{size:>8,} jobs: {p95:6.1f} ms, {verdict} the {goal:.0f} ms goal")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


def timed(call: Callable[[], object], runs: int) -> tuple[float, float, float]:
    """Median and 95th percentile of ``call()``'s wall time, and its median CPU time in this
    process, in milliseconds (after one warm-up). On a busy machine the wall time waits for a
    core; the CPU time is the work done (PostgreSQL's own is in its server, not counted)."""
    call()
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        cpus.append((time.process_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
    walls.sort()
    return (
        statistics.median(walls),
        walls[max(0, int(len(walls) * 0.95) - 1)],
        statistics.median(cpus),
    )


def line(label: str, figures: tuple[float, float, float]) -> None:
    median, p95, cpu = figures
    print(f"  {label:<58}{median:7.1f}ms{p95:7.1f}ms{cpu:7.1f}ms")


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
def runtime_over(url_for: Callable[[], str | None]) -> Iterator[Runtime]:
    """The app's runtime over a new data folder and an empty database; stopped afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="bench-compare-"))
    url = url_for()
    os.environ.update(
        LIPSYNC_DATA_DIR=str(folder / "data"),
        LIPSYNC_SANDBOX="on",
        LIPSYNC_PUBLIC_BASE_URL="",
        LIPSYNC_RECEIVER_PORT="0",  # any free port: other processes on this machine use 8502
    )
    if url is None:
        os.environ.pop("LIPSYNC_DATABASE_URL", None)
    else:
        os.environ["LIPSYNC_DATABASE_URL"] = url
    cwd = os.getcwd()
    os.chdir(folder)  # no developer's .streamlit/secrets.toml is read
    try:
        yield get_runtime()
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


def tabs(runtime: Runtime) -> float:
    """The Measured and Side by side tabs as the first load draws them; prints, returns the p95."""

    def draw() -> None:
        period = period_of("Last 30 days")
        render_stats(runtime, period, SETTINGS)
        render_groups(runtime, comparisons(runtime, period), UTC)

    figures = timed(draw, CORE_RUNS)
    print(f"  {'what':<58}{'median':>9}{'p95':>9}{'cpu':>9}")
    line("Measured + Side by side tabs (bare mode), last 30 days", figures)
    return figures[1]


def core(store: JobStore) -> None:
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
            line(label, timed(call, CORE_RUNS))


def page(history: str) -> None:
    """The first load of the whole Compare page by a new AppTest session: median and p95."""

    def first_load() -> None:
        app = AppTest.from_file(APP, default_timeout=120)
        app.switch_page(PAGE).run()
        assert not app.exception, app.exception

    line(f"whole page first load (AppTest), {history}", timed(first_load, PAGE_RUNS))


if __name__ == "__main__":
    main()
