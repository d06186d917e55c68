"""What a person does on the way to the Diversifier page: from the Loire's exposure to the United
States, follow the « Diversifier » link; open the world map of the markets to explore and click
a country: its Pays page opens. And the page read on a phone (375×812): nothing wider than the
screen, every chart drawn.

Expected values come from lib.data.diversification run in this test process over the same dataset.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lib.core import config, refs
from lib.core.territory import Territory
from lib.data import db, diversification
from tests.e2e.conftest import screenshot
from tests.e2e.test_explorer import wait_for_app
from tests.e2e.test_layout import SCROLL_JS, VISIBLE_PLOTS_JS
from tests.e2e.test_pays import WORLD_PLOT, click_country
from tests.e2e.test_plotly_prefetch import SHAPES_KEPT_JS

LOIRE = Territory("dept", "42")
# Countries large enough on the world map for a click at the centre of their outline.
LARGE = ("DE", "CN", "ES", "PL", "IT", "IN", "BR", "CA", "AU")
ALL = "carte,activites,territoires"


@pytest.fixture
def same_dataset(demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
    db.reset()


def open_section(page, title: str) -> None:
    page.locator("[data-testid='stExpander'] summary", has_text=title).click()


def test_exposition_to_diversifier_to_a_country(page, app_url: str, same_dataset) -> None:
    page.goto(f"{app_url}/exposition?niveau=departement&code=42&annee=2024&partenaire=US")
    wait_for_app(page)
    link = page.get_by_role("link", name=re.compile("Diversifier : d'autres marchés"))
    link.scroll_into_view_if_needed()
    link.click()
    page.wait_for_url(re.compile(r"/diversifier\?.*code=42"), timeout=30_000)
    assert "partenaire=US" in page.url and "annee=2024" in page.url
    wait_for_app(page)
    page.get_by_text("Diversifier — Loire (42)").first.wait_for()
    first = diversification.exposed_products(LOIRE, 2024, "US")["product"].iloc[0]
    page.get_by_text(refs.product_name(first)[:20]).first.wait_for()

    # The world's shapes are fetched while the page is read (.streamlit/plotly_prefetch.js):
    # the map's section asks for nothing more.
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.wait_for_function(SHAPES_KEPT_JS, arg=config.WORLD_GEOJSON_URL, timeout=30_000)
    open_section(page, "Carte du monde des marchés à explorer")
    page.wait_for_url(re.compile(r"section=carte"), timeout=30_000)
    wait_for_app(page)
    page.locator(f"{WORLD_PLOT} path.choroplethlocation").first.wait_for(state="attached")
    assert page.locator(f"{WORLD_PLOT} path.choroplethlocation").count() > 200
    assert not [url for url in asked if config.WORLD_GEOJSON in url]
    screenshot(page, "40-diversifier-loire-carte")
    markets = diversification.alternative_markets(LOIRE, 2024, "US")
    by_country = diversification.untapped_by_country(markets).set_index("country")
    country = next(code for code in LARGE if by_country["untapped_eur"].get(code, 0) > 0)
    click_country(page, country)
    page.wait_for_url(re.compile(rf"/pays\?.*code={country}"), timeout=30_000)
    assert "annee=2024" in page.url
    wait_for_app(page)
    page.get_by_text(refs.country_name(country)).first.wait_for()


def test_the_page_fits_a_phone(browser, app_url: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(
            f"{app_url}/diversifier?niveau=departement&code=42&annee=2024&partenaire=US"
            f"&section={ALL}"
        )
        wait_for_app(page)
        page.wait_for_function(
            f"""() => ({VISIBLE_PLOTS_JS})().length >= 4
                && ({VISIBLE_PLOTS_JS})().every(p => p.querySelector('.main-svg'))"""
        )
        page.wait_for_timeout(1000)
        scroll = page.evaluate(SCROLL_JS)
        assert scroll == {"page": 0, "main": 0}, scroll
        # Every visible chart within the screen's width.
        widths = page.evaluate(
            f"() => ({VISIBLE_PLOTS_JS})().map(p => p.getBoundingClientRect().right)"
        )
        assert all(right <= 375 for right in widths), widths
        screenshot(page, "41-diversifier-telephone")
    finally:
        context.close()
