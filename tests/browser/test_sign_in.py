"""Sign-in in a real browser against a real OpenID Connect provider, and who a dashboard without
sign-in serves.

The provider is ``oidc-provider-mock`` (a Flask app from PyPI implementing OpenID Connect:
discovery, authorize with a form, token, userinfo, end session) on a free port of 127.0.0.1 in
this process. The dashboard is started with an ``[auth]`` section pointing at it, in a secrets
file of the test's own (``--secrets.files``; the repository's ``.streamlit/`` is never
written). A person signs in through the provider's form, sees the pages and their name, sends a
job that the card says they sent, and signs out.

A visit "from another computer" is a request passed on by a reverse proxy on this machine: it
carries ``X-Forwarded-For`` with the visitor's address, which Streamlit's server takes as the
visitor's (it trusts proxy headers from 127.0.0.1) and the dashboard reads as not this computer.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import oidc_provider_mock
import pytest
import requests
import werkzeug.serving
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import RunningApp, free_port, start_app
from tests.browser.test_dashboard import wait_for_done

pytestmark = pytest.mark.browser

PERSON = {"email": "ana.lima@example.com", "name": "Ana Lima"}
SUB = "ana"
REMOTE_VISITOR = {"X-Forwarded-For": "198.51.100.7"}  # a documentation address (RFC 5737)
REFUSAL = "This dashboard serves only the computer it runs on"
FIRST_RUN_MS = 60_000  # a fresh dashboard starts its sandbox on its first page


@dataclass
class Provider:
    """The OpenID provider: its address, and people it knows."""

    url: str

    def add_person(self, sub: str, claims: dict[str, str]) -> None:
        answer = requests.put(f"{self.url}/users/{sub}", json=claims, timeout=10)
        assert answer.status_code == 204, answer.text


@pytest.fixture
def provider() -> Iterator[Provider]:
    """``oidc-provider-mock`` on a free port of 127.0.0.1 (any client id and secret pass)."""
    server = werkzeug.serving.make_server("127.0.0.1", 0, oidc_provider_mock.app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    yield Provider(f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def auth_secrets(path: Path, provider: Provider, port: int) -> Path:
    """A secrets file whose ``[auth]`` points at the provider (``st.login``'s default one)."""
    path.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "lipsync-dashboard"\n'
        f'client_secret = "{secrets.token_hex(16)}"\n'
        f'server_metadata_url = "{provider.url}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Callable[..., RunningApp]]:
    """Start the app with more options or settings; every app started is stopped."""
    started: list[RunningApp] = []

    def start(**options: object) -> RunningApp:
        app = start_app(tmp_path / "data", tmp_path / "streamlit.log", **options)  # type: ignore[arg-type]
        started.append(app)
        return app

    yield start
    for app in started:
        app.stop()


def open_page(browser: Browser, headers: dict[str, str] | None = None) -> Page:
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, extra_http_headers=headers
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def test_a_person_signs_in_sees_the_pages_sends_and_signs_out(
    browser: Browser, provider: Provider, launch: Callable[..., RunningApp], tmp_path: Path
) -> None:
    """Sign-in screen first; the provider's form; then the pages, the person's name, a job the
    card says they sent, and after signing out the sign-in screen again."""
    provider.add_person(SUB, PERSON)
    port = free_port()
    secrets_file = auth_secrets(tmp_path / "secrets.toml", provider, port)
    app = launch(port=port, secrets_file=secrets_file)
    page = open_page(browser)
    try:
        page.goto(app.url)
        expect(page.get_by_text("Sign in to continue")).to_be_visible(timeout=FIRST_RUN_MS)
        expect(page.get_by_role("heading", name="Status")).to_have_count(0)
        page.get_by_role("button", name="Sign in").click()

        page.wait_for_url(re.compile(re.escape(provider.url) + r"/oauth2/authorize"))
        page.get_by_placeholder("sub").fill(SUB)
        page.get_by_role("button", name="Authorize").click()

        page.wait_for_url(re.compile(re.escape(app.url)))
        sidebar = page.get_by_test_id("stSidebar")
        expect(sidebar.get_by_text("Signed in as Ana Lima")).to_be_visible(timeout=FIRST_RUN_MS)
        expect(page.get_by_role("heading", name="Submit a lip-sync job")).to_be_visible()

        page.get_by_role("button", name="Try the sample media").click()
        expect(page.get_by_text("Using face.mp4 (sample)")).to_be_visible()
        page.locator("label").filter(has_text="TwinSync").first.click()
        expect(page.get_by_text("✓ TwinSync: fits")).to_be_visible()
        page.get_by_role("button", name="Send to TwinSync").click()
        page.get_by_role("link", name="Open the status cards").click()
        expect(page.get_by_role("heading", name="Status")).to_be_visible()
        wait_for_done(page, 1)
        expect(page.get_by_text("Sent by you")).to_be_visible()
        expect(page.get_by_text("Jobs", exact=True)).to_be_visible()  # mine / everyone's
        store = app.store()
        try:
            (job,) = store.list_jobs()
        finally:
            store.close()
        assert job.sent_by == PERSON["email"]

        sidebar.get_by_role("button", name="Sign out").click()
        page.get_by_role("button", name="End session").click()
        page.wait_for_url(re.compile(re.escape(app.url)))
        expect(page.get_by_text("Sign in to continue")).to_be_visible()
        expect(page.get_by_text("Signed in as")).to_have_count(0)
    finally:
        page.context.close()


@pytest.mark.parametrize("first_address", ["/status_page", "/compare", "/"])
def test_no_address_opens_a_page_before_sign_in(
    browser: Browser,
    provider: Provider,
    launch: Callable[..., RunningApp],
    tmp_path: Path,
    first_address: str,
) -> None:
    """The first visit to a freshly started dashboard, at a page's address or at the file name
    Streamlit would otherwise run alone, gets the sign-in screen and nothing of the page.

    (Streamlit also says "Page not found" over a page's address on a server's very first visit,
    with or without sign-in: its older pages-folder mode is still on then.)"""
    port = free_port()
    secrets_file = auth_secrets(tmp_path / "secrets.toml", provider, port)
    app = launch(port=port, secrets_file=secrets_file)
    page = open_page(browser)
    try:
        page.goto(f"{app.url}{first_address}")
        expect(page.get_by_text("Sign in to continue")).to_be_visible(timeout=FIRST_RUN_MS)
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        for heading in ("Status", "Compare providers", "Submit a lip-sync job"):
            expect(page.get_by_role("heading", name=heading)).to_have_count(0)
        expect(page.get_by_text("Connections")).to_have_count(0)
    finally:
        page.context.close()


@pytest.mark.parametrize(
    ("share", "headers", "served"),
    [
        (None, None, True),
        (None, REMOTE_VISITOR, False),
        ("yes", REMOTE_VISITOR, True),
    ],
    ids=["this-computer", "another-computer", "another-computer-shared-on-purpose"],
)
def test_without_sign_in_only_this_computer_is_served(
    browser: Browser,
    launch: Callable[..., RunningApp],
    share: str | None,
    headers: dict[str, str] | None,
    served: bool,
) -> None:
    """Without sign-in a visit from another computer gets the refusal saying how to share the
    dashboard, unless LIPSYNC_SHARE_WITHOUT_SIGN_IN=yes; this computer is always served."""
    app = launch(environ={"LIPSYNC_SHARE_WITHOUT_SIGN_IN": share or "no"})
    page = open_page(browser, headers)
    try:
        page.goto(app.url)
        if served:
            heading = page.get_by_role("heading", name="Submit a lip-sync job")
            expect(heading).to_be_visible(timeout=FIRST_RUN_MS)
            expect(page.get_by_text(REFUSAL)).to_have_count(0)
        else:
            expect(page.get_by_text(REFUSAL)).to_be_visible(timeout=FIRST_RUN_MS)
            expect(page.get_by_text("set up sign-in")).to_be_visible()
            expect(page.get_by_role("heading", name="Submit a lip-sync job")).to_have_count(0)
    finally:
        page.context.close()
