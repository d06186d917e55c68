"""bench/streamlit_client.py: what the load test's client does with the server's messages, on a
stream played by the test (the client against a real app: tests/test_load.py)."""

from __future__ import annotations

import asyncio

import pytest
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.load import run_sync
from bench.streamlit_client import ProtocolError, StreamlitSession

FILE_URL = "/media/made.csv"


class PlayedStream:
    """A websocket whose server answers a deferred file's request after `before` (messages the
    server happened to send first), then sends `after`."""

    def __init__(self, before: list[ForwardMsg], after: list[ForwardMsg]) -> None:
        self.before, self.after = before, after
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()

    async def send(self, data: bytes) -> None:
        request = BackMsg()
        request.ParseFromString(data)
        answer = ForwardMsg()
        response = answer.backend_operation_response
        response.request_id = request.backend_operation_request.request_id
        response.deferred_file.url = FILE_URL
        for msg in [*self.before, answer, *self.after]:
            self.queue.put_nowait(msg.SerializeToString())

    async def recv(self) -> bytes:
        return await self.queue.get()

    async def close(self) -> None:
        pass


def _query_changed(query: str) -> ForwardMsg:
    msg = ForwardMsg()
    msg.page_info_changed.query_string = query
    return msg


def _finished() -> ForwardMsg:
    msg = ForwardMsg()
    msg.script_finished = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY
    return msg


def test_a_message_received_while_a_file_is_made_is_read_by_the_next_run() -> None:
    stream = PlayedStream([_query_changed("annee=2023")], [_finished()])
    session = StreamlitSession("http://127.0.0.1:1", _ws=stream, session_id="s")  # type: ignore[arg-type]

    async def click_then_read() -> None:
        assert await session._make_deferred("file-1") == FILE_URL
        assert session.query_string == ""  # not yet read: kept for the run
        await session._collect()

    run_sync(click_then_read())  # asyncio.run, also beside the e2e tests' running loop
    assert session.query_string == "annee=2023"


class RecordingStream:
    """A websocket that keeps what the client sends and answers each rerun with `answer`."""

    def __init__(self, answer: list[ForwardMsg]) -> None:
        self.answer = answer
        self.sent: list[BackMsg] = []
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()

    async def send(self, data: bytes) -> None:
        message = BackMsg()
        message.ParseFromString(data)
        self.sent.append(message)
        for msg in self.answer:
            self.queue.put_nowait(msg.SerializeToString())

    async def recv(self) -> bytes:
        return await self.queue.get()

    async def close(self) -> None:
        pass


def _menu(pages: dict[str, str], shown: str) -> ForwardMsg:
    """st.navigation's message: the menu's pages (URL path → script hash), the one shown."""
    msg = ForwardMsg()
    msg.navigation.page_script_hash = shown
    for path, page_hash in pages.items():
        page = msg.navigation.app_pages.add()
        page.url_pathname, page.page_script_hash = path, page_hash
    return msg


def _page_link(path: str, page_hash: str, query: str) -> ForwardMsg:
    msg = ForwardMsg()
    msg.metadata.delta_path.extend([0, 3])
    link = msg.delta.new_element.page_link
    link.page, link.page_script_hash, link.query_string = path, page_hash, query
    link.label = "Exposition"
    return msg


def _slider(widget_id: str) -> ForwardMsg:
    msg = ForwardMsg()
    msg.metadata.delta_path.extend([0, 4])
    slider = msg.delta.new_element.slider
    slider.id, slider.min, slider.max = widget_id, 3, 25
    slider.default.append(10)
    return msg


MENU = {"": "hash-carte", "fiche": "hash-fiche", "exposition": "hash-expo"}
LINK_QUERY = "niveau=departement&code=53&annee=2024&partenaire=US"


def _fiche_tab() -> tuple[StreamlitSession, RecordingStream]:
    """A tab showing a fiche (its menu, a link to the Exposition, a slider)."""
    fiche = [
        _menu(MENU, "hash-fiche"),
        _page_link("exposition", "hash-expo", LINK_QUERY),
        _slider("$$ID-fiche-top"),
        _finished(),
    ]
    stream = RecordingStream(fiche)
    session = StreamlitSession("http://127.0.0.1:1", _ws=stream, page_name="fiche")  # type: ignore[arg-type]
    session.query_string = "niveau=departement&code=53"
    run_sync(session.rerun())
    return session, stream


def test_a_page_link_is_followed_in_the_same_tab_as_the_browser_does() -> None:
    session, stream = _fiche_tab()
    assert session.pages == MENU
    run_sync(session.rerun())  # a rerun of the fiche sends its slider
    assert [w.id for w in stream.sent[-1].rerun_script.widget_states.widgets] == ["$$ID-fiche-top"]
    stream.answer = [_finished()]
    run_sync(session.follow_link("exposition"))
    rerun = stream.sent[-1].rerun_script
    # what the browser's onPageChange sends: the link's page and query string, and no widget
    # of the page it leaves
    assert (rerun.page_script_hash, rerun.query_string) == ("hash-expo", LINK_QUERY)
    assert list(rerun.widget_states.widgets) == []
    assert session._ws is stream  # the same stream: no new session


def test_the_menu_opens_a_page_without_a_query_string() -> None:
    session, stream = _fiche_tab()
    stream.answer = [_finished()]
    run_sync(session.navigate("/"))
    rerun = stream.sent[-1].rerun_script
    assert (rerun.page_script_hash, rerun.query_string) == ("hash-carte", "")


def test_a_page_that_is_not_there_is_an_error() -> None:
    session, _ = _fiche_tab()
    with pytest.raises(ProtocolError, match="no link to 'pays'"):
        run_sync(session.follow_link("pays"))
    with pytest.raises(ProtocolError, match="no page 'nulle-part' in the menu"):
        run_sync(session.navigate("nulle-part"))
