"""A shared link opened on a freshly started server: the very first request goes to /fiche.

Streamlit runs a first visit to a page of a `pages/` folder on its own ("v1" mode, no menu, no
banner) until st.navigation has run once; `components.ensure_navigation` must prevent that.
"""

from __future__ import annotations

from tests.e2e.conftest import screenshot
from tests.e2e.test_explorer import NB, _text, wait_for_app


def test_first_request_of_a_new_server_is_a_shared_fiche_link(page, own_app_url: str) -> None:
    page.goto(f"{own_app_url}/fiche?niveau=departement&code=45&annee=2024&flux=export")
    wait_for_app(page)
    page.get_by_text(_text(f"13{NB}225,3{NB}M€")).first.wait_for()
    assert page.get_by_text("Données de démonstration synthétiques").first.is_visible()
    assert page.get_by_role("link", name="Carte").first.is_visible()
    assert page.locator("[data-testid='stSidebarNav']").count() == 0
    screenshot(page, "09-premiere-visite-loiret")
