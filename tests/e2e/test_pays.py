"""What a person does from a fiche to a country and on to a département: on the Mayenne's fiche,
click Germany on the world map of its partners; on the Pays page of Germany, click the Sarthe
on the map of départements: its fiche opens. No request leaves the machine on the way (the
world map draws the committed geometry, plotly.js's base map comes from static/plotly/).

Expected numbers come from lib.data.country_view run in this test process over the same dataset.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

from lib.core import config, formatting
from lib.data import country_view, db
from tests.e2e.conftest import screenshot
from tests.e2e.test_explorer import MAP_FRAME, _text, click_departement, wait_for_app

WORLD_PLOT = ".js-plotly-plot:has(.choroplethlocation)"


@pytest.fixture
def same_dataset(demo_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_DATA_DIR, str(demo_data_dir))
    db.reset()


def click_country(page, code: str) -> None:
    """A real mouse click at the centre of the country's shape on the world map."""
    plot = page.locator(WORLD_PLOT).first
    plot.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    box = plot.evaluate(
        """(plot, code) => {
             const path = Array.from(plot.querySelectorAll('path.choroplethlocation'))
               .find(p => p.__data__ && p.__data__.loc === code);
             const r = path.getBoundingClientRect();
             return [r.x + r.width / 2, r.y + r.height / 2];
           }""",
        code,
    )
    page.mouse.move(box[0], box[1])
    page.wait_for_timeout(300)
    page.mouse.click(box[0], box[1])


def test_fiche_to_country_to_departement(page, app_url: str, same_dataset) -> None:
    host = urlparse(app_url).netloc
    outside: list[str] = []
    page.on("request", lambda r: urlparse(r.url).netloc not in {host, ""} and outside.append(r.url))

    page.goto(f"{app_url}/fiche?niveau=departement&code=53&annee=2024&section=monde")
    wait_for_app(page)
    page.get_by_text("Les pays partenaires dans le monde, Mayenne").first.wait_for()
    page.locator(f"{WORLD_PLOT} path.choroplethlocation").first.wait_for(state="attached")
    screenshot(page, "30-fiche-monde")

    click_country(page, "DE")
    page.wait_for_url(re.compile(r"/pays\?.*code=DE"), timeout=30_000)
    assert "annee=2024" in page.url and "flux=export" in page.url
    wait_for_app(page)
    totals = country_view.totals("DE", 2024)
    page.get_by_text(_text(formatting.meur(totals["exports_eur"]))).first.wait_for()
    page.locator("[data-testid='stExpander'] summary", has_text="Les départements").click()
    page.wait_for_url(re.compile(r"section=departements"), timeout=30_000)
    page.locator(MAP_FRAME).scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    screenshot(page, "31-pays-allemagne")

    click_departement(page, "72")
    page.wait_for_url(re.compile(r"/fiche\?.*code=72"), timeout=30_000)
    assert "niveau=departement" in page.url and "annee=2024" in page.url
    wait_for_app(page)
    page.get_by_text("Sarthe (72)").first.wait_for()
    assert outside == []
