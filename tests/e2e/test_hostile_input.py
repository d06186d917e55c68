"""Hostile URLs in a real browser: a notice quoting them renders no link, no image, no markup,
and the browser fetches nothing from them; behind serve.py's security headers (no framing by
another site) the map, drawn in a same-origin frame, still works."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.e2e.test_explorer import MAP_FRAME, wait_for_app
from tests.servers import streamlit_server

# Elements that would mean the text was read as Markdown or HTML.
MARKUP = "a, img, strong, em, b, h1, h2, li, code, del, table, .katex, span[style], span.emoji"


@pytest.fixture(scope="module")
def evil_server() -> Iterator[tuple[str, list[str]]]:
    """A server on 127.0.0.1 recording every request a page might make to it."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    httpd.shutdown()


def payloads(evil: str) -> list[str]:
    return [
        f"[Cliquez ici]({evil}/lien)",
        f"![x]({evil}/image.png)",
        f"<img src={evil}/balise.png> <b>gras</b>",
        "**fort** _penché_ ~~barré~~ `code` :red[rouge] :material/home: :smile: $x^2$",
        "www.exemple.fr https://exemple.fr contact@exemple.fr",
        "# titre\n- liste",
    ]


def test_url_values_in_notices_are_plain_text(page, app_url: str, evil_server) -> None:
    evil, hits = evil_server
    for payload in payloads(evil):
        page.goto(f"{app_url}/fiche?niveau=departement&code={quote(payload)}")
        wait_for_app(page)
        notice = page.locator("[data-testid='stAlertContentInfo']").first
        notice.wait_for()
        text = notice.inner_text().replace("\u2060", "")
        assert "Département inconnu" in text
        assert payload.replace("\n", "\ufffd")[:30] in text, (payload, text)
        assert notice.locator(MARKUP).count() == 0, (payload, notice.inner_html())
    assert hits == []


def test_importer_notice_is_plain_text(page, app_url: str, evil_server) -> None:
    evil, hits = evil_server
    page.goto(f"{app_url}/importer?{quote(f'![x]({evil}/cle.png)')}=1")
    wait_for_app(page)
    notice = page.locator("[data-testid='stAlertContentInfo']").first
    notice.wait_for()
    assert "inconnu" in notice.inner_text()
    assert notice.locator(MARKUP).count() == 0
    assert hits == []


def test_map_works_behind_the_security_headers(
    browser, demo_data_dir: Path, tmp_path: Path
) -> None:
    with streamlit_server(demo_data_dir, tmp_path / "serve.log") as url:
        context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="fr-FR")
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            response = page.goto(url + "/")
            assert response.headers["x-frame-options"] == "SAMEORIGIN"
            wait_for_app(page)
            frame = page.wait_for_selector(MAP_FRAME).content_frame()
            frame.wait_for_selector(".leaflet-interactive")
            shapes = frame.evaluate(
                "() => document.querySelectorAll('.leaflet-interactive').length"
            )
            assert shapes >= 101
        finally:
            context.close()
