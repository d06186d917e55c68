"""The page's messages are compressed on the websocket (.streamlit/config.toml,
`server.enableWebsocketCompression`): a top-N step with « Flux à l'export » open sends its
Sankeys' markup again, and on a busy network its size is the visitor's wait.

Measured where a visitor's bytes go: a TCP relay between the protocol client (which, like
every browser, offers permessage-deflate) and the app, directly and behind the deployment's
nginx, counts what crosses the wire; the client counts what it decoded. A client that offers no
compression is answered without it, on a stream that still answers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from websockets.asyncio.client import connect

from bench import cluster
from bench.load import run_sync
from bench.streamlit_client import STREAM_PATH, StreamlitSession
from tests import html_charts

QUERY = "niveau=departement&code=53&annee=2024&top=10&flux=export&section=flux-export"


@pytest.fixture(scope="module")
def served(demo_data_dir: Path):
    """The app (one process) and nginx in front of it, as `make serve` deploys it."""
    with cluster.running(demo_data_dir, 1, proxy=True) as running:
        yield {"app": running.backend_urls()[0], "nginx": running.url}


class CountingRelay:
    """Forwards 127.0.0.1:`port` to `upstream`, counting the bytes sent back to the client."""

    def __init__(self, upstream: str) -> None:
        host, port = upstream.removeprefix("http://").rsplit(":", 1)
        self.upstream, self.received = (host, int(port)), 0

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def __aexit__(self, *exc: object) -> None:
        self.server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)

        async def pipe(source, sink, counted: bool) -> None:
            while data := await source.read(65536):
                self.received += len(data) if counted else 0
                sink.write(data)
                await sink.drain()
            sink.close()

        await asyncio.gather(
            pipe(reader, up_writer, False), pipe(up_reader, writer, True), return_exceptions=True
        )


async def _step_bytes(upstream: str) -> tuple[int, int, int]:
    """A step of top N (10 → 8) with « Flux à l'export » open: the bytes the client decoded,
    those on the wire, and the Sankeys the step drew."""
    relay = CountingRelay(upstream)
    async with relay as url, StreamlitSession(url) as session:
        await session.open("/fiche", QUERY)
        relay.received = 0
        run = await session.set_widget("fiche-top", 8)
        sankeys = html_charts.sankeys_in(e.proto.body for e in run.of_kind("html"))
        return run.bytes_received, relay.received, len(sankeys)


@pytest.mark.parametrize("front", ["app", "nginx"])
def test_a_step_s_messages_cross_the_wire_compressed(served: dict[str, str], front: str) -> None:
    decoded, wire, sankeys = run_sync(_step_bytes(served[front]))
    assert sankeys == 3  # the section's Sankeys, redrawn for top 8
    assert decoded > 50_000  # their markup, and the partners part's
    assert wire < decoded / 3


async def _handshake(url: str, compression: str | None) -> str | None:
    """The extension the server agreed to; the stream must then answer a ping (else this
    raises)."""
    async with connect(
        "ws" + url.removeprefix("http") + STREAM_PATH,
        subprotocols=["streamlit"],  # type: ignore[list-item]
        compression=compression,
    ) as ws:
        pong = await ws.ping()
        await asyncio.wait_for(pong, 10)
        return ws.response.headers.get("Sec-WebSocket-Extensions")


@pytest.mark.parametrize("front", ["app", "nginx"])
def test_compression_is_agreed_when_offered_and_only_then(
    served: dict[str, str], front: str
) -> None:
    agreed = run_sync(_handshake(served[front], "deflate"))
    assert agreed is not None and agreed.startswith("permessage-deflate")
    assert run_sync(_handshake(served[front], None)) is None
