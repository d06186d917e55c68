"""A Streamlit client at the protocol level: what a browser tab sends and receives, no browser.

    async with StreamlitSession("http://127.0.0.1:8501") as session:
        run = await session.open("/fiche", "niveau=departement&code=53&annee=2024")
        run.title()                                   # the h1 text
        run = await session.set_widget("fiche-top", 15)  # moves the slider, reruns the page
        csv = await session.download(run.downloads()["csv-partners"])  # made, then fetched

Like the browser, `open` first GETs the page's HTML (so that a reverse proxy's sticky cookie is
set), then opens the websocket `/_stcore/stream` (subprotocol `streamlit`) with the cookies and
sends a `BackMsg.rerun_script` holding the page name and the URL's query string. The server
answers with `ForwardMsg`s: `new_session` at the start of each script run, `navigation` (the
hash of the page shown, sent back with every rerun), `delta`s (elements
and blocks at a `delta_path`), `page_info_changed` when the script rewrites the URL's query
string, and `script_finished`. A run that ends with FINISHED_EARLY_FOR_RERUN (`st.rerun`) is
followed by another run, as in the browser; a `Run` is what the page shows once a run has
finished normally: the elements received during that last run.

A widget change is a new `rerun_script` carrying the URL as the server last wrote it and the
state of every widget on the page (the browser sends them all), with the one changed; widget
ids are read from the received deltas (`$$ID-<hash>-<key>` for a widget with a key). Messages
that the server marks cacheable are kept by hash and their hashes sent with every rerun, as the
browser does; the server then sends a `ref_hash` instead of the message.

A download button given a function (a file made at the click) carries a `deferred_file_id`
instead of a URL: as the browser does at the click, `download` sends a `backend_operation_
request` naming it and the session (`new_session.initialize.session_id`), and fetches the URL
of the `backend_operation_response`.

Only the Python standard library, `websockets` (a dependency of Streamlit) and Streamlit's own
protobuf classes are used; HTTP GETs go through a minimal asyncio client (HTTP/1.1, one
request per connection, chunked and gzip bodies), so thousands of requests cost no threads.
"""

from __future__ import annotations

import asyncio
import gzip
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect

STREAM_PATH = "/_stcore/stream"
DONE = {
    ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY,
    ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
}
EARLY_FOR_RERUN = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN
ALERT_ERROR = 1  # Alert.Format.ERROR
# How Run.downloads names a file made at the click (a function given to the download button).
DEFERRED = "deferred:"
WIDGET_KINDS = ("slider", "radio", "selectbox", "checkbox", "number_input", "text_input")


class ProtocolError(RuntimeError):
    """The server sent something a browser could not have handled, or closed the stream."""


# --- HTTP ---------------------------------------------------------------------------------------


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str]  # lower-case names; repeated headers joined by ", "
    set_cookies: dict[str, str]
    body: bytes

    @property
    def filename(self) -> str | None:
        """The file name of a `Content-Disposition: attachment; filename="…"` header."""
        disposition = self.headers.get("content-disposition", "")
        for part in disposition.split(";"):
            name, _, value = part.strip().partition("=")
            if name == "filename":
                return value.strip('"')
            if name == "filename*":
                from urllib.parse import unquote

                return unquote(value.split("''", 1)[-1])
        return None


async def http_get(
    url: str,
    cookies: Mapping[str, str] | None = None,
    timeout_s: float = 60.0,
    extra_headers: Mapping[str, str] | None = None,
) -> HttpResponse:
    """GET `url` (http:// only) as a browser would (gzip accepted, cookies sent), with any
    `extra_headers` (an API client's If-None-Match, X-Forwarded-For)."""
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"only http:// URLs are supported: {url}")
    port = parts.port or 80
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    lines = [
        f"GET {target} HTTP/1.1",
        f"Host: {parts.netloc}",
        "Accept-Encoding: gzip",
        "Connection: close",
        "User-Agent: comext-load/1",
    ]
    if cookies:
        lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
    lines += [f"{name}: {value}" for name, value in (extra_headers or {}).items()]
    async with asyncio.timeout(timeout_s):
        reader, writer = await asyncio.open_connection(parts.hostname, port)
        try:
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            status_line, *header_lines = head.decode("latin-1").split("\r\n")
            status = int(status_line.split()[1])
            headers: dict[str, str] = {}
            set_cookies: dict[str, str] = {}
            for line in header_lines:
                if not line:
                    continue
                name, _, value = line.partition(":")
                name, value = name.strip().lower(), value.strip()
                if name == "set-cookie":
                    parsed: SimpleCookie = SimpleCookie()
                    parsed.load(value)
                    set_cookies |= {key: morsel.value for key, morsel in parsed.items()}
                headers[name] = f"{headers[name]}, {value}" if name in headers else value
            if headers.get("transfer-encoding", "").lower() == "chunked":
                body = await _read_chunked(reader)
            elif "content-length" in headers:
                body = await reader.readexactly(int(headers["content-length"]))
            else:
                body = await reader.read()
        finally:
            writer.close()
    if headers.get("content-encoding", "").lower() == "gzip":
        body = gzip.decompress(body)
    return HttpResponse(status, headers, set_cookies, body)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
        if size == 0:
            await reader.readuntil(b"\r\n")  # the (empty) trailer
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)


# --- What a script run drew ---------------------------------------------------------------------


@dataclass
class Element:
    path: tuple[int, ...]
    kind: str  # the Element oneof: heading, markdown, slider, download_button, ...
    proto: Any  # the Element's sub-message (Heading, Slider, ...)
    fragment_id: str = ""  # the fragment that drew it (empty outside a fragment)

    @property
    def widget_id(self) -> str:
        return getattr(self.proto, "id", "")


@dataclass
class Expander:
    """An `st.expander` created with a key or an `on_change` (a widget: its open state is sent
    back with every rerun), and the fragment it was drawn by (empty outside a fragment)."""

    path: tuple[int, ...]
    label: str
    widget_id: str
    expanded: bool
    fragment_id: str


@dataclass
class Run:
    """The page as a browser shows it after one complete script run (after a fragment's run:
    the page before it, with what the fragment drew in place of what it had drawn)."""

    status: int
    elements: dict[tuple[int, ...], Element]
    query_string: str  # the URL's query string after the run (as the server last wrote it)
    page_script_hash: str
    messages: int = 0
    bytes_received: int = 0
    seconds: float = 0.0
    expanders: dict[tuple[int, ...], Expander] = field(default_factory=dict)

    def of_kind(self, kind: str) -> list[Element]:
        return [e for _, e in sorted(self.elements.items()) if e.kind == kind]

    def widget(self, key: str) -> Element | None:
        """The widget created with `key=key` (its id ends with `-<key>`)."""
        for element in self.elements.values():
            if element.kind in WIDGET_KINDS and element.widget_id.endswith(f"-{key}"):
                return element
        return None

    def expander(self, key: str) -> Expander | None:
        """The expander created with `key=key` (its id ends with `-<key>`)."""
        for block in self.expanders.values():
            if block.widget_id.endswith(f"-{key}"):
                return block
        return None

    def inside(self, path: tuple[int, ...]) -> list[Element]:
        """The elements drawn inside the block at `path` (an expander's content), in order."""
        return [e for p, e in sorted(self.elements.items()) if p[: len(path)] == path]

    def headings(self, tag: str | None = None) -> list[str]:
        return [e.proto.body for e in self.of_kind("heading") if tag is None or e.proto.tag == tag]

    def title(self) -> str | None:
        titles = self.headings("h1")
        return titles[0] if titles else None

    def metrics(self) -> dict[str, str]:
        return {e.proto.label: e.proto.body for e in self.of_kind("metric")}

    def downloads(self) -> dict[str, str]:
        """Download buttons: key → media URL (`/media/<id>.<ext>`), or `deferred:<file id>`
        for a file made at the click (StreamlitSession.download takes both)."""
        found = {}
        for element in self.of_kind("download_button"):
            key = element.widget_id.split("-", 2)[-1] if element.widget_id else ""
            deferred = element.proto.deferred_file_id
            found[key] = DEFERRED + deferred if deferred else element.proto.url
        return found

    def problems(self) -> list[str]:
        """What a user would see as a failure: exceptions, error alerts, an unfinished run."""
        found = [f"exception: {e.proto.message or e.proto.type}" for e in self.of_kind("exception")]
        found += [
            f"error alert: {e.proto.body[:200]}"
            for e in self.of_kind("alert")
            if e.proto.format == ALERT_ERROR
        ]
        if self.status not in DONE:
            found.append(f"script finished with status {self.status}")
        return found


# --- A session (one browser tab) ----------------------------------------------------------------


@dataclass
class StreamlitSession:
    base_url: str  # http://host:port (the app or a reverse proxy in front of it)
    timeout_s: float = 60.0
    cookies: dict[str, str] = field(default_factory=dict)
    page_name: str = ""
    query_string: str = ""
    page_script_hash: str = ""
    session_id: str = ""  # the server's id of this tab's session (new_session.initialize)
    # The app's pages as its menu lists them (the `navigation` message): URL path → script hash.
    pages: dict[str, str] = field(default_factory=dict)
    last_run: Run | None = None
    _ws: ClientConnection | None = None
    _cache: dict[str, ForwardMsg] = field(default_factory=dict)
    _widgets: dict[str, WidgetState] = field(default_factory=dict)  # widget id → its state
    # Messages received while waiting for a backend operation's answer, for the next run's
    # reading: none arrives between runs today, but a cacheable one dropped there would make a
    # later reference to it unreadable.
    _early: list[bytes | str] = field(default_factory=list)

    async def __aenter__(self) -> StreamlitSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def open(self, path: str, query_string: str = "") -> Run:
        """Load `path?query_string` as a new tab: GET the page, open the stream, run the page."""
        await self.close()
        self._cache, self._widgets, self.page_script_hash = {}, {}, ""
        self._early = []
        url = self.base_url.rstrip("/") + path + (f"?{query_string}" if query_string else "")
        page = await http_get(url, self.cookies, self.timeout_s)
        if page.status != 200:
            raise ProtocolError(f"GET {path} answered {page.status}")
        self.cookies |= page.set_cookies
        ws_url = "ws" + self.base_url.rstrip("/")[4:] + STREAM_PATH
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        self._ws = await connect(
            ws_url,
            subprotocols=["streamlit"],  # type: ignore[list-item]  # what the browser offers
            additional_headers=headers if self.cookies else None,
            max_size=None,
            open_timeout=self.timeout_s,
            ping_interval=None,  # the server pings; we answer (websockets does it for us)
            user_agent_header="comext-load/1",
        )
        self.page_name = path.strip("/")
        self.query_string = query_string
        return await self._rerun()

    async def rerun(self) -> Run:
        """Rerun the page with its current widgets (as the « Rerun » menu item)."""
        return await self._rerun()

    async def set_widget(self, key: str, value: Any) -> Run:
        """Change the widget created with `key` to `value` (a slider's number, a radio's or a
        select box's option label), as a user would; the page reruns."""
        if self.last_run is None:
            raise ProtocolError("no page loaded")
        element = self.last_run.widget(key)
        if element is None:
            raise ProtocolError(f"no widget with key {key!r} on the page")
        state = widget_state(element, value)
        assert state is not None
        self._widgets[element.widget_id] = state
        if not element.fragment_id:
            return await self._rerun()
        # A widget of a fragment: as the browser does, a rerun of that fragment alone, over
        # the page without what the fragment drew (it draws it again).
        fragment = element.fragment_id
        kept = Run(
            self.last_run.status,
            {p: e for p, e in self.last_run.elements.items() if e.fragment_id != fragment},
            self.last_run.query_string,
            self.last_run.page_script_hash,
            expanders={
                p: b for p, b in self.last_run.expanders.items() if b.fragment_id != fragment
            },
        )
        return await self._rerun(fragment, kept)

    async def set_expander(self, key: str, expanded: bool = True) -> Run:
        """Open (or close) the expander created with `key`, as a click on its title does: its
        new state sent with a rerun of the fragment that drew it (a `rerun_script` carrying
        the fragment's id), or of the page when it is in none. After a fragment's run, the
        page is the previous one with the fragment's part redrawn."""
        if self.last_run is None:
            raise ProtocolError("no page loaded")
        block = self.last_run.expander(key)
        if block is None:
            raise ProtocolError(f"no expander with key {key!r} on the page")
        self._widgets[block.widget_id] = WidgetState(id=block.widget_id, bool_value=expanded)
        if not block.fragment_id:
            return await self._rerun()
        kept = Run(
            self.last_run.status,
            {p: e for p, e in self.last_run.elements.items() if p[: len(block.path)] != block.path},
            self.last_run.query_string,
            self.last_run.page_script_hash,
            expanders=dict(self.last_run.expanders),
        )
        return await self._rerun(block.fragment_id, kept)

    async def navigate(self, url_path: str) -> Run:
        """Go to the app's page `url_path` in this tab, as a click on its menu entry does: a
        rerun naming the page's script, without a query string. The tab keeps its stream, its
        session and the messages it holds; the previous page's widgets are not sent (the
        browser sends only those of the main script, and ours draws none)."""
        page_hash = self.pages.get(url_path.strip("/"))
        if page_hash is None:
            raise ProtocolError(f"no page {url_path!r} in the menu: {sorted(self.pages)}")
        return await self._go(url_path.strip("/"), page_hash, "")

    async def follow_link(self, url_path: str) -> Run:
        """Click the page's link (`st.page_link`) to the app's page `url_path`: the rerun
        names that page's script and carries the link's query string, in this tab."""
        if self.last_run is None:
            raise ProtocolError("no page loaded")
        for link in self.last_run.of_kind("page_link"):
            if not link.proto.external and link.proto.page.strip("/") == url_path.strip("/"):
                return await self._go(url_path.strip("/"), link.proto.page_script_hash,
                                      link.proto.query_string)  # fmt: skip
        raise ProtocolError(f"no link to {url_path!r} on the page")

    def widget_value(self, key: str) -> Any:
        """What the page shows in the widget created with `key` (after the last run): a
        slider's number, a radio's or select box's option label; None when absent."""
        element = self.last_run.widget(key) if self.last_run else None
        state = self._widgets.get(element.widget_id) if element else None
        if state is None:
            return None
        kind = state.WhichOneof("value")
        if kind == "double_array_value":
            values = list(state.double_array_value.data)
            return values[0] if len(values) == 1 else values
        return getattr(state, kind) if kind else None

    async def download(self, url: str) -> HttpResponse:
        """Fetch a download button's file over HTTP, with this tab's cookies; a deferred file
        (`deferred:<file id>`, Run.downloads) made first, as a click does."""
        if url.startswith(DEFERRED):
            url = await self._make_deferred(url.removeprefix(DEFERRED))
        if url.startswith("/"):
            url = self.base_url.rstrip("/") + url
        return await http_get(url, self.cookies, self.timeout_s)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
            self._ws = None

    # -- internals

    async def _go(self, page_name: str, page_hash: str, query_string: str) -> Run:
        self.page_name = page_name
        self.page_script_hash = page_hash
        self.query_string = query_string
        self._widgets = {}
        return await self._rerun()

    async def _make_deferred(self, file_id: str) -> str:
        """What the browser does at a click on a deferred download button: a backend operation
        asking the server to run the button's function; the answer is the file's media URL."""
        if self._ws is None:
            raise ProtocolError("the session is closed")
        message = BackMsg()
        request = message.backend_operation_request
        request.request_id = f"download-{file_id}-{time.monotonic_ns()}"
        request.session_id = self.session_id
        request.deferred_file.file_id = file_id
        await self._ws.send(message.SerializeToString())
        async with asyncio.timeout(self.timeout_s):
            while True:
                data = await self._ws.recv()
                msg = ForwardMsg()
                if isinstance(data, bytes):
                    msg.ParseFromString(data)
                answer = msg.backend_operation_response
                if msg.WhichOneof("type") == "backend_operation_response" and (
                    answer.request_id == request.request_id
                ):
                    break
                self._early.append(data)
        if answer.error_msg:
            raise ProtocolError(f"deferred file {file_id}: {answer.error_msg}")
        return answer.deferred_file.url

    def _remember_widgets(self, run: Run) -> None:
        """What the browser's widget manager keeps after a run: the values the user chose,
        overridden by the server's `set_value`; new widgets at their default; widgets no longer
        drawn forgotten."""
        kept: dict[str, WidgetState] = {}
        for element in run.elements.values():
            if element.kind not in WIDGET_KINDS or not element.widget_id:
                continue
            known = self._widgets.get(element.widget_id)
            if known is None or getattr(element.proto, "set_value", False):
                known = widget_state(element)
            if known is not None:
                kept[element.widget_id] = known
        for block in run.expanders.values():  # an expander's state: open or closed
            known = self._widgets.get(block.widget_id)
            kept[block.widget_id] = known or WidgetState(
                id=block.widget_id, bool_value=block.expanded
            )
        self._widgets = kept

    async def _rerun(self, fragment_id: str = "", kept: Run | None = None) -> Run:
        """Send a rerun (of the fragment `fragment_id`, over the page `kept`, when given) and
        collect what the run draws."""
        if self._ws is None:
            raise ProtocolError("the session is closed")
        message = BackMsg()
        rerun = message.rerun_script
        rerun.query_string = self.query_string
        rerun.page_name = self.page_name
        rerun.page_script_hash = self.page_script_hash
        rerun.widget_states.widgets.extend(self._widgets.values())
        rerun.cached_message_hashes.extend(self._cache)
        if fragment_id:
            rerun.fragment_id = fragment_id
        started = time.perf_counter()
        await self._ws.send(message.SerializeToString())
        async with asyncio.timeout(self.timeout_s):
            run = await self._collect(kept)
        run.seconds = time.perf_counter() - started
        self.last_run = run
        self._remember_widgets(run)
        return run

    async def _collect(self, kept: Run | None = None) -> Run:
        """The messages of one run, until its end; with `kept` (a fragment's run), what the
        run draws over the page `kept`."""
        assert self._ws is not None
        elements: dict[tuple[int, ...], Element] = dict(kept.elements) if kept else {}
        expanders: dict[tuple[int, ...], Expander] = dict(kept.expanders) if kept else {}
        messages = received = 0
        while True:
            try:
                data = self._early.pop(0) if self._early else await self._ws.recv()
            except Exception as exc:  # closed by the server, network error
                raise ProtocolError(f"stream closed: {exc!r}") from exc
            if isinstance(data, str):
                raise ProtocolError("text frame on the stream")
            messages += 1
            received += len(data)
            msg = ForwardMsg()
            msg.ParseFromString(data)
            kind = msg.WhichOneof("type")
            if kind == "ref_hash":
                cached = self._cache.get(msg.ref_hash)
                if cached is None:
                    raise ProtocolError(f"reference to a message never received: {msg.ref_hash}")
                metadata = msg.metadata
                msg = ForwardMsg()
                msg.CopyFrom(cached)
                msg.metadata.CopyFrom(metadata)
                kind = msg.WhichOneof("type")
            elif msg.metadata.cacheable and msg.hash:
                self._cache[msg.hash] = msg
            if kind == "new_session":
                # A run of the whole script (asked for, or a fragment's st.rerun()): the page is
                # what this run draws. A fragment's run names its fragments.
                if not msg.metadata.run.fragment_ids:
                    elements, expanders = {}, {}
                self.page_script_hash = msg.new_session.page_script_hash
                if msg.new_session.initialize.session_id:  # what backend operations name
                    self.session_id = msg.new_session.initialize.session_id
            elif kind == "navigation":
                # st.navigation: the page actually shown (new_session names the main script)
                self.page_script_hash = msg.navigation.page_script_hash
                self.pages = {
                    page.url_pathname.strip("/"): page.page_script_hash
                    for page in msg.navigation.app_pages
                }
            elif kind == "page_info_changed":
                self.query_string = msg.page_info_changed.query_string
            elif kind == "delta":
                path = tuple(msg.metadata.delta_path)
                delta_kind = msg.delta.WhichOneof("type")
                if delta_kind == "new_element":
                    element_kind = msg.delta.new_element.WhichOneof("type")
                    if element_kind is not None:
                        sub = getattr(msg.delta.new_element, element_kind)
                        elements[path] = Element(path, element_kind, sub, msg.delta.fragment_id)
                elif delta_kind == "add_block":
                    elements.pop(path, None)
                    expanders.pop(path, None)
                    block = msg.delta.add_block
                    if block.WhichOneof("type") == "expandable" and block.expandable.id:
                        expanders[path] = Expander(
                            path,
                            block.expandable.label,
                            block.expandable.id,
                            block.expandable.expanded,
                            msg.delta.fragment_id,
                        )
            elif kind == "script_finished":
                status = msg.script_finished
                if status == EARLY_FOR_RERUN:
                    continue
                return Run(
                    status,
                    elements,
                    self.query_string,
                    self.page_script_hash,
                    messages,
                    received,
                    expanders=expanders,
                )


def widget_state(element: Element, value: Any = None) -> WidgetState | None:
    """The `WidgetState` of a widget set to `value`; without a value, the one the browser holds
    for a widget it has just received: the value the server set (`set_value`), else the
    widget's default."""
    proto = element.proto
    state = WidgetState(id=element.widget_id)
    forced = value is None and getattr(proto, "set_value", False)
    if element.kind == "slider":
        if value is None:
            value = list(proto.value) if forced else list(proto.default)
        values = value if isinstance(value, list | tuple) else [value]
        state.double_array_value.data.extend(float(v) for v in values)
    elif element.kind in ("radio", "selectbox"):
        if value is None:
            if forced and proto.HasField("raw_value"):
                value = proto.raw_value
            elif proto.HasField("default") and proto.options:
                value = proto.options[proto.default]
            else:
                return None
        elif str(value) not in proto.options:
            raise ProtocolError(f"{value!r} is not an option of {element.widget_id}")
        state.string_value = str(value)
    elif element.kind == "checkbox":
        state.bool_value = (
            bool(proto.value if forced else proto.default) if value is None else bool(value)
        )
    elif element.kind == "number_input":
        if value is None:
            value = proto.value if forced else proto.default
        state.double_value = float(value)
    elif element.kind == "text_input":
        if value is None:
            value = proto.value if forced else proto.default
        state.string_value = str(value)
    else:
        raise ProtocolError(f"cannot set a {element.kind}")
    return state
