"""HTTP security headers and the refusal of over-long URLs, as a plain ASGI middleware.

Streamlit 1.67 serves the app with Starlette on uvicorn; it has no option for response
headers, but `st.App(..., middleware=[...])` (serve.py, run by `streamlit run serve.py`) puts
this middleware in front of every request:

- every HTTP response gets SECURITY_HEADERS: no framing by another site (`X-Frame-Options:
  SAMEORIGIN` and CSP `frame-ancestors 'self'`; the map's component frame is same-origin) and
  no MIME sniffing (`X-Content-Type-Options: nosniff`);
- a request whose target (path and query string) is longer than MAX_TARGET_BYTES is refused
  with 414 and the French page static/adresse-refusee.html, before Streamlit sees it.

What no middleware sees: a request head that reaches uvicorn in pieces past h11's limit (16 KiB,
URL and headers together: a long URL over a real network) is refused by uvicorn itself, before
any application, with « 400 Invalid HTTP request received. » in English. `install_french_refusals`
(called by serve.py) replaces that response of uvicorn's h11 protocol by the same French page,
still 400. A reverse proxy in front should refuse long URLs itself, with the same page (nginx:
`large_client_header_buffers 4 8k;` and `error_page 400 414 /adresse-refusee.html;`).
Plain ASGI: no Streamlit import.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from lib.core.config import ROOT

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-frame-options", b"SAMEORIGIN"),
    (b"content-security-policy", b"frame-ancestors 'self'"),
    (b"x-content-type-options", b"nosniff"),
)
# The longest request target (path + "?" + query string) served: the app's own URLs stay under
# 5 KB (every product and country of the Données filter selected); nginx's default is 8 KiB.
MAX_TARGET_BYTES = 8 * 1024
REFUSED_PAGE = ROOT / "static" / "adresse-refusee.html"
_OURS = {name for name, _ in SECURITY_HEADERS}


def _refused_body() -> bytes:
    return REFUSED_PAGE.read_bytes()


class SecurityHeaders:
    """ASGI middleware: SECURITY_HEADERS on every HTTP response, 414 past MAX_TARGET_BYTES."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.refused_body = _refused_body()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if target_length(scope) > MAX_TARGET_BYTES:
            await self._refuse(send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message)
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _OURS]
                message["headers"] = [*kept, *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _refuse(self, send: Send) -> None:
        body = self.refused_body
        await send(
            {
                "type": "http.response.start",
                "status": 414,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(body)).encode("ascii")),
                    (b"connection", b"close"),
                    *SECURITY_HEADERS,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def target_length(scope: Scope) -> int:
    """Bytes of the request target as the client sent it: path, `?`, query string."""
    path = scope.get("raw_path") or str(scope.get("path", "")).encode("utf-8")
    query = scope.get("query_string") or b""
    return len(path) + (1 + len(query) if query else 0)


def install_french_refusals() -> None:
    """Make uvicorn's own refusal (400, a request it cannot parse, e.g. a head past h11's 16 KiB)
    the French page, with SECURITY_HEADERS. Idempotent.

    Replaces `H11Protocol.send_400_response` of uvicorn's h11 protocol, the one uvicorn uses when
    httptools is not installed (the case here: Streamlit does not depend on it). The replacement
    writes the same three h11 events as the original, with the page as body.
    """
    import h11
    from uvicorn.protocols.http import h11_impl

    protocol = h11_impl.H11Protocol
    if getattr(protocol.send_400_response, "french", False):
        return
    body = _refused_body()

    def send_400_response(self: Any, msg: str) -> None:
        headers = [
            (b"content-type", b"text/html; charset=utf-8"),
            (b"connection", b"close"),
            *SECURITY_HEADERS,
        ]
        response = h11.Response(status_code=400, headers=headers, reason=b"Bad Request")
        for event in (response, h11.Data(data=body), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event))
        self.transport.close()

    send_400_response.french = True  # type: ignore[attr-defined]
    protocol.send_400_response = send_400_response  # type: ignore[method-assign]
