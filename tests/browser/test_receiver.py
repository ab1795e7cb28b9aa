"""The receiver against a real browser (Debian's Chromium) as the attacker's tool: an uploaded
page or drawing never runs as a page, and a page on another origin cannot post an AusyncLab
callback through a teammate's browser, even knowing the job's callback address."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from lipsync_core.flows.sources import uploads_dir
from tests.ui.test_runtime_callbacks import given_callback_url, running_nova
from tests.views.conftest import runtime  # noqa: F401  (the in-process runtime, receiver included)
from ui.runtime import Runtime

Serve = Callable[[dict[str, bytes]], str]
ACTIVE = {
    "page.html": b"<html><body><script>window.ran = true; document.title = 'ran'</script></body>",
    "drawing.svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>window.ran = true</script>'
    b'<rect width="10" height="10"/></svg>',
}


@pytest.fixture
def sandbox_job_seconds() -> str:
    """Jobs outlast the test, so AusyncLab's own callback never arrives meanwhile."""
    return "600"


@pytest.fixture
def serve() -> Iterator[Serve]:
    """Serve pages from another origin (a server of its own on 127.0.0.1); returns its base."""
    servers: list[ThreadingHTTPServer] = []

    def start(pages: dict[str, bytes]) -> str:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                page = pages.get(self.path.lstrip("/"))
                self.send_response(200 if page is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(page or b"")

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("name", list(ACTIVE))
def test_an_uploaded_page_or_drawing_is_downloaded_never_run(
    runtime: Runtime,  # noqa: F811
    page: Page,
    name: str,
) -> None:
    """Opened in the browser from the receiver, it arrives as a download: its script never
    runs (today it is served as text/html or image/svg+xml and runs)."""
    folder = uploads_dir(runtime.settings)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(ACTIVE[name])
    url = f"{runtime.receiver.base_url}/uploads/{name}"
    with page.expect_download(timeout=15_000) as downloading, contextlib.suppress(PlaywrightError):
        page.goto(url)
    assert downloading.value.suggested_filename == name
    assert page.evaluate("() => window.ran === true") is False
    assert page.title() != "ran"


def test_an_uploaded_video_is_served_to_the_browser_as_a_video(
    runtime: Runtime,  # noqa: F811
    page: Page,
    sample_video_path,
) -> None:
    """Media keeps working: the browser gets the video with its type, as a video."""
    folder = uploads_dir(runtime.settings)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "face.mp4").write_bytes(sample_video_path.read_bytes())
    response = page.goto(f"{runtime.receiver.base_url}/uploads/face.mp4")
    assert response is not None and response.ok
    assert response.headers["content-type"] == "video/mp4"
    assert page.locator("video").count() == 1


ATTACK = """<!doctype html><html><body>
<form id="form" method="POST" enctype="text/plain" action="__URL__">
  <input type="hidden" name='__FORM_NAME__' value='"}'>
</form>
<script>
const url = "__URL__";
const body = JSON.stringify(__BODY__);
window.results = {};
(async () => {
  try {
    await fetch(url, {method: "POST", mode: "no-cors", body,
                      headers: {"Content-Type": "text/plain"}});
    results.plain = "sent";
  } catch (e) { results.plain = "failed"; }
  try {
    await fetch(url, {method: "POST", body, headers: {"Content-Type": "application/json"}});
    results.json = "read";
  } catch (e) { results.json = "blocked"; }
  window.done = true;
})();
</script></body></html>"""


def test_a_page_on_another_origin_cannot_post_a_callback_through_the_browser(
    runtime: Runtime,  # noqa: F811
    page: Page,
    serve: Serve,
) -> None:
    """The page knows the job's own callback address and posts a well-formed body three ways: a
    no-cors text/plain fetch reaches the receiver and is refused (415), a JSON fetch is stopped
    by the browser (no CORS preflight is granted), and a text/plain form is refused (415); the
    job keeps no credits (today the text/plain posts set them)."""
    job = running_nova(runtime)
    url = given_callback_url(runtime, job)
    forged = {"video_id": int(job.provider_job_id or 0), "video_url": None, "credits_used": 1}
    forged["status"] = "COMPLETED"
    form_name = json.dumps(forged)[:-1] + ', "pad": "'
    attack = (
        ATTACK.replace("__URL__", url)
        .replace("__BODY__", json.dumps(forged))
        .replace("__FORM_NAME__", form_name)
    )
    origin = serve({"attack.html": attack.encode()})
    page.goto(f"{origin}/attack.html")
    page.wait_for_function("() => window.done === true")
    assert page.evaluate("() => window.results") == {"plain": "sent", "json": "blocked"}
    with page.expect_navigation():
        page.evaluate("() => document.getElementById('form').submit()")
    assert page.url == url
    assert json.loads(page.inner_text("body")) == {
        "detail": "A callback must be sent as application/json."
    }
    after = runtime.service.get(job.id)
    assert after.reported_credits == {} and after.cost_used is None
