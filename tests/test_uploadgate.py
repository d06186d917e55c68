"""Uploads are an administrator's act at the protocol too (lib/web/uploadgate.py, issue 19).

The gate's rules on their own; the middleware called directly (it answers before reading a
byte of the body); then `streamlit run serve.py` driven at the protocol level, as an anonymous
client would drive it (bench/streamlit_client.py over the websocket, urllib for the PUT): the
file-URL request and the PUT of a session that is not an administrator's are refused, an
administrator's are served, and refused again after the administrator logs out.
"""

from __future__ import annotations

import asyncio
import socket
import urllib.error
import urllib.request
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from bench.load import run_sync
from bench.streamlit_client import StreamlitSession
from lib.web import admin, uploadgate
from tests.servers import streamlit_server

PASSWORD = "mot-de-passe-des-tests-du-portail"


def test_the_gate_allows_an_opened_session_until_it_expires_or_closes() -> None:
    gate = uploadgate.Gate(lifetime_s=60)
    assert not gate.allows("a", now=0)
    gate.open("a", now=0)
    assert gate.allows("a", now=59) and not gate.allows("b", now=59)
    assert not gate.allows("a", now=61)  # no activity for admin.SESSION_S: closed
    gate.open("a", now=100)
    gate.close("a")
    assert not gate.allows("a", now=101)
    assert uploadgate.GATE.lifetime_s == admin.SESSION_S


def test_the_gate_remembers_a_bounded_number_of_sessions() -> None:
    gate = uploadgate.Gate(lifetime_s=60)
    for number in range(uploadgate.MAX_SESSIONS + 10):
        gate.open(f"s{number}", now=0)
    assert gate.allows("s0", now=1) and not gate.allows(f"s{uploadgate.MAX_SESSIONS}", now=1)
    gate.open("late", now=70)  # the expired ones are forgotten first
    assert gate.allows("late", now=71)


@pytest.mark.parametrize(
    ("path", "session"),
    [
        ("/_stcore/upload_file/abc/def", "abc"),
        ("/base/_stcore/upload_file/abc/def", "abc"),
        ("/_stcore/upload_file/abc", "abc"),
        ("/_stcore/stream", None),
        ("/telecharger/_stcore_upload_file/abc", None),
        ("/fiche", None),
    ],
)
def test_upload_paths_name_their_session(path: str, session: str | None) -> None:
    assert uploadgate.upload_session(path) == session


def _call(guard: uploadgate.UploadGuard, method: str, path: str) -> tuple[list[dict], int]:
    sent: list[dict] = []
    reads = 0
    reached: list[bool] = []

    async def receive() -> dict:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b"x" * 1024, "more_body": True}

    async def send(message: dict) -> None:
        sent.append(message)

    async def app(scope, receive, send) -> None:
        reached.append(True)

    guard.app = app
    run_sync(guard({"type": "http", "method": method, "path": path}, receive, send))
    return (sent if not reached else [{"reached": True}]), reads


def test_the_middleware_refuses_before_reading_the_body() -> None:
    gate = uploadgate.Gate()
    guard = uploadgate.UploadGuard(lambda *a: None, gate)  # type: ignore[arg-type]
    sent, reads = _call(guard, "PUT", "/_stcore/upload_file/anonyme/f1")
    assert reads == 0
    assert sent[0]["status"] == 403
    assert sent[1]["body"].decode("utf-8") == uploadgate.REFUSED
    gate.open("admin-session")
    assert _call(guard, "PUT", "/_stcore/upload_file/admin-session/f1")[0] == [{"reached": True}]
    # Not an upload: passes whatever the session (a DELETE frees memory, a GET reads nothing).
    assert _call(guard, "DELETE", "/_stcore/upload_file/anonyme/f1")[0] == [{"reached": True}]
    assert _call(guard, "PUT", "/api/v1/kpis")[0] == [{"reached": True}]


# -- the served app, at the protocol level


class UploadingSession(StreamlitSession):
    """The load test's protocol client, plus what the browser's uploader and buttons send."""

    async def file_urls(self, names: list[str]) -> ForwardMsg:
        """Ask for upload URLs as st.file_uploader does: the server's file_urls_response."""
        assert self._ws is not None
        message = BackMsg()
        message.file_urls_request.request_id = uuid.uuid4().hex
        message.file_urls_request.file_names.extend(names)
        await self._ws.send(message.SerializeToString())
        async with asyncio.timeout(30):
            while True:
                msg = ForwardMsg()
                msg.ParseFromString(await self._ws.recv())
                if msg.WhichOneof("type") == "file_urls_response":
                    return msg

    async def click(self, key: str) -> None:
        """Click the button created with `key` (a trigger, as the browser sends it)."""
        assert self.last_run is not None
        button = next(
            e
            for e in self.last_run.elements.values()
            if e.kind == "button" and e.widget_id.endswith(f"-{key}")
        )
        self._widgets[button.widget_id] = WidgetState(id=button.widget_id, trigger_value=True)
        await self.rerun()


def xsrf_cookies(base: str) -> dict[str, str]:
    """The XSRF cookie the browser receives with Streamlit's health check."""
    with urllib.request.urlopen(base + "/_stcore/health", timeout=30) as response:
        jar = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def put(base: str, upload_url: str, cookies: dict[str, str], body: bytes) -> tuple[int, str]:
    """PUT one file as the uploader does (multipart, the XSRF cookie echoed in a header)."""
    cookies = cookies | xsrf_cookies(base)
    boundary = "----limite"
    form = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + body
        + f"\r\n--{boundary}--\r\n".encode()
    )
    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        "X-Xsrftoken": cookies.get("_streamlit_xsrf", ""),
    }
    request = urllib.request.Request(base + upload_url, data=form, method="PUT", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def served(demo_data_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    log = tmp_path_factory.mktemp("uploadgate") / "serve.log"
    with streamlit_server(demo_data_dir, log, {"COMEXT_ADMIN_PASSWORD": PASSWORD}) as url:
        yield url


def test_an_anonymous_session_gets_no_upload_url_and_no_upload(served: str) -> None:
    async def scenario() -> None:
        async with UploadingSession(served) as anonymous:
            await anonymous.open("/importer")
            answer = (await anonymous.file_urls(["a.csv"])).file_urls_response
            assert list(answer.file_urls) == [] and answer.error_msg == uploadgate.REFUSED
            forged = f"/_stcore/upload_file/{uuid.uuid4()}/{uuid.uuid4()}"
            assert put(served, forged, anonymous.cookies, b"E;2024") == (403, uploadgate.REFUSED)

    run_sync(scenario())


def test_an_administrator_uploads_until_logging_out(served: str) -> None:
    async def scenario() -> None:
        async with UploadingSession(served) as session:
            await session.open("/importer", f"jeton={PASSWORD}")
            assert any("Session d'administration" in e.proto.body for e in _captions(session))
            answer = (await session.file_urls(["a.csv"])).file_urls_response
            assert answer.error_msg == "" and len(answer.file_urls) == 1
            url = answer.file_urls[0].upload_url
            status, _ = put(served, urlsplit(url).path, session.cookies, b"E;2024;1;53")
            assert status in (200, 204)
            await session.click("admin-logout")
            again = (await session.file_urls(["b.csv"])).file_urls_response
            assert list(again.file_urls) == [] and again.error_msg == uploadgate.REFUSED
            refused = put(served, urlsplit(url).path, session.cookies, b"E;2024;1;53")
            assert refused == (403, uploadgate.REFUSED)

    run_sync(scenario())


def _captions(session: StreamlitSession) -> list:
    assert session.last_run is not None
    return [e for e in session.last_run.elements.values() if e.kind == "markdown"]


def test_a_huge_announced_upload_is_refused_at_once(served: str) -> None:
    """Headers announcing 1 GB, no body sent: the 403 comes back without waiting for it."""
    host, port = urlsplit(served).hostname, urlsplit(served).port
    with socket.create_connection((host, port), timeout=10) as connection:
        connection.sendall(
            f"PUT /_stcore/upload_file/{uuid.uuid4()}/f HTTP/1.1\r\nHost: {host}\r\n"
            "Content-Type: multipart/form-data; boundary=x\r\n"
            f"Content-Length: {1 << 30}\r\n\r\n".encode()
        )
        head = connection.recv(4096).decode("utf-8", "replace")
    assert head.startswith("HTTP/1.1 403")
