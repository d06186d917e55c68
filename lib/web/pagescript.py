"""The app's history script in the head of Streamlit's page, as a plain ASGI middleware.

Streamlit serves one HTML document (its index.html) for every page's address, and its frontend
writes the address into the browser's history as soon as the first run writes the query string
(st.query_params). .streamlit/history.js, which makes Back and Forward work (one entry per page
the visitor opens, see the script), must wrap `history.pushState` before that: sent by the page
through st.html (pages/parts/components.layout_css), it runs only once its element is drawn, after
the first run's address was pushed; the visitor's first page then had two entries. serve.py
puts `PageScript` in front of Streamlit: the document gets the script inline, first thing in
its <head>, before Streamlit's own code. (`streamlit run streamlit_app.py` has only the page's
copy: the same behaviour but for that first entry.)

Only a GET answered with Streamlit's document (HTML holding its `<div id="root">`) is changed;
gzip-encoded HTML is decoded first (Streamlit compresses a page's address, not the root's); any
other answer passes as it came. Plain ASGI: no Streamlit import.

The same element carries .streamlit/width.js, .streamlit/geo_assets.js, .streamlit/connect.js
and .streamlit/plotly_prefetch.js (SCRIPTS): each says why it is there.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from lib.core.config import ROOT, WORLD_GEOJSON_URL
from lib.web.urlstate import ROUTES

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# history.js, width.js (the window's width in a cookie, read by the pages at the connection
# that follows), geo_assets.js (the world map's empty base map, before plotly.js asks the
# server for it) and connect.js (where the server is, for a page's own address): all must run
# before Streamlit's code; plotly_prefetch.js (plotly.js made ready while a first screen drawn
# without it is read) waits for the page's first run.
SCRIPTS = tuple(
    ROOT / ".streamlit" / name
    for name in ("history.js", "width.js", "geo_assets.js", "connect.js", "plotly_prefetch.js")
)
# connect.js's list of the app's page addresses (`fiche`, …; not the home page's empty one).
PAGES_MARK = "COMEXT_PAGES"
# plotly_prefetch.js's chunk: the file of Streamlit's build that holds its Plotly element and
# plotly.js (PlotlyChart.<hash>.js, beside its main script), or null when there is not
# exactly one.
PLOTLY_MARK = "COMEXT_PLOTLY_CHUNK"
PLOTLY_CHUNK_GLOB = "PlotlyChart.*.js"
# plotly_prefetch.js's address of the world map's shapes (lib/charts/world.py).
WORLD_MARK = "COMEXT_WORLD_GEOJSON"
STREAMLIT_ROOT = b'<div id="root">'  # what tells Streamlit's document from another HTML answer
HEAD = b"<head>"
# Headers that describe the body as it was: dropped when the body changes (the validators
# too, so that a browser never keeps a document from before the script changed).
_BODY_HEADERS = {b"content-length", b"content-encoding", b"etag", b"last-modified"}
# Streamlit's document is a few kB; an HTML answer larger than this (a fiche's HTML document)
# is not its document and passes as it came, rather than being held whole in memory.
MAX_HELD_BYTES = 1_000_000


def streamlit_scripts() -> Path | None:
    """The folder of Streamlit's built scripts (static/static/js), found without importing
    Streamlit (this module does not)."""
    spec = importlib.util.find_spec("streamlit")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "static" / "static" / "js"


def plotly_chunk() -> str | None:
    """The name of Streamlit's Plotly chunk (PLOTLY_CHUNK_GLOB), if there is exactly one."""
    folder = streamlit_scripts()
    found = sorted(folder.glob(PLOTLY_CHUNK_GLOB)) if folder is not None else []
    return found[0].name if len(found) == 1 else None


def script_text(path: Path) -> str:
    """A script of SCRIPTS as sent: connect.js with the app's page addresses written in,
    plotly_prefetch.js with Streamlit's Plotly chunk and the world map's shapes' address."""
    text = path.read_text("utf-8")
    if PAGES_MARK in text:
        text = text.replace(PAGES_MARK, json.dumps([r.url_path for r in ROUTES if r.url_path]))
    if PLOTLY_MARK in text:
        text = text.replace(PLOTLY_MARK, json.dumps(plotly_chunk()))
    if WORLD_MARK in text:
        text = text.replace(WORLD_MARK, json.dumps(WORLD_GEOJSON_URL))
    return text


def page_scripts() -> str:
    """SCRIPTS, one after the other, as sent."""
    return "\n".join(script_text(path) for path in SCRIPTS)


def script_tag(script: str) -> bytes:
    """The script as one inline element (`</` escaped, so that nothing in it ends the tag)."""
    return b"<script>" + script.replace("</", "<\\/").encode("utf-8") + b"</script>"


def with_script(html: bytes, tag: bytes) -> bytes | None:
    """Streamlit's document with `tag` first in its head; None for any other HTML."""
    if STREAMLIT_ROOT not in html or HEAD not in html:
        return None
    return html.replace(HEAD, HEAD + tag, 1)


# What a middleware that holds an answer needs (PageScript here, CompressedAssets in
# lib/web/compressed_assets.py): `held` is an answer's start, then its body messages so far.


def header(message: Message | Scope, name: bytes) -> bytes:
    """A header of an ASGI message or request scope (`name` in lower case); b"" when absent."""
    for key, value in message.get("headers") or []:
        if bytes(key).lower() == name:
            return bytes(value)
    return b""


def held_bytes(held: list[Message]) -> int:
    return sum(len(message.get("body", b"")) for message in held[1:])


def held_body(held: list[Message]) -> bytes:
    return b"".join(message.get("body", b"") for message in held[1:])


async def flush(send: Send, held: list[Message]) -> None:
    """The held messages sent as they came; nothing held after."""
    for message in held:
        await send(message)
    held.clear()


async def send_whole(send: Send, start: Message, body: bytes) -> None:
    """An answer's start, then its whole body in one message."""
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": False})


class PageScript:
    """ASGI middleware: SCRIPTS (or `script`) inline at the top of Streamlit's document."""

    def __init__(self, app: ASGIApp, script: str | None = None) -> None:
        self.app = app
        if script is None:
            script = page_scripts()
        self.tag = script_tag(script)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        held: list[Message] = []  # an HTML answer's start and body, until its end

        async def hold(message: Message) -> None:
            if message["type"] == "http.response.start":
                if header(message, b"content-type").startswith(b"text/html"):
                    held.append(message)
                    return
            elif held and message["type"] == "http.response.body":
                held.append(message)
                if held_bytes(held) > MAX_HELD_BYTES:
                    await flush(send, held)
                elif not message.get("more_body", False):
                    await self._send_page(send, held)
                    held.clear()
                return
            elif held:  # anything else (a server extension): the answer as it came
                await flush(send, held)
            await send(message)

        await self.app(scope, receive, hold)

    async def _send_page(self, send: Send, held: list[Message]) -> None:
        start, body = held[0], held_body(held)
        encoding = header(start, b"content-encoding").lower()
        page = None
        if encoding in (b"", b"identity"):
            page = with_script(body, self.tag)
        elif encoding == b"gzip":
            page = with_script(gzip.decompress(body), self.tag)
        if page is None:
            await flush(send, held)
            return
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in _BODY_HEADERS]
        headers.append((b"content-length", str(len(page)).encode("ascii")))
        await send_whole(send, {**start, "headers": headers}, page)
