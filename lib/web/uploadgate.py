"""Uploads are an administrator's act, at the protocol too (issue 19).

Streamlit lets any websocket session ask for upload URLs (`BackMsg.file_urls_request`, which
the browser's uploader sends) and PUT files of up to `server.maxUploadSize` to
`/_stcore/upload_file/<session>/<file>`, kept in memory as long as the session lives: a few
anonymous clients could make the server swap. The Importer is the app's only uploader, and
only an administrator sees it, so only an administrator's session may upload:

- `GATE` holds the Streamlit session ids of the administrators of this process, each until
  `admin.SESSION_S` after its last activity (pages/parts/access.py opens and refreshes them, closes
  them at logout or expiry);
- `UploadGuard`, an ASGI middleware (serve.py), answers 403 with a French text to a PUT or
  POST to the upload route of any other session, before a byte of the body is read;
- pages/parts/components.install_upload_gate makes Streamlit answer the file-URL request of any
  other session with no URL and the same French text.

Administrators keep Streamlit's limits (`server.maxUploadSize`, lib/core/config.upload_limits).
Plain Python and ASGI: no Streamlit import.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from lib.web import admin

REFUSED = (
    "Envoi de fichiers refusé : seul l'administrateur du site peut importer des données "
    "(page Importer, après connexion)."
)
# `/_stcore/upload_file/<session>/<file>`, under any base URL path.
_UPLOAD_PATH = re.compile(r"(?:^|/)_stcore/upload_file/([^/]+)(?:/|$)")
_WRITES = {"PUT", "POST", "PATCH"}
MAX_SESSIONS = 1000  # administrator sessions remembered at once (an attacker cannot add any)


class Gate:
    """Session ids allowed to upload, each until a deadline (monotonic seconds)."""

    def __init__(self, lifetime_s: float = admin.SESSION_S) -> None:
        self.lifetime_s = lifetime_s
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def open(self, session_id: str, now: float | None = None) -> None:
        """Allow `session_id` for `lifetime_s` from now (an administrator's activity)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._until = {s: t for s, t in self._until.items() if t > now}
            if len(self._until) < MAX_SESSIONS or session_id in self._until:
                self._until[session_id] = now + self.lifetime_s

    def close(self, session_id: str) -> None:
        with self._lock:
            self._until.pop(session_id, None)

    def allows(self, session_id: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            return self._until.get(session_id, 0.0) > now


GATE = Gate()


def upload_session(path: str) -> str | None:
    """The session id of an upload route's path, or None for any other path."""
    found = _UPLOAD_PATH.search(path)
    return found.group(1) if found else None


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class UploadGuard:
    """ASGI middleware: 403 (French) to an upload of a session that is not an
    administrator's, before the body is read; every other request passes."""

    def __init__(self, app: ASGIApp, gate: Gate | None = None) -> None:
        self.app = app
        self.gate = gate or GATE

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method", "GET").upper() in _WRITES:
            session = upload_session(str(scope.get("path", "")))
            if session is not None and not self.gate.allows(session):
                await _refuse(send)
                return
        await self.app(scope, receive, send)


async def _refuse(send: Send) -> None:
    body = REFUSED.encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode("ascii")),
                (b"connection", b"close"),  # the body the client still sends is not read
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
