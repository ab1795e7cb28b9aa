"""Getting a job's input media: an http(s) download, a local ``file://`` path, or base64 audio.

Downloads stream to disk with a size cap and bounded timeouts, every connection through the
address guard (:mod:`lipsync_core.fetching`): links to this machine or a private network are
refused unless they are this app's own servers or hosts trusted in ``LIPSYNC_FETCH_ALLOW``.
Local files are what the dashboard's uploads are: it keeps them in its data folder and hands the
sandbox ``file://`` URLs, which are read only inside the folders of ``SandboxConfig.media_folders``
(by default the deployment's uploads folder and the shipped samples). Every failure is a
:class:`MediaFetchError` whose text a person can act on.
"""

from __future__ import annotations

import base64
import binascii
import shutil
import uuid
from collections.abc import Collection
from pathlib import Path
from urllib.parse import urlparse

import requests

from lipsync_core.address_guard import AddressRefusedError, checked_file
from lipsync_core.fetching import RedirectError, get, guarded_session
from lipsync_core.sandbox.state import JobFailure, SandboxState

SCHEMES = ("http", "https", "file")
CONNECT_TIMEOUT = 5.0
CHUNK = 1 << 16


class MediaFetchError(JobFailure):
    """The media behind a URL (or inline data) cannot be fetched."""


def check_url(url: str, what: str) -> None:
    """Reject, before any job exists, a URL the sandbox could never fetch."""
    try:
        parsed = urlparse(url.strip())
    except ValueError:
        raise MediaFetchError(f"The {what} URL is malformed.") from None
    if parsed.scheme.lower() not in SCHEMES:
        raise MediaFetchError(f"The {what} URL must start with http://, https:// or file://.")
    if parsed.scheme.lower() != "file" and not parsed.netloc:
        raise MediaFetchError(f"The {what} URL has no host.")


def fetch(
    url: str,
    dest_dir: Path,
    *,
    what: str,
    max_bytes: int,
    timeout: float,
    folders: Collection[Path] | None = None,
) -> Path:
    """Copy the media at ``url`` into ``dest_dir`` and return its path there.

    ``folders``: where ``file://`` URLs may point (``None``: the uploads and the samples).
    """
    check_url(url, what)
    parsed = urlparse(url.strip())
    dest = dest_dir / f"{uuid.uuid4().hex}{_suffix(parsed.path)}"
    if parsed.scheme.lower() == "file":
        _copy_local(url.strip(), dest, what=what, max_bytes=max_bytes, folders=folders)
    else:
        _download(url.strip(), dest, what=what, max_bytes=max_bytes, timeout=timeout)
    return dest


def reuse_or_fetch(
    state: SandboxState,
    path: Path | None,
    url: str | None,
    *,
    what: str,
    max_bytes: int | None = None,
) -> Path:
    """A job's input: the copy fetched earlier (kept in the data folder), else fetched from
    ``url`` into the inputs folder within the sandbox's download limits (``max_bytes``: a
    provider's own cap instead); without either (inline data not kept) the job cannot run again.
    """
    if path is not None and path.is_file():
        return path
    if not url:
        raise MediaFetchError(f"The sandbox no longer has this job's {what}.")
    config = state.config
    limit = config.max_download_bytes if max_bytes is None else max_bytes
    timeout = config.download_timeout_seconds
    return fetch(
        url,
        state.inputs_dir,
        what=what,
        max_bytes=limit,
        timeout=timeout,
        folders=config.media_folders,
    )


def decode_base64(data: str, dest_dir: Path, *, what: str, max_bytes: int) -> Path:
    """Write base64 media (an optional ``data:...;base64,`` prefix allowed) into ``dest_dir``."""
    payload = data.split(",", 1)[1] if data.startswith("data:") else data
    try:
        raw = base64.b64decode("".join(payload.split()), validate=True)
    except (binascii.Error, ValueError):
        raise MediaFetchError(f"The {what} is neither a URL nor valid base64 data.") from None
    if not raw:
        raise MediaFetchError(f"The {what} is empty.")
    if len(raw) > max_bytes:
        raise MediaFetchError(f"The {what} is larger than {_megabytes(max_bytes)}.")
    dest = dest_dir / uuid.uuid4().hex
    dest.write_bytes(raw)
    return dest


def _copy_local(
    url: str, dest: Path, *, what: str, max_bytes: int, folders: Collection[Path] | None
) -> None:
    try:
        source = checked_file(url, folders)
    except AddressRefusedError as exc:
        raise MediaFetchError(f"The {what} was not read. {exc}") from None
    if source.stat().st_size > max_bytes:
        raise MediaFetchError(f"The {what} file is larger than {_megabytes(max_bytes)}.")
    shutil.copyfile(source, dest)


def _download(url: str, dest: Path, *, what: str, max_bytes: int, timeout: float) -> None:
    try:
        with (
            guarded_session() as session,
            get(session, url, timeout=(CONNECT_TIMEOUT, timeout)) as response,
        ):
            if response.status_code >= 400:
                raise MediaFetchError(
                    f"Could not download the {what}: the server answered HTTP "
                    f"{response.status_code}."
                )
            _save_capped(response, dest, what=what, max_bytes=max_bytes)
    except (AddressRefusedError, RedirectError) as exc:
        raise MediaFetchError(f"The {what} was not downloaded. {exc}") from None
    except requests.RequestException as exc:
        dest.unlink(missing_ok=True)
        raise MediaFetchError(f"Could not download the {what}: {_reason(exc)}.") from None


def _save_capped(response: requests.Response, dest: Path, *, what: str, max_bytes: int) -> None:
    declared = response.headers.get("Content-Length", "")
    too_big = MediaFetchError(f"The {what} is larger than {_megabytes(max_bytes)}.")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_big
    size = 0
    with dest.open("wb") as out:
        for chunk in response.iter_content(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                break
            out.write(chunk)
    if size > max_bytes:
        dest.unlink(missing_ok=True)
        raise too_big
    if size == 0:
        dest.unlink(missing_ok=True)
        raise MediaFetchError(f"The {what} URL returned an empty file.")


def _reason(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.Timeout):
        return "the server did not answer in time"
    if isinstance(exc, requests.ConnectionError):
        return "the server could not be reached"
    return type(exc).__name__


def _suffix(url_path: str) -> str:
    suffix = Path(url_path).suffix.lower()
    return suffix if 1 < len(suffix) <= 6 and suffix[1:].isalnum() else ""


def _megabytes(size: int) -> str:
    megabytes = size / (1024 * 1024)
    return f"{megabytes:g} MB" if megabytes >= 1 else f"{size} bytes"
