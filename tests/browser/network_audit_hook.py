"""Copied as ``sitecustomize.py`` onto a tested process's ``PYTHONPATH``: records, one JSON line
each in ``$LIPSYNC_TEST_NETWORK_LOG``, every socket connection, datagram and name look-up the
process's Python code makes (``[event, address family, host]``), after a first line saying
the hook is loaded in that process.
"""

import json
import os
import sys
import threading

_LOG = os.environ["LIPSYNC_TEST_NETWORK_LOG"]
_LOCK = threading.Lock()
LOADED = "hook.loaded"
_EVENTS = {
    "socket.connect",
    "socket.sendto",
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "socket.gethostbyname_ex",
    "socket.gethostbyaddr",
}


def _host(address: object) -> str | None:
    """The host an address names (a Unix socket's path as text)."""
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, bytes):
        host = host.decode("latin-1")
    return None if host is None else str(host)


def _hook(event: str, args: tuple) -> None:
    if event not in _EVENTS:
        return
    if event in ("socket.connect", "socket.sendto"):
        family, host = int(getattr(args[0], "family", 0)), _host(args[-1])
    else:
        family, host = 0, _host(args[0])
    _write([event, family, host])


def _write(record: list[object]) -> None:
    with _LOCK, open(_LOG, "a", encoding="utf-8") as log:
        log.write(json.dumps(record) + "\n")


_write([LOADED, os.getpid(), " ".join(sys.argv)])
sys.addaudithook(_hook)
