"""AppTest harness: the real app over a fresh data directory, its sandbox and job service.

Each test gets the process-wide runtime built anew in a temporary working directory (so no
developer's ``.streamlit/secrets.toml`` can make a test go live), with fast sandbox jobs (a module
overrides ``sandbox_job_seconds`` for slower ones); the sandbox, the receiver and the refresher
are stopped afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from lipsync_core.config import PROVIDERS
from lipsync_core.refresher import stop_shared_refresher
from ui import keys
from ui.runtime import Runtime, get_runtime

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")
APP_TIMEOUT = 60


@pytest.fixture
def sandbox_job_seconds() -> str:
    """``LIPSYNC_SANDBOX_JOB_SECONDS`` for ``runtime``: 1 s jobs; a test module may override it."""
    return "1"


@pytest.fixture
def runtime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox_job_seconds: str
) -> Iterator[Runtime]:
    """The app's runtime over ``tmp_path`` (sandbox for every provider, ``sandbox_job_seconds``)."""
    monkeypatch.chdir(tmp_path)
    for provider in PROVIDERS:
        monkeypatch.delenv(f"{provider.upper()}_API_KEY", raising=False)
        monkeypatch.delenv(f"{provider.upper()}_BASE_URL", raising=False)
    monkeypatch.setenv("LIPSYNC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LIPSYNC_SANDBOX", "auto")
    monkeypatch.setenv("LIPSYNC_SANDBOX_JOB_SECONDS", sandbox_job_seconds)
    monkeypatch.delenv("LIPSYNC_DATABASE_URL", raising=False)
    monkeypatch.delenv("LIPSYNC_PUBLIC_BASE_URL", raising=False)
    monkeypatch.delenv("LIPSYNC_LANGUAGE", raising=False)
    forget_runtime()
    built = get_runtime()
    yield built
    forget_runtime()
    built.stop()


def forget_runtime() -> None:
    stop_shared_refresher()
    st.cache_resource.clear()


@pytest.fixture
def app(runtime: Runtime) -> AppTest:
    """The app, run once on its default page, with no exception."""
    at = AppTest.from_file(APP, default_timeout=APP_TIMEOUT)
    at.run()
    assert not at.exception
    return at


def read(markdown: str) -> str:
    """What a person reads in an element: Markdown escapes and invisible joiners removed."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def save_team_settings(at: AppTest, save: str, values: dict[str, str | float | None]) -> AppTest:
    """Type ``values`` (widget key -> value) into a page's team settings editor, press its
    ``save`` button and confirm "for everyone" in the dialog."""
    for key, value in values.items():
        widget = at.text_input(key=key) if isinstance(value, str) else at.number_input(key=key)
        widget.set_value(value)
    at.button(key=save).click().run()
    assert not at.exception
    at.button(key=keys.SETTINGS_YES).click().run()
    assert not at.exception
    return at


def open_at(at: AppTest, page: str) -> AppTest:
    """``at`` run at ``page``: AppTest knows the pages of ``st.navigation`` (their custom
    addresses) only once the app has run, so a fresh one runs at the default page first."""
    if not at._tree.children:
        at.run()
    return at.switch_page(page).run()
