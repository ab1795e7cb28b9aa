"""The per-job secret in AusyncLab callback addresses, and the server secret it is derived from.

AusyncLab signs nothing, so each job is given its own callback address,
``<base>/callbacks/ausynclab/<job id>/<token>``, where the token is an HMAC-SHA256 of the job id
under this deployment's server secret. Only AusyncLab (which was given the address) can post to
it; the receiver recomputes the token and compares in constant time. The API key is never used.

The server secret is 32 random bytes kept in ``<data_dir>/callback-secret`` (mode 0600, outside
the served ``uploads/`` folder). Every process sharing the data directory (dashboards, workers)
reads the same file; the first one to need it creates it, atomically: the secret is written to a
private temporary file which is then hard-linked to its final name, which fails if another
process got there first, so no process ever reads a half-written secret and all agree. It is
read on each use (a few bytes), so every process sees the same file even after an operator
replaces it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import tempfile
from pathlib import Path

from lipsync_core.errors import ConfigurationError
from lipsync_core.i18n import _

SECRET_FILE = "callback-secret"
SECRET_BYTES = 32
TOKEN_CONTEXT = b"lipsync-dashboard ausynclab callback\x00"


def server_secret(data_dir: Path) -> bytes:
    """The deployment's callback secret, created under ``data_dir`` the first time it is needed."""
    path = data_dir / SECRET_FILE
    if not path.exists():
        _create(path)
    return _read(path)


def job_token(secret: bytes, job_id: str) -> str:
    """The per-job secret: hex HMAC-SHA256 of the job id under the server secret."""
    return hmac.new(secret, TOKEN_CONTEXT + job_id.encode(), hashlib.sha256).hexdigest()


def job_callback_url(base: str, job_id: str, secret: bytes) -> str:
    """The address given to AusyncLab for one job: ``<base>/<job id>/<token>``."""
    return f"{base.rstrip('/')}/{job_id}/{job_token(secret, job_id)}"


def token_matches(secret: bytes, job_id: str, token: str) -> bool:
    """Whether ``token`` is the job's secret, compared in constant time."""
    expected = job_token(secret, job_id).encode()
    return hmac.compare_digest(expected, token.encode("utf-8", "replace"))


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".callback-secret-")
    try:
        os.write(handle, secrets.token_hex(SECRET_BYTES).encode() + b"\n")
        os.fsync(handle)
        os.close(handle)
        with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
            os.link(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _read(path: Path) -> bytes:
    text = path.read_text(encoding="ascii", errors="replace").strip()
    if len(text) < 2 * SECRET_BYTES:
        raise ConfigurationError(
            _(
                "The callback secret in {path} is too short. Delete the file and restart the app: "
                "a new one is made (callbacks of jobs already sent can then no longer be checked)."
            ).format(path=path)
        )
    return text.encode()
