"""Streamlit's frontend files sent gzip-compressed, each compressed once per process and kept.

Streamlit 1.67 serves its JavaScript and CSS uncompressed, on purpose
(streamlit/web/server/starlette/starlette_gzip_middleware.py): compressing them at every
request would cost the server's CPU at every first visit, and « production usually sits behind
a reverse proxy / CDN that compresses and caches ». This app's own deployment
(deploy/nginx.conf.template) has no such cache, and a shared link brings many first visits at
once: a first visit of the fiche downloaded 7.9 MB, nearly all Streamlit's files (plotly.js's
chunk alone 4.7 MB), 2.8 MB with them compressed. On a busy network that is seconds.

What is compressed: an answer to a GET, 200, whose `Cache-Control` says `immutable` (Streamlit's
content-hashed files under /static/: the same path is the same bytes for the process's life),
or a file of the app's own static/ (served by Streamlit at /app/static/ with no such header, but
the app's code: the same bytes for the process's life too; the world map's shapes, 270 kB, 90
kB compressed, are the largest), whose type is text (JavaScript, CSS, JSON, GeoJSON, SVG), to a
client that accepts gzip, without a `Range`. It is compressed the first time (in a worker
thread: zlib lets go of the GIL, the event loop and the sessions go on; requests for it
meanwhile wait for that compression), then kept by path and answered from memory: the CPU is
spent once per file and process, the memory bounded by MAX_KEPT_BYTES and one file (once it
is reached, the other files pass uncompressed, as Streamlit sends them). Anything else passes
as it came. Plain ASGI: no Streamlit import.
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import MutableMapping
from dataclasses import dataclass

from lib.core.config import STATIC_URL
from lib.web.pagescript import (
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
    flush,
    header,
    held_body,
    held_bytes,
    send_whole,
)

# Streamlit's frontend files are about 23 MB over 320 files, about 6 MB compressed; a visitor's
# pages ask for a fraction of them.
MAX_KEPT_BYTES = 32_000_000
# The largest file held to be compressed (plotly.js's chunk is 4.7 MB); a larger one passes.
MAX_ASSET_BYTES = 16_000_000
LEVEL = 6  # plotly.js's chunk: 4.7 → 1.42 MB in 0.13 s (level 9: 1.42 MB in 0.17 s)
COMPRESSIBLE = (
    b"text/javascript",
    b"application/javascript",
    b"text/css",
    b"application/json",
    b"application/geo+json",
    b"image/svg+xml",
)
# Headers that describe the body as it was: replaced on the compressed answer.
_BODY_HEADERS = {b"content-length", b"content-encoding", b"etag", b"vary"}


def accepts_gzip(scope: Scope) -> bool:
    """The request's Accept-Encoding lists gzip (or `*`) with a weight above 0."""
    for part in header(scope, b"accept-encoding").split(b","):
        coding, _, params = part.strip().partition(b";")
        if coding.strip().lower() not in (b"gzip", b"*"):
            continue
        weight = params.strip().lower()
        if weight.startswith(b"q="):
            try:
                return float(weight[2:]) > 0
            except ValueError:
                return False
        return True
    return False


# The app's own static files (static/, config.STATIC_URL).
APP_STATIC_PREFIX = STATIC_URL + "/"


def is_app_static(path: str) -> bool:
    return path.startswith(APP_STATIC_PREFIX)


def compressible(start: Message, path: str) -> bool:
    """A whole, uncompressed text answer that is the same for the process's life: immutable
    (Streamlit's hashed frontend files) or one of the app's static files."""
    kind = header(start, b"content-type").split(b";")[0].strip().lower()
    lasting = b"immutable" in header(start, b"cache-control").lower()
    return (
        start.get("status") == 200
        and (lasting or is_app_static(path))
        and kind in COMPRESSIBLE
        and header(start, b"content-encoding") in (b"", b"identity")
    )


@dataclass(frozen=True)
class Kept:
    """A compressed file: the answer's start (its headers rewritten) and its body."""

    start: Message
    body: bytes


def compressed(start: Message, body: bytes) -> Kept:
    """The answer `start` + `body` as gzip, with its headers for the compressed body."""
    packed = gzip.compress(body, compresslevel=LEVEL, mtime=0)
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in _BODY_HEADERS]
    etag = header(start, b"etag")
    if etag:  # the same file, another encoding: a weak validator (RFC 9110, 8.8.3)
        headers.append((b"etag", etag if etag.startswith(b"W/") else b"W/" + etag))
    headers += [
        (b"content-encoding", b"gzip"),
        (b"content-length", str(len(packed)).encode("ascii")),
        (b"vary", b"Accept-Encoding"),
    ]
    return Kept({**start, "headers": headers}, packed)


class CompressedAssets:
    """ASGI middleware: Streamlit's immutable text files and the app's static ones
    gzip-compressed once, then kept."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.kept: MutableMapping[str, Kept] = {}
        self.kept_bytes = 0
        self.compressing: MutableMapping[str, asyncio.Future[Kept]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._wanted(scope):
            await self.app(scope, receive, send)
            return
        key = scope.get("path", "")
        kept = self.kept.get(key)
        if kept is not None:
            await send_whole(send, kept.start, kept.body)
            return
        await self.app(scope, receive, self._holding(key, send))

    @staticmethod
    def _wanted(scope: Scope) -> bool:
        return (
            scope["type"] == "http"
            and scope.get("method") == "GET"
            and not scope.get("query_string")
            and not header(scope, b"range")
            and accepts_gzip(scope)
            # Streamlit answers the validators of its own files; for the app's static files
            # it ignores them (a whole answer every time), and so does this.
            and not (header(scope, b"if-none-match") and not is_app_static(scope.get("path", "")))
        )

    def _holding(self, key: str, send: Send) -> Send:
        """`send` for the app's answer: a compressible one is held whole, compressed, kept
        and sent; any other passes as it came."""
        held: list[Message] = []
        passing = False

        async def hold(message: Message) -> None:
            nonlocal passing
            kind = message["type"]
            if passing:
                await send(message)
            elif kind == "http.response.start":
                if compressible(message, key) and self.kept_bytes < MAX_KEPT_BYTES:
                    held.append(message)
                else:
                    passing = True
                    await send(message)
            elif kind == "http.response.body" and held:
                held.append(message)
                if held_bytes(held) > MAX_ASSET_BYTES:
                    passing = True
                    await flush(send, held)
                elif not message.get("more_body", False):
                    kept = await self._compressed_once(key, held[0], held_body(held))
                    held.clear()
                    await send_whole(send, kept.start, kept.body)
            else:  # a server extension's message: the answer as it came
                passing = True
                await flush(send, held)
                await send(message)

        return hold

    async def _compressed_once(self, key: str, start: Message, body: bytes) -> Kept:
        """The file compressed, once: the first visits after a start ask for the same files
        at the same moment, and a request arriving while another compresses its file waits
        for that compression instead of doing it again."""
        kept = self.kept.get(key)
        if kept is not None:
            return kept
        task = self.compressing.get(key)
        if task is None:
            task = asyncio.ensure_future(asyncio.to_thread(compressed, start, body))
            self.compressing[key] = task
            task.add_done_callback(lambda done: self._keep(key, done))
        # Shielded: a visitor who leaves does not cancel what the others wait for.
        return await asyncio.shield(task)

    def _keep(self, key: str, done: asyncio.Future[Kept]) -> None:
        """A compression ended: its file kept (below MAX_KEPT_BYTES when it started)."""
        del self.compressing[key]
        if not done.cancelled() and done.exception() is None:
            kept = done.result()
            self.kept[key] = kept
            self.kept_bytes += len(kept.body)
