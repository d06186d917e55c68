"""lib/web/pagescript.py (the history script first in Streamlit's page) with a fake ASGI app, and
what .streamlit/history.js relies on in the installed Streamlit's frontend. The browser's side
(one entry per page, Back and Forward) is tests/e2e/test_context.py."""

from __future__ import annotations

import asyncio
import gzip
import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import streamlit

from lib.core import config
from lib.web import pagescript

STREAMLIT_STATIC = Path(streamlit.__file__).parent / "static"
HISTORY_JS = (config.ROOT / ".streamlit" / "history.js").read_text(encoding="utf-8")
GEO_JS = (config.ROOT / ".streamlit" / "geo_assets.js").read_text(encoding="utf-8")
CONNECT_JS = (config.ROOT / ".streamlit" / "connect.js").read_text(encoding="utf-8")
PREFETCH_JS = (config.ROOT / ".streamlit" / "plotly_prefetch.js").read_text(encoding="utf-8")
# The addresses of the app's pages but the home page's, as streamlit_app.py lists them.
PAGE_ADDRESSES = [
    "fiche",
    "exposition",
    "diversifier",
    "evolution",
    "produit",
    "pays",
    "comparer",
    "donnees",
    "api",
    "importer",
]
EMPTY_TOPOLOGY = config.ROOT / "static" / "plotly" / "world_110m.json"
PAGE = (
    b'<!DOCTYPE html>\n<html lang="en">\n  <head>\n    <title>Streamlit</title>\n  </head>\n'
    b'  <body><div id="root"></div></body>\n</html>\n'
)
SCRIPT = "window.seen = '</script>';"
TAG = b"<script>window.seen = '<\\/script>';</script>"


def answer(body: bytes, content_type: bytes = b"text/html; charset=utf-8", encoding: bytes = b""):
    """A fake app answering `body` in two chunks, with validators and its length."""

    async def app(scope, receive, send) -> None:
        headers = [
            (b"content-type", content_type),
            (b"content-length", str(len(body)).encode()),
            (b"etag", b'"abc"'),
            (b"last-modified", b"Thu, 01 Jan 2026 00:00:00 GMT"),
            (b"cache-control", b"no-cache"),
        ]
        if encoding:
            headers.append((b"content-encoding", encoding))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        half = len(body) // 2
        await send({"type": "http.response.body", "body": body[:half], "more_body": True})
        await send({"type": "http.response.body", "body": body[half:], "more_body": False})

    return app


def served(app, method: str = "GET") -> tuple[dict[bytes, bytes], bytes, int]:
    """What the middleware sends: its headers, the whole body, the number of messages."""
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": "/fiche", "headers": []}
    # In a thread of its own: an earlier test of the session (Playwright's sync API) may have
    # left an event loop running in this one, where asyncio.run refuses to start.
    middleware = pagescript.PageScript(app, SCRIPT)
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, middleware(scope, receive, send)).result()
    start = sent[0]
    assert start["type"] == "http.response.start"
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return dict(start["headers"]), body, len(sent)


def test_streamlit_s_page_gets_the_script_first_in_its_head() -> None:
    headers, body, _ = served(answer(PAGE))
    assert body == PAGE.replace(b"<head>", b"<head>" + TAG)
    assert headers[b"content-length"] == str(len(body)).encode()
    assert b"etag" not in headers and b"last-modified" not in headers  # the body changed
    assert headers[b"cache-control"] == b"no-cache"


def test_a_compressed_page_is_sent_decoded_with_the_script() -> None:
    headers, body, _ = served(answer(gzip.compress(PAGE), encoding=b"gzip"))
    assert body == PAGE.replace(b"<head>", b"<head>" + TAG)
    assert b"content-encoding" not in headers
    assert headers[b"content-length"] == str(len(body)).encode()


def test_other_answers_pass_as_they_came() -> None:
    other_html = b"<html><head></head><body><h1>Adresse refus\xc3\xa9e</h1></body></html>"
    for app in (
        answer(other_html),  # an HTML page that is not Streamlit's (the app's own pages)
        answer(b'{"a": 1}', content_type=b"application/json"),
        answer(PAGE, encoding=b"br"),  # an encoding it does not read
    ):
        headers, body, messages = served(app)
        assert body in (other_html, b'{"a": 1}', PAGE)
        assert headers[b"etag"] == b'"abc"'
        assert messages == 3  # the start and both chunks, untouched
    headers, body, _ = served(answer(PAGE), method="HEAD")
    assert body == PAGE and headers[b"etag"] == b'"abc"'


def test_a_large_html_answer_is_not_held_in_memory(monkeypatch) -> None:
    # A fiche's HTML document can weigh megabytes: past the bound it streams as it came, even
    # one that would look like Streamlit's page.
    monkeypatch.setattr(pagescript, "MAX_HELD_BYTES", len(PAGE) // 4)
    headers, body, messages = served(answer(PAGE))
    assert body == PAGE and headers[b"etag"] == b'"abc"' and messages == 3


def test_the_script_cannot_end_its_element_early() -> None:
    assert pagescript.script_tag("a = '</script><b>';") == b"<script>a = '<\\/script><b>';</script>"
    assert b"</" not in pagescript.script_tag(HISTORY_JS)[len(b"<script>") : -len(b"</script>")]


def test_streamlit_s_document_is_recognised() -> None:
    index = (STREAMLIT_STATIC / "index.html").read_bytes()
    assert pagescript.with_script(index, b"<script></script>") is not None


def streamlit_js(pattern: str) -> str:
    """The text of Streamlit's frontend files named by `pattern` (`index.*.js`), joined."""
    return "\n".join(
        path.read_text(encoding="utf-8")
        for path in (STREAMLIT_STATIC / "static" / "js").glob(pattern)
    )


def test_the_history_script_finds_what_streamlit_does() -> None:
    """history.js wraps what Streamlit's frontend calls and reads what it draws: an upgrade that
    changed them would silently bring back the doubled history entries."""
    bundle = streamlit_js("index.*.js")
    # The address is written through window.history, looked up at each call (so the wrapper
    # installed before or after the bundle is the one called), and Back is read on popstate.
    assert "window.history.pushState({},``," in bundle
    assert "window.history.replaceState({},``," in bundle
    assert "addEventListener(`popstate`" in bundle
    for test_id in set(re.findall(r'data-testid="(\w+)"', HISTORY_JS)):
        assert f"`{test_id}`" in bundle, test_id
    assert '"data-test-script-state"' in HISTORY_JS and '"data-test-script-state":' in bundle
    assert "`notRunning`" in bundle and '"notRunning"' in HISTORY_JS


def test_the_page_gets_the_history_width_geo_connect_and_prefetch_scripts_by_default() -> None:
    """serve.py's middleware sends the scripts of pagescript.SCRIPTS, inline, in one element;
    connect.js with the app's page addresses (as streamlit_app.py lists them) written in,
    plotly_prefetch.js with the name of Streamlit's one Plotly chunk."""
    width_js = (config.ROOT / ".streamlit" / "width.js").read_text(encoding="utf-8")
    connect_js = CONNECT_JS.replace("COMEXT_PAGES", json.dumps(PAGE_ADDRESSES))
    (chunk,) = (STREAMLIT_STATIC / "static" / "js").glob("PlotlyChart.*.js")
    prefetch_js = PREFETCH_JS.replace("COMEXT_PLOTLY_CHUNK", f'"{chunk.name}"').replace(
        "COMEXT_WORLD_GEOJSON", json.dumps(config.WORLD_GEOJSON_URL)
    )
    assert config.WORLD_GEOJSON_URL.startswith("/app/static/geo/countries.geojson?v=")
    tag = pagescript.PageScript(answer(PAGE)).tag
    assert tag.startswith(b"<script>") and tag.count(b"<script>") == 1
    scripts = [HISTORY_JS, width_js, GEO_JS, connect_js, prefetch_js]
    assert pagescript.script_tag("\n".join(scripts)) == tag
    assert b"comext-largeur=" in tag and b"COMEXT_PAGES" not in tag
    assert b"COMEXT_PLOTLY_CHUNK" not in tag and b"COMEXT_WORLD_GEOJSON" not in tag


def test_the_prefetched_chunk_is_the_one_streamlit_imports_for_its_plotly_element() -> None:
    """plotly_prefetch.js imports the file Streamlit's code imports, lazily, for st.plotly_chart
    (resolved beside its main script, as Streamlit's relative import is): the browser then
    evaluates plotly.js once. An upgrade that renamed or split it writes `null` (no prefetch)
    or fails here."""
    chunk = pagescript.plotly_chunk()
    assert chunk is not None and chunk.startswith("PlotlyChart.")
    bundle = streamlit_js("index.*.js")
    assert re.search(rf"\(\)=>import\(`\./{re.escape(chunk)}`\)", bundle)
    assert "plotly" in streamlit_js(chunk)[:200_000].lower()
    assert 'script[type="module"][src*="/static/js/index."]' in PREFETCH_JS
    assert re.search(
        r'<script type="module" crossorigin src="\./static/js/index\.',
        (STREAMLIT_STATIC / "index.html").read_text(encoding="utf-8"),
    )


def test_no_prefetch_when_streamlit_s_build_has_no_single_plotly_chunk(
    monkeypatch, tmp_path
) -> None:
    monkeypatch.setattr(pagescript, "streamlit_scripts", lambda: tmp_path)
    assert pagescript.plotly_chunk() is None
    (tmp_path / "PlotlyChart.a.js").touch()
    (tmp_path / "PlotlyChart.b.js").touch()
    assert pagescript.plotly_chunk() is None
    text = pagescript.script_text(config.ROOT / ".streamlit" / "plotly_prefetch.js")
    assert "var chunk = null;" in text


def test_the_prefetched_world_shapes_are_where_plotly_looks_for_them() -> None:
    """plotly_prefetch.js keeps the world map's shapes in window.PlotlyGeoAssets under their
    address (lib/charts/world.py's trace names them by it): plotly.js must still look a
    trace's GeoJSON address up there before fetching it, fetch only when it is missing, wait
    while it is "pending", and read the object kept there when it draws."""
    chunk = streamlit_js("PlotlyChart.*.js")
    assert "function A(e){var t=window.PlotlyGeoAssets||{},r=[];" in chunk
    fetched_once = (
        "typeof s==`string`&&(t[s]?t[s]===`pending`&&r.push(a(s)):(t[s]=`pending`,r.push(i(s))))"
    )
    assert fetched_once in chunk
    assert "var t=e.geojson,n=window.PlotlyGeoAssets||{},r=typeof t==`string`?n[t]:t;" in chunk
    text = pagescript.script_text(config.ROOT / ".streamlit" / "plotly_prefetch.js")
    assert f"var shapes = {json.dumps(config.WORLD_GEOJSON_URL)};" in text
    assert "window.PlotlyGeoAssets" in text


def test_the_connect_script_finds_what_streamlit_does() -> None:
    """connect.js sets `window.__streamlit.BACKEND_BASE_URL` before Streamlit's code: that code
    must still read `window.__streamlit` once, at its start, and take the server's addresses
    to try from BACKEND_BASE_URL (the page's address without it), a lone one when its path
    is the root. Its first retry after a failed one waits 100 ms: what connect.js saves."""
    bundle = streamlit_js("index.*.js")
    assert "let e=window.__streamlit;if(e)return" in bundle
    assert "get BACKEND_BASE_URL(){return" in bundle
    tried = (
        r"let (\w+)=\w+\(\w+\.BACKEND_BASE_URL\),\{pathname:(\w+)\}=\1;"
        r"if\(\2===`/`\)return\[\1\]"
    )
    assert re.search(tried, bundle), "Streamlit no longer finds its server as connect.js expects"
    assert re.search(r"=\w+\(this\.getBaseUrisToProbe\(\),100,", bundle)


def test_the_geo_script_finds_what_plotly_does() -> None:
    """geo_assets.js hands plotly.js the base map it would fetch: plotly.js must still create
    window.PlotlyGeoAssets only when it is missing, look a base map up there before fetching
    it, and name the world's at the default resolution `world_110m`; the topology handed over
    is the one of the file it would fetch."""
    chunk = streamlit_js("PlotlyChart.*.js")
    assert "window.PlotlyGeoAssets===void 0&&(window.PlotlyGeoAssets={topojson:{}})" in chunk
    assert "PlotlyGeoAssets.topojson[i.topojsonName]===void 0&&o.push(i.fetchTopojson())" in chunk
    # The name: scope (`world` by default) `_` resolution (110 by default) `m`.
    assert "[e.scope.replace(/ /g,`-`),`_`,e.resolution.toString(),`m`].join(``)" in chunk
    handed = re.search(r"world_110m = (\{.*?\});", GEO_JS)
    assert handed is not None
    as_json = re.sub(r"(\w+):", r'"\1":', handed.group(1))
    assert json.loads(as_json) == json.loads(EMPTY_TOPOLOGY.read_text(encoding="utf-8"))
