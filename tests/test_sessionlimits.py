"""The bounds on what sessions may cost a process (lib/web/sessionlimits.py, issue 19): sessions in
all and per address, with a French page beyond; reruns per session; cache clearing.

The counter and the middleware on their own, the rerun filter with a recording stand-in for
Streamlit's handler, then `streamlit run serve.py` with a limit of two sessions, driven at the
protocol level (bench/streamlit_client.py).
"""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg

from bench.load import run_sync
from bench.streamlit_client import ProtocolError, StreamlitSession
from lib.web import sessionlimits, uploadgate
from lib.web.ratelimit import RateLimiter
from pages.parts.components import bounded_backmsgs
from tests.servers import streamlit_server


def test_the_counter_refuses_beyond_each_limit_and_frees_on_leave() -> None:
    counter = sessionlimits.SessionCounter(max_sessions=3, per_address=2)
    assert counter.enter("a") and counter.enter("a")
    assert not counter.enter("a") and counter.full("a")  # per address
    assert counter.enter("b") and not counter.enter("c")  # in all
    counter.leave("a")
    assert counter.enter("c") and (counter.total, counter.by_address["a"]) == (3, 1)
    unlimited = sessionlimits.SessionCounter(max_sessions=0, per_address=0)
    assert all(unlimited.enter("a") for _ in range(1000))


def test_the_limits_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(sessionlimits.ENV_MAX_SESSIONS, "7")
    monkeypatch.setenv(sessionlimits.ENV_PER_ADDRESS, "beaucoup")
    counter = sessionlimits.from_env()
    assert (counter.max_sessions, counter.per_address) == (7, sessionlimits.DEFAULT_PER_ADDRESS)


@pytest.mark.parametrize(
    ("method", "path", "page"),
    [
        ("GET", "/", True),
        ("GET", "/fiche", True),
        ("GET", "/static/favicon.png", False),
        ("GET", "/_stcore/health", False),
        ("GET", "/api/v1/kpis", False),
        ("GET", "/telecharger/donnees.csv", False),
        ("GET", "/favicon.png", False),
        ("POST", "/fiche", False),
    ],
)
def test_page_loads_are_told_apart(method: str, path: str, page: bool) -> None:
    assert sessionlimits.is_page_load({"method": method, "path": path}) is page


def _run(middleware: sessionlimits.SessionLimits, scope: dict) -> tuple[list[dict], bool]:
    sent: list[dict] = []
    reached: list[bool] = []

    async def receive() -> dict:
        return {"type": "websocket.connect"}

    async def send(message: dict) -> None:
        sent.append(message)

    async def app(scope, receive, send) -> None:
        reached.append(True)

    middleware.app = app
    run_sync(middleware(scope, receive, send))
    return sent, bool(reached)


def test_the_middleware_refuses_new_sessions_beyond_the_limit_in_french() -> None:
    counter = sessionlimits.SessionCounter(max_sessions=1, per_address=0)
    middleware = sessionlimits.SessionLimits(lambda *a: None, counter)  # type: ignore[arg-type]
    stream = {"type": "websocket", "path": "/_stcore/stream", "client": ("10.0.0.1", 1)}
    page = {"type": "http", "method": "GET", "path": "/fiche", "client": ("10.0.0.2", 1)}
    assert _run(middleware, stream) == ([], True)  # served, then counted out when it ends
    assert counter.total == 0
    counter.enter("10.0.0.9")  # a session still open elsewhere: the process is full
    sent, reached = _run(middleware, stream)
    assert not reached and sent == [{"type": "websocket.close", "code": 1013}]
    sent, reached = _run(middleware, page)
    assert not reached and sent[0]["status"] == 503
    assert (b"retry-after", b"30") in sent[0]["headers"]
    assert "Service très demandé" in sent[1]["body"].decode("utf-8")
    assert _run(middleware, page | {"path": "/api/v1/kpis"})[1]  # the API still answers


class _Session:
    def __init__(self, id: str) -> None:
        self.id = id


def _message(kind: str) -> BackMsg:
    message = BackMsg()
    if kind == "rerun_script":
        message.rerun_script.query_string = ""
    elif kind == "clear_cache":
        message.clear_cache = True
    else:
        message.app_heartbeat = True
    return message


def test_reruns_beyond_the_rate_and_anonymous_cache_clearings_are_ignored() -> None:
    handled: list[tuple[str, str]] = []
    clock = [0.0]
    reruns = RateLimiter(per_minute=60, burst=3, clock=lambda: clock[0])
    gate = uploadgate.Gate()
    handle = bounded_backmsgs(
        lambda session, msg: handled.append((session.id, msg.WhichOneof("type"))), reruns, gate
    )
    for _ in range(5):
        handle(_Session("a"), _message("rerun_script"))
    handle(_Session("b"), _message("rerun_script"))  # another session has its own bucket
    assert handled == [("a", "rerun_script")] * 3 + [("b", "rerun_script")]
    clock[0] = 1.0  # one token back a second later
    handle(_Session("a"), _message("rerun_script"))
    assert handled[-1] == ("a", "rerun_script") and len(handled) == 5
    handle(_Session("a"), _message("clear_cache"))
    assert len(handled) == 5
    gate.open("admin")
    handle(_Session("admin"), _message("clear_cache"))
    handle(_Session("a"), _message("app_heartbeat"))
    assert handled[-2:] == [("admin", "clear_cache"), ("a", "app_heartbeat")]


@pytest.fixture(scope="module")
def two_sessions_server(demo_data_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    log = tmp_path_factory.mktemp("sessionlimits") / "serve.log"
    with streamlit_server(demo_data_dir, log, {sessionlimits.ENV_MAX_SESSIONS: "2"}) as url:
        yield url


def _status(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def test_a_full_process_keeps_its_sessions_and_says_so_to_the_next(two_sessions_server) -> None:
    base = two_sessions_server

    async def scenario() -> None:
        first, second = StreamlitSession(base), StreamlitSession(base)
        await first.open("/fiche", "niveau=departement&code=53&annee=2024")
        await second.open("/fiche", "niveau=departement&code=61&annee=2024")
        status, page = _status(base + "/fiche")
        assert status == 503 and "Service très demandé" in page
        third = StreamlitSession(base)
        with pytest.raises(ProtocolError):
            await third.open("/fiche")
        run = await first.set_widget("fiche-top", 5)  # the open ones keep working
        assert run.metrics()["Exportations"]
        await second.close()
        for _ in range(100):  # the server counts the session out when its socket closes
            if _status(base + "/fiche")[0] == 200:
                break
            await asyncio.sleep(0.1)
        run = await third.open("/fiche", "niveau=departement&code=72&annee=2024")
        assert "Sarthe" in (run.title() or "")
        await first.close()
        await third.close()

    run_sync(scenario())
