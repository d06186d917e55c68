"""The app's own CSS and script (.streamlit/layout.css, .streamlit/menu.js, sent by
pages/parts/components.layout_css): what they rely on in Streamlit's frontend is still there, and
the menu's script is the only JavaScript the app runs in its pages. The browser's side is
tests/e2e/test_layout.py."""

from __future__ import annotations

import re
from pathlib import Path

import streamlit

from lib.core import config

MENU_JS = (config.ROOT / ".streamlit" / "menu.js").read_text(encoding="utf-8")
LAYOUT_CSS = (config.ROOT / ".streamlit" / "layout.css").read_text(encoding="utf-8")
FRONTEND = Path(streamlit.__file__).parent / "static" / "static" / "js"


def frontend_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in FRONTEND.glob("*.js"))


def test_the_menu_script_finds_what_streamlit_draws() -> None:
    """The test ids and the attribute the script reads exist in the installed Streamlit's
    frontend (an upgrade that renamed them would leave the menu open on a phone)."""
    used = set(re.findall(r'data-testid="(\w+)"', MENU_JS))
    assert used == {"stSidebarNavLink", "stSidebar", "stSidebarCollapseButton"}
    bundle = frontend_text()
    for test_id in used:
        assert f"`{test_id}`" in bundle, test_id
    assert '"data-collapsed"' in MENU_JS and '"data-collapsed":' in bundle
    assert "767.98px" in MENU_JS  # Streamlit's `md` breakpoint (768 px), where the menu overlays
    assert "md:`768px`" in bundle


def test_only_the_menu_script_runs_javascript_in_the_pages() -> None:
    sources = [config.ROOT / "streamlit_app.py", *(config.ROOT / "pages").rglob("*.py")]
    calls = [
        (path.name, line)
        for path in sources
        for line in path.read_text(encoding="utf-8").splitlines()
        if "unsafe_allow_javascript" in line
    ]
    assert calls == [("components.py", "    st.html(_menu_script(), unsafe_allow_javascript=True)")]


def test_the_css_lets_page_links_wrap_and_hides_the_script() -> None:
    assert '[data-testid="stPageLink-NavLink"] [data-testid="stMarkdownContainer"]' in LAYOUT_CSS
    assert "white-space: normal" in LAYOUT_CSS
    hidden = '[data-testid="stElementContainer"]:has(> [data-testid="stHtml"] > script:only-child)'
    assert hidden in LAYOUT_CSS
    bundle = frontend_text()
    for test_id in ("stPageLink-NavLink", "stElementContainer", "stHtml", "stMarkdownContainer"):
        assert f"`{test_id}`" in bundle, test_id
