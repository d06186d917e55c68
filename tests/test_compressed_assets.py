"""lib/web/compressed_assets.py: Streamlit's immutable text files and the app's static ones
sent gzip-compressed, each compressed once and kept; everything else as it came. With a fake
ASGI app (its answers and the number of times it was asked), then against `streamlit run
serve.py`, whose answers must decompress to the files byte for byte."""

from __future__ import annotations

import asyncio
import gzip
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import streamlit

from lib.core import config
from lib.web import compressed_assets
from lib.web.compressed_assets import CompressedAssets, compressed
from tests.servers import http_request, streamlit_server

STATIC = Path(streamlit.__file__).parent / "static" / "static"
SCRIPT = b"function f(){return 'plotly'}\n" * 4000  # 124 kB of text, compressible
IMMUTABLE = b"public, immutable, max-age=31536000"


class FakeApp:
    """Answers `body` in two chunks with the given headers; counts the requests."""

    def __init__(self, body=SCRIPT, kind=b"text/javascript", cache=IMMUTABLE, status=200, **more):
        self.body, self.asked = body, 0
        self.status = status
        self.headers = [
            (b"content-type", kind),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", cache),
            (b"etag", b'"abc"'),
            *((name.replace("_", "-").encode(), value) for name, value in more.items()),
        ]

    async def __call__(self, scope, receive, send) -> None:
        self.asked += 1
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        half = len(self.body) // 2
        await send({"type": "http.response.body", "body": self.body[:half], "more_body": True})
        await send({"type": "http.response.body", "body": self.body[half:], "more_body": False})


def served(middleware, path="/static/js/a.js", method="GET", query=b"", **headers):
    """What the middleware sends for one request: status, headers, whole body."""
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query,
        "headers": [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()],
    }
    # In a thread of its own: Playwright's sync API may have left a loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, middleware(scope, receive, send)).result()
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], dict(start["headers"]), body


def test_an_immutable_script_is_sent_compressed_then_from_memory() -> None:
    app = FakeApp()
    middleware = CompressedAssets(app)
    for _ in range(3):
        status, headers, body = served(middleware, accept_encoding="gzip, deflate, br")
        assert status == 200 and gzip.decompress(body) == SCRIPT
        assert len(body) < len(SCRIPT) / 10
        assert headers[b"content-encoding"] == b"gzip"
        assert headers[b"content-length"] == str(len(body)).encode()
        assert headers[b"vary"] == b"Accept-Encoding"
        assert headers[b"etag"] == b'W/"abc"'  # another encoding of the same file
        assert headers[b"cache-control"] == IMMUTABLE
    assert app.asked == 1  # compressed once, then answered from memory
    assert compressed_paths(middleware) == ["/static/js/a.js"]


def test_the_app_s_static_text_files_are_compressed_once_too() -> None:
    """Streamlit sends the app's static files (/app/static/…) with no Cache-Control and answers
    no validator: the world map's shapes are compressed once, then sent from memory, to a
    revalidating browser too."""
    app = FakeApp(kind=b"application/geo+json", cache=b"")
    middleware = CompressedAssets(app)
    path = f"{config.STATIC_URL}/{config.WORLD_GEOJSON}"  # the request's path: no query
    for validator in ({}, {"if_none_match": 'W/"abc"'}):
        status, headers, body = served(middleware, path, accept_encoding="gzip", **validator)
        assert status == 200 and gzip.decompress(body) == SCRIPT
        assert headers[b"content-encoding"] == b"gzip"
    assert app.asked == 1 and compressed_paths(middleware) == [path]
    # Not a text file: as it came.
    image = FakeApp(kind=b"image/png", cache=b"")
    assert (
        served(CompressedAssets(image), "/app/static/favicon.png", accept_encoding="gzip")[2]
        == SCRIPT
    )


def test_requests_arriving_together_compress_the_file_once(monkeypatch) -> None:
    """The first visits after a start ask for the same files at once: one compression, which
    the others wait for, and every one gets the compressed file."""
    calls: list[int] = []

    def counted(start, body):
        calls.append(1)
        return compressed(start, body)

    monkeypatch.setattr(compressed_assets, "compressed", counted)
    app = FakeApp()
    middleware = CompressedAssets(app)
    bodies: list[list[bytes]] = [[], [], []]

    def send_into(parts: list[bytes]):
        async def send(message) -> None:
            parts.append(message.get("body", b""))

        return send

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def together() -> None:
        scope = {
            "type": "http",
            "method": "GET",
            "path": "/static/js/a.js",
            "query_string": b"",
            "headers": [(b"accept-encoding", b"gzip")],
        }
        await asyncio.gather(*(middleware(scope, receive, send_into(p)) for p in bodies))

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, together()).result()
    assert app.asked == 3 and len(calls) == 1
    assert all(gzip.decompress(b"".join(parts)) == SCRIPT for parts in bodies)
    assert compressed_paths(middleware) == ["/static/js/a.js"] and middleware.compressing == {}


def compressed_paths(middleware: CompressedAssets) -> list[str]:
    return sorted(middleware.kept)


@pytest.mark.parametrize(
    "accept", ["", "identity", "gzip;q=0", "deflate, br", "gzip;q=zero", "br;q=1, gzip ;q=0.0"]
)
def test_a_client_that_does_not_accept_gzip_gets_the_file_as_it_came(accept: str) -> None:
    app = FakeApp()
    middleware = CompressedAssets(app)
    status, headers, body = served(middleware, accept_encoding=accept)
    assert (status, body) == (200, SCRIPT)
    assert b"content-encoding" not in headers and headers[b"etag"] == b'"abc"'
    assert middleware.kept == {}


@pytest.mark.parametrize("accept", ["gzip", "GZIP;q=0.5", "*", "br, gzip;q=0.1"])
def test_every_way_of_accepting_gzip(accept: str) -> None:
    _, headers, body = served(CompressedAssets(FakeApp()), accept_encoding=accept)
    assert headers[b"content-encoding"] == b"gzip" and gzip.decompress(body) == SCRIPT


@pytest.mark.parametrize(
    "app",
    [
        FakeApp(cache=b"no-cache", kind=b"text/html"),  # a page: pagescript's, not cached
        FakeApp(cache=b"no-cache"),  # the app's own static files, not hashed
        FakeApp(kind=b"font/woff2"),  # already compressed
        FakeApp(kind=b"image/png"),
        FakeApp(content_encoding=b"br"),
        FakeApp(status=404),
        FakeApp(status=206),
    ],
)
def test_other_answers_pass_as_they_came(app: FakeApp) -> None:
    middleware = CompressedAssets(app)
    for _ in range(2):
        status, headers, body = served(middleware, accept_encoding="gzip")
        assert (status, body) == (app.status, SCRIPT)
        assert headers.get(b"content-encoding") in (None, b"br")
    assert app.asked == 2 and middleware.kept == {}


@pytest.mark.parametrize(
    "request_headers",
    [{"range": "bytes=0-99"}, {"if_none_match": '"abc"'}],
)
def test_ranges_and_validators_are_the_app_s(request_headers: dict) -> None:
    app = FakeApp()
    _, headers, body = served(CompressedAssets(app), accept_encoding="gzip", **request_headers)
    assert body == SCRIPT and b"content-encoding" not in headers


def test_a_head_or_a_query_string_is_the_app_s() -> None:
    app = FakeApp()
    middleware = CompressedAssets(app)
    assert served(middleware, method="HEAD", accept_encoding="gzip")[2] == SCRIPT
    assert served(middleware, query=b"v=2", accept_encoding="gzip")[2] == SCRIPT
    assert app.asked == 2 and middleware.kept == {}


def test_a_file_larger_than_the_bound_passes_without_being_held(monkeypatch) -> None:
    monkeypatch.setattr(compressed_assets, "MAX_ASSET_BYTES", len(SCRIPT) // 4)
    app = FakeApp()
    middleware = CompressedAssets(app)
    _, headers, body = served(middleware, accept_encoding="gzip")
    assert body == SCRIPT and b"content-encoding" not in headers and middleware.kept == {}


def test_once_the_memory_bound_is_reached_files_pass_uncompressed(monkeypatch) -> None:
    monkeypatch.setattr(compressed_assets, "MAX_KEPT_BYTES", 1)
    app = FakeApp()
    middleware = CompressedAssets(app)
    first = served(middleware, "/static/js/a.js", accept_encoding="gzip")
    assert first[1][b"content-encoding"] == b"gzip"  # under the bound when it started: kept
    _, headers, body = served(middleware, "/static/js/b.js", accept_encoding="gzip")
    assert body == SCRIPT and b"content-encoding" not in headers
    assert compressed_paths(middleware) == ["/static/js/a.js"]
    assert middleware.kept_bytes == len(first[2])


def test_the_real_server_sends_streamlit_s_files_compressed(demo_data_dir, tmp_path) -> None:
    """serve.py: plotly.js's chunk (the largest), the main bundle and the app's world map
    shapes, compressed, decompress to the files; a page's HTML is not touched."""
    (plotly,) = (STATIC / "js").glob("PlotlyChart.*.js")
    index = (STATIC.parent / "index.html").read_text(encoding="utf-8")
    main = STATIC / re.search(r'src="\./static/(js/index\.[^"]+\.js)"', index).group(1)
    with streamlit_server(demo_data_dir, tmp_path / "serve.log") as url:
        for path in (plotly, main):
            address = f"{url}/static/js/{path.name}"
            answer = http_request(address, headers={"Accept-Encoding": "gzip"})
            assert answer.headers["Content-Encoding"] == "gzip"
            assert gzip.decompress(answer.content) == path.read_bytes()
            assert len(answer.content) < os.path.getsize(path) / 2
            plain = http_request(address)
            assert plain.headers["Content-Encoding"] is None
            assert plain.content == path.read_bytes()
        shapes = config.STATIC_DIR / config.WORLD_GEOJSON
        answer = http_request(url + config.WORLD_GEOJSON_URL, headers={"Accept-Encoding": "gzip"})
        assert answer.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(answer.content) == shapes.read_bytes()
        assert len(answer.content) < os.path.getsize(shapes) / 2
        assert http_request(url + config.WORLD_GEOJSON_URL).content == shapes.read_bytes()
        page = http_request(f"{url}/fiche", headers={"Accept-Encoding": "gzip"})
        assert page.headers["Content-Encoding"] is None and b'<div id="root">' in page.content
