"""The AusyncLab client the library page talks through: live with the key, or the sandbox.

Built per script run by the runtime (a ``requests.Session`` must not be shared
between threads, and building one costs nothing next to the calls it makes).
"""

from __future__ import annotations

from lipsync_core.i18n import N_
from lipsync_core.providers.ausynclab import AusyncLabClient
from ui.runtime import Runtime

PROVIDER = "ausynclab"
NO_KEY_HELP = N_(
    "AusyncLab is off: no API key is set, and the sandbox is turned off "
    "(`LIPSYNC_SANDBOX=off`).\n\n"
    "To use your AusyncLab account, add this line to `.streamlit/secrets.toml` (or set the "
    "environment variable of the same name) and restart the dashboard:\n\n"
    '```toml\nAUSYNCLAB_API_KEY = "your AusyncLab API key"\n```\n\n'
    "To try the page without an account, set `LIPSYNC_SANDBOX=auto` instead: AusyncLab is then "
    "emulated on this computer."
)


def ausynclab_client(runtime: Runtime) -> AusyncLabClient | None:
    """The client for the current connection, or ``None`` when AusyncLab is off."""
    client = runtime.client(PROVIDER)
    if client is not None and not isinstance(client, AusyncLabClient):
        raise TypeError("the runtime's AusyncLab client is of the wrong type")
    return client
