"""Keep a copy of each result: stream a provider's output into the data directory, size-capped.

Providers delete results (Kling after 30 days, AusyncLab's uploads after 24 hours), so a
succeeded job's video and thumbnail are copied under ``<data_dir>/outputs/``. The copy is
streamed to a temporary file of its own (``.<name>.<random>.part``) and renamed only when
complete, so a half-written file is never taken for a result and two copies of one result made at
once (two processes' refreshers) never write to the same file. Every connection goes through the
address guard (:mod:`lipsync_core.fetching`): a result link on this machine or a private network
is refused, unless it is the app's own sandbox or a host trusted in ``LIPSYNC_FETCH_ALLOW``.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import requests

from lipsync_core.address_guard import AddressRefusedError
from lipsync_core.errors import LipsyncError
from lipsync_core.fetching import RedirectError, get, guarded_session
from lipsync_core.flows.model import DownloadState, Job
from lipsync_core.formats import number
from lipsync_core.i18n import _

logger = logging.getLogger(__name__)

MAX_OUTPUT_BYTES = 1024 * 1024 * 1024
CHUNK_BYTES = 256 * 1024
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 60.0
TOTAL_SECONDS = 30 * 60.0
VIDEO_SUFFIXES = (".mp4", ".mov", ".webm", ".mkv")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
MAX_THUMBNAIL_BYTES = 20 * 1024 * 1024


class DownloadError(LipsyncError):
    """A result could not be copied to this computer (the remote copy is still there)."""


def outputs_dir(data_dir: Path) -> Path:
    return data_dir / "outputs"


def suffix_for(url: str, allowed: tuple[str, ...], default: str) -> str:
    suffix = Path(urlsplit(url).path).suffix.lower()
    return suffix if suffix in allowed else default


def download(
    url: str,
    destination: Path,
    *,
    max_bytes: int = MAX_OUTPUT_BYTES,
    timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT),
    total_seconds: float = TOTAL_SECONDS,
    session: requests.Session | None = None,
) -> Path:
    """Stream ``url`` into ``destination``; a plain :class:`DownloadError` if it cannot.

    ``session``: a guarded one (:func:`lipsync_core.fetching.guarded_session`) to reuse.
    """
    if urlsplit(url).scheme not in ("http", "https"):
        raise DownloadError(
            _("The result's address is not a web link, so it could not be copied to this computer.")
        )
    destination.parent.mkdir(parents=True, exist_ok=True)
    http = session or guarded_session()
    try:
        with get(http, url, timeout=timeout) as response:
            _check(response, max_bytes)
            _save(response, destination, max_bytes, time.monotonic() + total_seconds)
    except (AddressRefusedError, RedirectError) as exc:
        raise DownloadError(
            _("The result was not copied to this computer. {reason}").format(reason=exc)
        ) from exc
    except requests.RequestException as exc:
        raise DownloadError(
            _("The result could not be copied to this computer ({error}).").format(
                error=type(exc).__name__
            ),
        ) from exc
    except OSError as exc:
        raise DownloadError(
            _("The result could not be written to this computer ({error}).").format(
                error=exc.strerror or exc
            )
        ) from exc
    finally:
        if session is None:
            http.close()
    return destination


def copy_result(job: Job, data_dir: Path) -> tuple[Path, Path | None]:
    """Copy a succeeded job's video (and, best effort, its thumbnail) into ``outputs/``.

    Raises :class:`DownloadError` when the video cannot be copied; a thumbnail that cannot is
    only logged (the card then shows the provider's).
    """
    folder = outputs_dir(data_dir)
    url = job.output_url or ""
    video = download(url, folder / f"{job.id}{suffix_for(url, VIDEO_SUFFIXES, '.mp4')}")
    thumbnail = None
    if job.thumbnail_url:
        name = f"{job.id}{suffix_for(job.thumbnail_url, IMAGE_SUFFIXES, '.jpg')}"
        try:
            thumbnail = download(job.thumbnail_url, folder / name, max_bytes=MAX_THUMBNAIL_BYTES)
        except DownloadError as exc:
            logger.info("thumbnail of job %s not copied: %s", job.id, exc)
    return video, thumbnail


def downloaded(job: Job, video: Path, thumbnail: Path | None) -> bool:
    """The result is copied: the card plays the local file from now on."""
    job.output_path = str(video)
    job.thumbnail_path = str(thumbnail) if thumbnail else job.thumbnail_path
    job.download_state = DownloadState.DONE
    job.download_attempts += 1
    return True


def download_failed(job: Job, exc: DownloadError, attempts: int) -> bool:
    """A copy failed: try again later, until ``attempts`` are used up, then say so on the card."""
    job.download_attempts += 1
    if job.download_attempts < attempts:
        return True
    job.download_state = DownloadState.FAILED
    job.note = _("{reason} It plays from {provider} until {provider} deletes it.").format(
        reason=exc, provider=job.provider_name
    )
    return True


def _check(response: requests.Response, max_bytes: int) -> None:
    if response.status_code != 200:
        raise DownloadError(
            _("The result could not be copied to this computer (HTTP {status}).").format(
                status=response.status_code
            )
        )
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise DownloadError(_too_big(max_bytes))


def _save(response: requests.Response, destination: Path, max_bytes: int, deadline: float) -> None:
    """Write the body to a new temporary file beside ``destination``, then rename it; the
    temporary file is deleted if anything fails."""
    handle, name = tempfile.mkstemp(
        dir=destination.parent, prefix=f".{destination.name}.", suffix=".part"
    )
    partial = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            _copy_body(response, out, max_bytes, deadline)
        os.replace(partial, destination)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _copy_body(response: requests.Response, out: BinaryIO, max_bytes: int, deadline: float) -> None:
    written = 0
    for chunk in response.iter_content(CHUNK_BYTES):
        written += len(chunk)
        if written > max_bytes:
            raise DownloadError(_too_big(max_bytes))
        if time.monotonic() > deadline:
            raise DownloadError(_("The result took too long to copy to this computer."))
        out.write(chunk)
    if written == 0:
        raise DownloadError(_("The result's address gave an empty file, so nothing was copied."))


def _too_big(max_bytes: int) -> str:
    return _("The result is larger than {size} MB, so it was not copied to this computer.").format(
        size=number(max_bytes / 1024 / 1024)
    )
