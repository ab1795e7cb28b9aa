"""The embedded sandbox: a local emulator of AusyncLab, Kling (302.ai) and TwinSync over HTTP.

Never imported by the rest of ``lipsync_core``; the app starts it when a provider has no key::

    with SandboxServer(SandboxConfig(job_seconds=1.0)) as server:
        AusyncLabClient("sandbox", base_url=server.base_urls["ausynclab"])

With ``SandboxConfig(state_file=...)`` its jobs, sessions and tasks survive a restart.
"""

from lipsync_core.sandbox.config import SandboxConfig
from lipsync_core.sandbox.faults import FaultKind
from lipsync_core.sandbox.server import SandboxServer
from lipsync_core.sandbox.state import RequestRecord

__all__ = ["FaultKind", "RequestRecord", "SandboxConfig", "SandboxServer"]
