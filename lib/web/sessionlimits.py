"""How many Streamlit sessions one app process holds, in all and per client address (issue 19).

Each browser tab is a websocket session (`/_stcore/stream`) that keeps its state, its widgets
and the tables it shows in the process's memory for as long as it is open; a script opening
thousands of them, or a link gone viral, could make the process swap for every visitor. The
`SessionLimits` middleware (serve.py) counts the open sessions of the process:

- beyond `COMEXT_MAX_SESSIONS` (default 300; 0: no limit) in all, or
  `COMEXT_SESSIONS_PER_ADDRESS` (default 100; 0: no limit) from one client address (generous:
  a whole préfecture may share one address behind its proxy), a new session is refused — the
  websocket is closed before it is accepted (HTTP 403 to its handshake) — and a page load is
  answered with the French page static/serveur-occupe.html (503, `Retry-After`), so that a
  visitor reads why instead of Streamlit's « connection error »;
- the sessions already open are never cut.

Within a session, `rerun_limiter()` bounds the reruns a client may ask for (a token bucket per
session: `COMEXT_RERUNS_PER_MINUTE`, default 600, in bursts of 30): a person's clicks never
reach it, a client asking for reruns in a loop gets its extra requests ignored
(pages/parts/components.install_session_bounds).

The address is the one uvicorn reports: behind the project's nginx, the visitor's (uvicorn
reads `X-Forwarded-For` from 127.0.0.1). The load test's clients all come from 127.0.0.1 and
turn the per-address limit off. Plain ASGI: no Streamlit import.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from lib.core.config import ROOT
from lib.web.ratelimit import RateLimiter, env_count

ENV_MAX_SESSIONS = "COMEXT_MAX_SESSIONS"
ENV_PER_ADDRESS = "COMEXT_SESSIONS_PER_ADDRESS"
ENV_RERUNS = "COMEXT_RERUNS_PER_MINUTE"
DEFAULT_RERUNS_PER_MINUTE = 600
RERUN_BURST = 30
DEFAULT_MAX_SESSIONS = 300
DEFAULT_PER_ADDRESS = 100
STREAM_SUFFIX = "/_stcore/stream"
BUSY_PAGE = ROOT / "static" / "serveur-occupe.html"
RETRY_AFTER_S = 30
# Paths that are no page load (Streamlit's own, static files, the routes of serve.py).
_NOT_PAGES = ("/_stcore/", "/static/", "/app/static/", "/component/", "/media/", "/api/")
_NOT_PAGES_ALSO = ("/telecharger/",)

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class SessionCounter:
    """Open sessions, in all and per address; a limit of 0 is no limit."""

    max_sessions: int
    per_address: int
    total: int = 0
    by_address: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def full(self, address: str) -> bool:
        """Whether a new session from `address` would be refused now."""
        with self._lock:
            return self._full(address)

    def _full(self, address: str) -> bool:
        over_all = self.max_sessions and self.total >= self.max_sessions
        over_address = self.per_address and self.by_address[address] >= self.per_address
        return bool(over_all or over_address)

    def enter(self, address: str) -> bool:
        """Count a new session from `address`; False (and nothing counted) when refused."""
        with self._lock:
            if self._full(address):
                return False
            self.total += 1
            self.by_address[address] += 1
            return True

    def leave(self, address: str) -> None:
        with self._lock:
            self.total -= 1
            self.by_address[address] -= 1
            if self.by_address[address] <= 0:
                del self.by_address[address]


def from_env() -> SessionCounter:
    return SessionCounter(
        env_count(ENV_MAX_SESSIONS, DEFAULT_MAX_SESSIONS),
        env_count(ENV_PER_ADDRESS, DEFAULT_PER_ADDRESS),
    )


def rerun_limiter() -> RateLimiter:
    """Reruns per session (its Streamlit id as the client): COMEXT_RERUNS_PER_MINUTE."""
    return RateLimiter(env_count(ENV_RERUNS, DEFAULT_RERUNS_PER_MINUTE), RERUN_BURST)


def address_of(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "?"


def is_page_load(scope: Scope) -> bool:
    """A GET of one of the app's pages (the HTML that opens a session), not of a file."""
    path = str(scope.get("path", "/"))
    if scope.get("method", "GET") != "GET" or path.startswith(_NOT_PAGES + _NOT_PAGES_ALSO):
        return False
    return "." not in path.rsplit("/", 1)[-1]  # /fiche, /, not /favicon.png


class SessionLimits:
    """ASGI middleware: the limits above, for the sessions of this process."""

    def __init__(self, app: ASGIApp, counter: SessionCounter | None = None) -> None:
        self.app = app
        self.counter = counter or from_env()
        self.busy_body = BUSY_PAGE.read_bytes()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        address = address_of(scope)
        if scope["type"] == "websocket" and str(scope.get("path", "")).endswith(STREAM_SUFFIX):
            if not self.counter.enter(address):
                await receive()  # websocket.connect
                await send({"type": "websocket.close", "code": 1013})  # before accept: 403
                return
            try:
                await self.app(scope, receive, send)
            finally:
                self.counter.leave(address)
            return
        if scope["type"] == "http" and is_page_load(scope) and self.counter.full(address):
            await self._busy(send)
            return
        await self.app(scope, receive, send)

    async def _busy(self, send: Send) -> None:
        body = self.busy_body
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(body)).encode("ascii")),
                    (b"retry-after", str(RETRY_AFTER_S).encode("ascii")),
                    (b"cache-control", b"no-store"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
