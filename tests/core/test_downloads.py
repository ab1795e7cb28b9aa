"""Result downloads go through the address guard, each redirect hop checked, and write to
temporary files of their own, so two copies of one result at once both succeed."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from lipsync_core.downloads import DownloadError, download

VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"frame" * 20_000
REFUSED = "local or private network address"


@pytest.fixture
def victim() -> Iterator[HTTPServer]:
    """A second local server, never trusted: what a hostile link would reach."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    server.expect_request("/secret").respond_with_data(b"internal secret")
    yield server
    server.clear()
    server.stop()


@pytest.mark.parametrize(
    "url",
    [
        "{local}",
        "http://localhost:{port}/out.mp4",
        "http://[::ffff:127.0.0.1]:{port}/out.mp4",
        "http://10.0.0.7/out.mp4",
        "http://192.168.1.20:8080/out.mp4",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/out.mp4",
        "http://0.0.0.0:{port}/out.mp4",
    ],
    ids=[
        "loopback",
        "localhost",
        "mapped-v6",
        "private-10",
        "private-192",
        "metadata",
        "v6-link",
        "any",
    ],
)
def test_a_result_on_this_machine_or_a_private_network_is_not_copied(
    httpserver: HTTPServer, tmp_path: Path, url: str
) -> None:
    """Loopback, private, link-local and unspecified addresses are refused before connecting."""
    httpserver.expect_request("/out.mp4").respond_with_data(VIDEO)
    link = url.format(local=httpserver.url_for("/out.mp4"), port=httpserver.port)
    destination = tmp_path / "outputs" / "job.mp4"
    with pytest.raises(DownloadError, match=REFUSED) as caught:
        download(link, destination, timeout=(1, 1))
    assert str(caught.value).startswith("The result was not copied to this computer. ")
    assert httpserver.log == []
    assert list(destination.parent.iterdir()) == []


@pytest.mark.parametrize(
    ("entry", "host"),
    [
        ("127.0.0.1:{port}", "127.0.0.1"),
        ("127.0.0.1", "127.0.0.1"),
        ("LOCALHOST", "localhost"),
        (" other.example , localhost:{port} ", "localhost"),
    ],
    ids=["host-and-port", "host", "name-any-case", "list-with-spaces"],
)
def test_a_host_trusted_in_the_setting_is_copied(
    httpserver: HTTPServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    entry: str,
    host: str,
) -> None:
    """LIPSYNC_FETCH_ALLOW takes ``host`` or ``host:port`` entries, comma-separated."""
    monkeypatch.setenv("LIPSYNC_FETCH_ALLOW", entry.format(port=httpserver.port))
    httpserver.expect_request("/out.mp4").respond_with_data(VIDEO)
    destination = tmp_path / "job.mp4"
    assert download(f"http://{host}:{httpserver.port}/out.mp4", destination) == destination
    assert destination.read_bytes() == VIDEO


def test_a_trusted_host_on_another_port_is_not_trusted(
    httpserver: HTTPServer, tmp_path: Path, trust_host: Callable[[str], None]
) -> None:
    """A ``host:port`` entry trusts that port only."""
    trust_host(f"127.0.0.1:{httpserver.port + 1}")
    httpserver.expect_request("/out.mp4").respond_with_data(VIDEO)
    with pytest.raises(DownloadError, match=REFUSED):
        download(httpserver.url_for("/out.mp4"), tmp_path / "job.mp4")
    assert httpserver.log == []


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("{victim}", REFUSED),
        ("http://169.254.169.254/latest/meta-data/", REFUSED),
        ("file:///etc/passwd", "Only http and https links are fetched"),
    ],
    ids=["local-server", "metadata", "file"],
)
def test_every_redirect_hop_is_checked(
    httpserver: HTTPServer,
    victim: HTTPServer,
    tmp_path: Path,
    trust_host: Callable[[str], None],
    location: str,
    message: str,
) -> None:
    """A trusted server cannot redirect the download to where the guard would not go."""
    trust_host(httpserver.url_for("/"))
    target = location.format(victim=victim.url_for("/secret"))
    httpserver.expect_request("/out.mp4").respond_with_data(
        "", status=302, headers={"Location": target}
    )
    destination = tmp_path / "job.mp4"
    with pytest.raises(DownloadError, match=message):
        download(httpserver.url_for("/out.mp4"), destination)
    assert victim.log == []
    assert list(tmp_path.iterdir()) == []


def test_redirects_between_trusted_hosts_are_followed(
    httpserver: HTTPServer, tmp_path: Path, trust_host: Callable[[str], None]
) -> None:
    """Three hops on a trusted server end at the file."""
    trust_host(httpserver.url_for("/"))
    for hop in range(3):
        httpserver.expect_request(f"/hop{hop}").respond_with_data(
            "", status=307, headers={"Location": f"/hop{hop + 1}"}
        )
    httpserver.expect_request("/hop3").respond_with_data(VIDEO)
    destination = tmp_path / "job.mp4"
    download(httpserver.url_for("/hop0"), destination)
    assert destination.read_bytes() == VIDEO


def test_too_many_redirects_are_refused(
    httpserver: HTTPServer, tmp_path: Path, trust_host: Callable[[str], None]
) -> None:
    """A redirect loop ends with a plain sentence, not a hang."""
    trust_host(httpserver.url_for("/"))
    httpserver.expect_request("/loop").respond_with_data(
        "", status=302, headers={"Location": "/loop"}
    )
    with pytest.raises(DownloadError, match="redirects too many times"):
        download(httpserver.url_for("/loop"), tmp_path / "job.mp4")


def test_the_connection_goes_to_the_address_that_was_checked(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name that resolves to a public address when checked and to this machine afterwards
    (DNS rebinding) is never connected to this machine: the checked address is used."""
    real = socket.getaddrinfo
    answers = iter(["192.0.32.10", "127.0.0.1", "127.0.0.1"])
    asked: list[str] = []

    def rebinding(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "rebind.example":
            asked.append(host)
            host = next(answers)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    httpserver.expect_request("/out.mp4").respond_with_data(VIDEO)
    url = f"http://rebind.example:{httpserver.port}/out.mp4"
    with pytest.raises(DownloadError):
        download(url, tmp_path / "job.mp4", timeout=(0.5, 0.5))
    assert asked == ["rebind.example"]
    assert httpserver.log == []


@pytest.fixture
def slow_server(trust_host: Callable[[str], None]) -> Iterator[HTTPServer]:
    """A trusted threaded server whose answers start only once two requests have arrived, then
    trickle in, so that two downloads write at the same time."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    both_asked = threading.Barrier(2, timeout=10)

    def answer(request: Request) -> Response:
        both_asked.wait()
        chunks = [VIDEO[i : i + 10_000] for i in range(0, len(VIDEO), 10_000)]

        def trickle() -> Iterator[bytes]:
            for chunk in chunks:
                threading.Event().wait(0.01)
                yield chunk

        return Response(trickle(), headers={"Content-Length": str(len(VIDEO))})

    server.expect_request("/out.mp4").respond_with_handler(answer)
    trust_host(server.url_for("/"))
    yield server
    server.clear()
    server.stop()


def test_two_downloads_of_one_result_at_once_both_succeed(
    slow_server: HTTPServer, tmp_path: Path
) -> None:
    """Two refreshers copying the same output into the same file do not collide: each writes a
    temporary file of its own, and the result is whole."""
    destination = tmp_path / "outputs" / "job.mp4"
    url = slow_server.url_for("/out.mp4")
    with ThreadPoolExecutor(2) as pool:
        copies = list(pool.map(lambda _: download(url, destination), range(2)))
    assert copies == [destination, destination]
    assert destination.read_bytes() == VIDEO
    assert [p.name for p in destination.parent.iterdir()] == ["job.mp4"]
