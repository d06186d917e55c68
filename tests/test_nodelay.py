"""lib/web/nodelay.py: Nagle's algorithm off on each connection the server accepts.

Served by uvicorn's h11 protocol on a listening socket bound by Streamlit's own function, as
`streamlit run serve.py` serves the app; each connection's TCP_NODELAY is read on the server's
side, right after uvicorn's protocol accepted it. No time is measured here (the 40 ms it saves
per answer are measured in docs/PERFORMANCE.md)."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable

import pytest
import uvicorn
from streamlit.web.server.starlette import starlette_server
from uvicorn.protocols.http import h11_impl

from lib.web import nodelay

PROTOCOL = h11_impl.H11Protocol


async def hello(scope, receive, send) -> None:
    """A whole HTTP answer, in two writes (head, then body), as uvicorn writes Streamlit's."""
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def nodelay_of_connections(monkeypatch: pytest.MonkeyPatch, requests: int = 2) -> list[int]:
    """Serve `requests` HTTP requests, each on a connection of its own; TCP_NODELAY of each
    connection's socket once uvicorn's protocol has accepted it."""
    seen: list[int] = []
    accepted: Callable = PROTOCOL.connection_made

    def spy(self, transport) -> None:
        accepted(self, transport)
        sock = transport.get_extra_info("socket")
        seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    monkeypatch.setattr(PROTOCOL, "connection_made", spy)
    listening = starlette_server._bind_socket("127.0.0.1", 0, 8)
    port = listening.getsockname()[1]
    config = uvicorn.Config(hello, http="h11", ws="none", lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listening]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        for _ in range(requests):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as answer:
                assert answer.read() == b"ok"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listening.close()
    return seen


@pytest.fixture
def plain_uvicorn(monkeypatch: pytest.MonkeyPatch) -> None:
    """uvicorn's protocol as it comes (serve.py, imported by another test, may have patched it
    in this process); the patch is undone after the test."""
    original = getattr(PROTOCOL.connection_made, "__wrapped__", PROTOCOL.connection_made)
    monkeypatch.setattr(PROTOCOL, "connection_made", original)


def test_without_it_streamlit_s_connections_keep_nagle(
    plain_uvicorn: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Why the module exists: asyncio leaves Nagle's algorithm on for a socket accepted from
    Streamlit's listening socket (protocol number 0). If this fails, Streamlit or asyncio sets
    TCP_NODELAY itself, and lib/web/nodelay.py can go."""
    assert nodelay_of_connections(monkeypatch) == [0, 0]


def test_installed_every_accepted_connection_has_nagle_off(
    plain_uvicorn: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    nodelay.install()
    nodelay.install()  # idempotent: one wrapper, not two
    assert getattr(PROTOCOL.connection_made, "nodelay", False)
    assert not getattr(PROTOCOL.connection_made.__wrapped__, "nodelay", False)
    assert nodelay_of_connections(monkeypatch) == [1, 1]


def test_a_unix_socket_no_socket_or_a_dropped_one_is_left_alone() -> None:
    nodelay.set_nodelay(None)
    left, right = socket.socketpair(socket.AF_UNIX)
    with left, right:
        nodelay.set_nodelay(left)  # no TCP option on a Unix socket: nothing to set, no error
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
        assert tcp.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        nodelay.set_nodelay(tcp)
        assert tcp.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    closed = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    closed.close()
    with pytest.raises(OSError):  # what a connection already gone answers
        closed.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    nodelay.set_nodelay(closed)  # …and uvicorn still gets the connection, to find it gone


@pytest.mark.parametrize("script", ["serve.py", "bench/floor/serve.py"])
def test_serve_py_and_the_floor_install_it(script: str) -> None:
    """The app and the floor are served the same way: loading either script (as `streamlit
    run` does, in a process of its own here) leaves uvicorn's protocol patched."""
    from lib.core import config

    code = (
        "import runpy, sys; sys.path.insert(0, '.'); "
        f"runpy.run_path({script!r}); "
        "from uvicorn.protocols.http import h11_impl; "
        "print(getattr(h11_impl.H11Protocol.connection_made, 'nodelay', False))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=config.ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "True"
