"""The page « API » in Chromium, on `streamlit run serve.py`: reached from the menu, its examples
carry the server's own address, and the example it shows answers in the browser (the API is
served by the same server, beside the app)."""

from __future__ import annotations

from tests.e2e.conftest import screenshot
from tests.e2e.test_explorer import wait_for_app


def test_the_api_page_shows_working_examples(page, app_url: str) -> None:
    page.goto(f"{app_url}/donnees")
    wait_for_app(page)
    page.get_by_role("link", name="API").first.click()
    page.get_by_role("heading", name="API").first.wait_for()
    assert page.url.rstrip("/").endswith("/api")
    code = page.locator("[data-testid='stCode']").first
    code.wait_for()
    example = f"{app_url}/api/v1/kpis?niveau=departement&code=53&annee="
    assert example in code.inner_text()
    assert page.get_by_text("ne sert pas l'API").count() == 0  # served here
    # The example, fetched by the page's own browser: JSON with the records and the territory.
    answer = page.evaluate(
        "url => fetch(url).then(r => r.json())", f"{app_url}/api/v1/kpis?annee=2024"
    )
    assert answer["territoire"]["nom"] == "France entière" and answer["records"]
    screenshot(page, "20-api")
