"""A seekable file over HTTP range requests, so media at a link is probed without downloading it.

The demuxer asks for the bytes it needs; an MP4 whose ``moov`` box sits at the end costs one extra
range request, not the whole file. Every connection goes through the address guard.
"""

from __future__ import annotations

import http.client
import io
import ssl
import time
from collections.abc import Collection
from urllib.parse import urljoin

from lipsync_core.address_guard import PinnedHTTPConnection, PinnedHTTPSConnection, checked_target
from lipsync_core.errors import MediaValidationError
from lipsync_core.i18n import _

REDIRECT_STATUSES = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 5
FIRST_READ = 64 * 1024
MAX_READAHEAD = 512 * 1024
USER_AGENT = "lipsync-dashboard-probe/1"


class RangeReader(io.RawIOBase):
    """A read-only, seekable file over HTTP range requests, bounded in bytes and in time.

    Reads fetch at least 64 KiB and double the read-ahead while reads stay sequential (up to
    512 KiB); every fetched window is kept, so going back to a byte already read costs nothing.
    A server that ignores ``Range`` is read as a plain stream from the start, still within
    ``max_bytes``. ``bytes_read`` counts every body byte received.
    """

    def __init__(
        self,
        url: str,
        *,
        allowed_hosts: Collection[str] = (),
        timeout: float = 15.0,
        max_bytes: int = 16 * 1024 * 1024,
    ) -> None:
        super().__init__()
        self.url = url
        self.allowed_hosts = allowed_hosts
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.deadline = time.monotonic() + timeout
        self.bytes_read = 0
        self.size: int | None = None
        self._target = checked_target(url, allowed_hosts)
        self._connection: http.client.HTTPConnection | None = None
        self._windows: list[tuple[int, bytes]] = []
        self._position = 0
        self._readahead = FIRST_READ
        self._last_end = -1
        self._fetch(0, FIRST_READ)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_END:
            if self.size is None:
                raise OSError("the server did not say how long the file is")
            offset += self.size
        elif whence == io.SEEK_CUR:
            offset += self._position
        self._position = max(0, offset)
        return self._position

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = (self.size or self._position + FIRST_READ) - self._position
        if size == 0 or (self.size is not None and self._position >= self.size):
            return b""
        chunk = self._cached(self._position, size)
        if chunk is None:
            self._fetch(self._position, self._next_length(size))
            chunk = self._cached(self._position, size) or b""
        self._position += len(chunk)
        return chunk

    def close(self) -> None:
        self.close_connection()
        super().close()

    def close_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _cached(self, position: int, size: int) -> bytes | None:
        for start, data in self._windows:
            if start <= position < start + len(data):
                offset = position - start
                return data[offset : offset + size]
        return None

    def _next_length(self, size: int) -> int:
        sequential = self._position == self._last_end
        self._readahead = min(self._readahead * 2, MAX_READAHEAD) if sequential else FIRST_READ
        return max(size, self._readahead)

    def _fetch(self, start: int, length: int) -> None:
        if self.size is not None:
            length = min(length, self.size - start)
        length = min(length, self.max_bytes - self.bytes_read)
        if length <= 0:
            raise self._budget_error()
        data = self._get_range(start, length)
        self._windows.append((start, data))
        self._last_end = start + len(data)

    def _get_range(self, start: int, length: int) -> bytes:
        for _attempt in range(MAX_REDIRECTS + 1):
            response = self._send(start, length)
            if response.status not in REDIRECT_STATUSES:
                return self._range_body(response, start, length)
            location = response.getheader("Location")
            self.close_connection()  # the redirect's body is never read: it could be endless
            if not location:
                raise MediaValidationError(_("The server redirected this link to nowhere."))
            self.url = urljoin(self.url, location)
            self._target = checked_target(self.url, self.allowed_hosts)
        raise MediaValidationError(_("This link redirects too many times."))

    def _send(self, start: int, length: int) -> http.client.HTTPResponse:
        headers = {
            "Range": f"bytes={start}-{start + length - 1}",
            "User-Agent": USER_AGENT,
            "Accept-Encoding": "identity",
        }
        try:
            connection = self._connect()
            connection.request("GET", self._target.path, headers=headers)
            return connection.getresponse()
        except TimeoutError as exc:
            raise self._timeout_error() from exc
        except (OSError, http.client.HTTPException) as exc:
            self.close_connection()
            raise self._network_error(exc) from exc

    def _connect(self) -> http.client.HTTPConnection:
        remaining = self._remaining()
        if self._connection is None:
            kind = PinnedHTTPSConnection if self._target.scheme == "https" else PinnedHTTPConnection
            self._connection = kind(self._target, remaining)
        self._connection.timeout = remaining
        if self._connection.sock is not None:
            self._connection.sock.settimeout(remaining)
        return self._connection

    def _range_body(self, response: http.client.HTTPResponse, start: int, length: int) -> bytes:
        if response.status == 206:
            self._learn_size_from_range(response.getheader("Content-Range"), start)
            return self._read_body(response, length)
        if response.status == 416:
            self.close_connection()
            self.size = start if self.size is None else self.size
            return b""
        if response.status == 200:
            content_length = response.getheader("Content-Length")
            self.size = int(content_length) if content_length and content_length.isdigit() else None
            body = self._read_body(response, start + length)[start:]
            self.close_connection()
            return body
        response.read(0)
        self.close_connection()
        raise MediaValidationError(
            _(
                "The server answered HTTP {status} for this link; check that the link is right "
                "and that the file is publicly readable."
            ).format(status=response.status)
        )

    def _learn_size_from_range(self, content_range: str | None, start: int) -> None:
        """Parse ``bytes first-last/total``; refuse an answer that starts elsewhere."""
        unit, _, spec = (content_range or "").partition(" ")
        span, _, total = spec.partition("/")
        first = span.partition("-")[0]
        if unit != "bytes" or not first.isdigit() or int(first) != start:
            self.close_connection()
            raise MediaValidationError(_("The server answered a range request with other bytes."))
        if total.isdigit():
            self.size = int(total)

    def _read_body(self, response: http.client.HTTPResponse, length: int) -> bytes:
        """Up to ``length`` body bytes, checking the deadline and budget between socket reads."""
        parts: list[bytes] = []
        received = 0
        while received < length:
            self._set_socket_timeout()
            try:
                chunk = response.read1(min(length - received, 256 * 1024))
            except TimeoutError as exc:
                self.close_connection()
                raise self._timeout_error() from exc
            except (OSError, http.client.HTTPException) as exc:
                self.close_connection()
                raise self._network_error(exc) from exc
            if not chunk:
                break
            if self.bytes_read + len(chunk) > self.max_bytes:
                self.close_connection()
                raise self._budget_error()
            parts.append(chunk)
            received += len(chunk)
            self.bytes_read += len(chunk)
        if response.length == 0:
            response.read()  # marks the response done, so the connection can be reused
        elif not response.isclosed():
            self.close_connection()
        return b"".join(parts)

    def _set_socket_timeout(self) -> None:
        remaining = self._remaining()
        if self._connection is not None and self._connection.sock is not None:
            self._connection.sock.settimeout(remaining)

    def _remaining(self) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise self._timeout_error()
        return remaining

    def _budget_error(self) -> MediaValidationError:
        return MediaValidationError(
            _(
                "The file at this link could not be read within the first {size} MB downloaded; "
                "it may be damaged or laid out unusually (saving it again as MP4 usually helps)."
            ).format(size=f"{self.max_bytes / (1024 * 1024):g}")
        )

    def _timeout_error(self) -> MediaValidationError:
        self.close_connection()
        return MediaValidationError(
            _(
                "The server at {host} did not send the file's header within {seconds} s; try "
                "again later or use another link."
            ).format(host=self._target.host, seconds=f"{self.timeout:g}")
        )

    def _network_error(self, exc: Exception) -> MediaValidationError:
        if isinstance(exc, ssl.SSLCertVerificationError):
            return MediaValidationError(
                _("Could not reach {host}: its security certificate is not valid.").format(
                    host=self._target.host
                )
            )
        return MediaValidationError(
            _("Could not reach {host}: {reason}.").format(host=self._target.host, reason=exc)
        )
