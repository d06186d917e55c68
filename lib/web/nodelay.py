"""TCP_NODELAY on every connection the server accepts, so that a run's messages leave at once.

Streamlit 1.67 binds its listening socket itself (`socket.socket(family=…)`,
streamlit/web/server/starlette/starlette_server.py, `_bind_socket`), with protocol number 0, and
hands it to uvicorn. asyncio turns Nagle's algorithm off on a TCP transport only when its socket
says IPPROTO_TCP (`asyncio.base_events._set_nodelay`), and a socket accepted from that one says 0:
every connection kept Nagle's algorithm. A run writes its messages one by one, small: the first
leaves, the next ones wait in the kernel until the first is acknowledged, and the receiving
kernel delays that acknowledgement (up to 40 ms on Linux) since its side has nothing to send.
Measured on this machine (docs/PERFORMANCE.md, « Forty milliseconds on answers that come in
pieces »): an API call on a kept-alive connection answered in 44 ms p50 with it, 2 ms without;
a step of the floor's slider, for a protocol-level client (bench/streamlit_client.py), 47.9 ms,
14.5 ms; a top-N step of the fiche 47.8 ms, 15.2 ms, through nginx as without it. Chromium's
own steps were not measurably faster (on 127.0.0.1, and through a relay adding 100 ms of round
trip): its side acknowledged without that delay, for a reason not established here.

`install` sets TCP_NODELAY on each connection uvicorn's HTTP protocol accepts (a websocket starts
as an HTTP request on it), before uvicorn reads from it. serve.py calls it, and so does the
floor's bench/floor/serve.py: the floor is served the way the app is. Plain `streamlit run
streamlit_app.py` does not get it. nginx in front (deploy/) sets it on its own side of a
websocket. No Streamlit import.
"""

from __future__ import annotations

import contextlib
import socket
from functools import wraps
from typing import Any

# uvicorn's HTTP protocols: h11's (the one used here, httptools not being installed) and
# httptools' when it is. A websocket's connection is accepted by one of them, then upgraded.
PROTOCOLS = (
    ("uvicorn.protocols.http.h11_impl", "H11Protocol"),
    ("uvicorn.protocols.http.httptools_impl", "HttpToolsProtocol"),
)
INET = (socket.AF_INET, socket.AF_INET6)


def set_nodelay(sock: Any) -> None:
    """Turn Nagle's algorithm off on `sock` (a transport's socket), if it is TCP: a Unix
    socket has none, and a transport may have no socket at all (None). A connection the client
    already dropped refuses the option: uvicorn is left to find that out as it would have."""
    if sock is not None and sock.family in INET and sock.type == socket.SOCK_STREAM:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def install() -> None:
    """Make uvicorn's HTTP protocols set TCP_NODELAY on each connection they accept. Idempotent;
    a protocol whose module cannot be imported (httptools absent) is left alone."""
    import importlib

    for module_name, class_name in PROTOCOLS:
        try:
            protocol = getattr(importlib.import_module(module_name), class_name)
        except ImportError:
            continue
        _patch(protocol)


def _patch(protocol: type) -> None:
    original = protocol.connection_made  # type: ignore[attr-defined]
    if getattr(original, "nodelay", False):
        return

    @wraps(original)  # keeps the original as __wrapped__
    def connection_made(self: Any, transport: Any) -> None:
        set_nodelay(transport.get_extra_info("socket"))
        original(self, transport)

    connection_made.nodelay = True  # type: ignore[attr-defined]
    protocol.connection_made = connection_made  # type: ignore[attr-defined]
