"""A page's own address connects to the server at once (.streamlit/connect.js, sent first in the
page by lib/web/pagescript.py): Streamlit's code would first ask `/fiche/_stcore/health`, wait
out its 404 and a 100 ms retry timer, then ask `/_stcore/health`."""

from __future__ import annotations

import re

import pytest

from lib.core import config
from lib.web import pagescript
from tests.e2e.test_explorer import NB, _text, wait_for_app

CONNECT_JS = pagescript.script_text(config.ROOT / ".streamlit" / "connect.js")


def _health_requests(page, address: str) -> list[str]:
    """The server health checks the page asks for, in their order, until the app is drawn."""
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(address)
    wait_for_app(page)
    return [url for url in asked if url.endswith("/_stcore/health")]


def test_a_shared_fiche_link_asks_the_server_s_health_once(page, app_url: str) -> None:
    health = _health_requests(page, f"{app_url}/fiche?niveau=departement&code=53&annee=2024")
    assert health == [f"{app_url}/_stcore/health"]
    page.get_by_text(_text(f"1{NB}773,5{NB}M€")).first.wait_for()
    # The pages' addresses are Streamlit's as before: the menu leads to /exposition.
    page.get_by_role("link", name="Exposition").first.click()
    page.wait_for_url(re.compile(r"/exposition\?"), timeout=30_000)
    wait_for_app(page)
    assert page.locator("h1").first.inner_text().startswith("Exposition")


def test_the_home_page_is_left_to_streamlit(page, app_url: str) -> None:
    assert _health_requests(page, f"{app_url}/?annee=2024") == [f"{app_url}/_stcore/health"]
    assert page.evaluate("window.__streamlit === undefined")


# What connect.js makes of an address: the server's address Streamlit is told, or None when it
# is left to Streamlit's own two guesses (the address itself, then without its last segment).
ADDRESSES = [
    ("http://127.0.0.1:8501/fiche", "http://127.0.0.1:8501/"),
    ("http://127.0.0.1:8501/fiche/", "http://127.0.0.1:8501/"),
    ("http://127.0.0.1:8501/importer", "http://127.0.0.1:8501/"),
    ("https://exemple.fr/commerce/exposition", "https://exemple.fr/commerce/"),
    ("https://exemple.fr/a/b/donnees", "https://exemple.fr/a/b/"),
    ("http://127.0.0.1:8501/", None),
    ("http://127.0.0.1:8501", None),
    ("https://exemple.fr/commerce/", None),  # the home page of an app under /commerce
    ("http://127.0.0.1:8501/inconnue", None),  # not a page: Streamlit's notice, as before
    ("http://127.0.0.1:8501/fiche/inconnue", None),
    ("http://127.0.0.1:8501/Fiche", None),
    ("http://127.0.0.1:8501/%66iche", None),
]


@pytest.mark.parametrize(("address", "server"), ADDRESSES)
def test_the_server_s_address_for_a_page_s_address(page, address: str, server) -> None:
    """The script run in Chromium on a window at `address` (its location replaced)."""
    told = page.evaluate(
        """([source, href]) => {
            const location = new URL(href);
            const fake = { location: { pathname: location.pathname, origin: location.origin } };
            new Function("window", source)(fake);
            return fake.__streamlit ? fake.__streamlit.BACKEND_BASE_URL : null;
        }""",
        [CONNECT_JS, address],
    )
    assert told == server


def test_a_host_s_own_setting_is_kept(page) -> None:
    kept = page.evaluate(
        """(source) => {
            const fake = { location: { pathname: "/fiche", origin: "http://h" },
                           __streamlit: { BACKEND_BASE_URL: "http://ailleurs/" } };
            new Function("window", source)(fake);
            return fake.__streamlit.BACKEND_BASE_URL;
        }""",
        CONNECT_JS,
    )
    assert kept == "http://ailleurs/"
