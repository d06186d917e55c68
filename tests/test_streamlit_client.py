"""bench/streamlit_client.py: what the load test's client does with the server's messages, on a
stream played by the test (the client against a real app: tests/test_load.py)."""

from __future__ import annotations

import asyncio

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.load import run_sync
from bench.streamlit_client import StreamlitSession

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
