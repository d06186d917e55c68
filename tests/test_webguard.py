"""Security headers and the French page for refused URLs: the ASGI middleware alone, then a real
`streamlit run serve.py` on a free 127.0.0.1 port, over plain HTTP."""

from __future__ import annotations

import select
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.load import run_sync
from lib.web import webguard
from tests.servers import streamlit_server

EXPECTED = {
    "x-frame-options": "SAMEORIGIN",
    "content-security-policy": "frame-ancestors 'self'",
    "x-content-type-options": "nosniff",
}
FRENCH_PAGE = "Adresse refusée"


# --- the middleware alone ---------------------------------------------------------------------


def _call(scope: dict) -> tuple[list[dict], bool]:
    """Run the middleware over a stub app; the messages sent, and whether the app was reached."""
    reached = []

    async def app(scope, receive, send) -> None:
        reached.append(scope["type"])
        if scope["type"] == "http":
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"text/plain"), (b"x-frame-options", b"ALLOW")],
                }
            )
            await send({"type": "http.response.body", "body": b"ok"})

    sent: list[dict] = []

    async def send(message) -> None:
        sent.append(message)

    async def receive() -> dict:
        return {"type": "http.request"}

    run_sync(webguard.SecurityHeaders(app)(scope, receive, send))
    return sent, bool(reached)


def _headers(message: dict) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, value in message["headers"]:
        headers.setdefault(name.decode().lower(), []).append(value.decode())
    return headers


def test_every_response_gets_the_headers_once() -> None:
    sent, reached = _call({"type": "http", "path": "/fiche", "raw_path": b"/fiche",
                           "query_string": b"code=53"})  # fmt: skip
    assert reached
    headers = _headers(sent[0])
    for name, value in EXPECTED.items():
        assert headers[name] == [value], name
    assert headers["content-type"] == ["text/plain"]
    assert sent[1]["body"] == b"ok"


def test_a_long_target_is_refused_with_the_french_page() -> None:
    query = b"code=" + b"x" * webguard.MAX_TARGET_BYTES
    sent, reached = _call({"type": "http", "path": "/fiche", "raw_path": b"/fiche",
                           "query_string": query})  # fmt: skip
    assert not reached
    assert sent[0]["status"] == 414
    headers = _headers(sent[0])
    assert headers["content-type"] == ["text/html; charset=utf-8"]
    assert headers["x-frame-options"] == ["SAMEORIGIN"]
    assert FRENCH_PAGE in sent[1]["body"].decode("utf-8")


def test_a_target_at_the_limit_is_served() -> None:
    path = b"/fiche"
    query = b"c=" + b"x" * (webguard.MAX_TARGET_BYTES - len(path) - 1 - 2)
    scope = {"type": "http", "path": "/fiche", "raw_path": path, "query_string": query}
    assert webguard.target_length(scope) == webguard.MAX_TARGET_BYTES
    _, reached = _call(scope)
    assert reached


def test_websockets_pass_through() -> None:
    sent, reached = _call({"type": "websocket", "path": "/_stcore/stream", "query_string": b""})
    assert reached and sent == []


# --- a real server ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(demo_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with streamlit_server(demo_data_dir, tmp_path_factory.mktemp("serve-log") / "serve.log") as url:
        yield url


@pytest.mark.parametrize(
    "path",
    ["/", "/fiche?niveau=departement&code=53", "/donnees", "/importer", "/_stcore/health",
     "/app/static/favicon.png"],
)  # fmt: skip
def test_real_server_sends_the_headers(server: str, path: str) -> None:
    with urllib.request.urlopen(server + path, timeout=10) as response:
        assert response.status == 200
        for name, value in EXPECTED.items():
            assert response.headers.get_all(name) == [value], (path, name)


def test_real_server_refuses_a_long_url_in_french(server: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{server}/fiche?code={'x' * 9000}", timeout=10)
    error = caught.value
    assert error.code == 414
    assert error.headers["content-type"] == "text/html; charset=utf-8"
    assert error.headers["x-frame-options"] == "SAMEORIGIN"
    assert FRENCH_PAGE in error.read().decode("utf-8")


def _sent_in_pieces(address: tuple[str, int], request: bytes) -> bytes:
    """`request` sent 1000 bytes at a time (separate reads on the server side), until the
    server's answer begins; then everything the server answers."""
    answer = b""
    with socket.create_connection(address, timeout=10) as sock:
        try:
            for start in range(0, len(request), 1000):
                if select.select([sock], [], [], 0)[0]:
                    break  # the server has answered: the rest would only be refused
                sock.sendall(request[start : start + 1000])
                time.sleep(0.001)
        except OSError:
            pass  # the server answers and closes before the request is complete
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            # The server closed with part of the request unread: the kernel then resets the
            # connection, and the reset can reach us before its answer is read (seen once).
            pass
    return answer


def test_real_server_refuses_a_head_uvicorn_cannot_read_in_french(server: str) -> None:
    """Past h11's 16 KiB, arriving in pieces as over a network: uvicorn's own 400, in French."""
    host, port = server.removeprefix("http://").split(":")
    request = f"GET /fiche?code={'x' * 20_000} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    answer = b""
    for _ in range(3):  # a reset that swallowed the answer says nothing of the server's
        answer = _sent_in_pieces((host, int(port)), request)
        if answer:
            break
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 400 Bad Request"
    head, _, body = rest.partition(b"\r\n\r\n")
    assert b"x-frame-options: sameorigin" in head.lower()
    assert FRENCH_PAGE.encode("utf-8") in body
