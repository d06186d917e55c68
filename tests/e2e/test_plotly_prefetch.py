"""The fiche's first screen is drawn without plotly.js (its partners chart is HTML), and
plotly.js is then made ready while the visitor reads (.streamlit/plotly_prefetch.js, sent in
the page by lib/web/pagescript.py), with the world map's shapes: the first section opened
finds them there."""

from __future__ import annotations

from lib.core import config
from tests.e2e.test_explorer import NB, _text, wait_for_app

FICHE = "/fiche?niveau=departement&code=53&annee=2024&top=10&flux=tous"
CHUNK = "/static/js/PlotlyChart."
# The chunk has come whole.
FETCHED_JS = """(chunk) => performance.getEntriesByType('resource')
  .some(e => e.name.includes(chunk) && e.responseEnd > 0)"""
# The countries of the world map of « Les pays partenaires dans le monde », and the map drawn.
WORLD_PATHS = ".st-key-fiche-section-monde .js-plotly-plot .choropleth path"
WORLD_DRAWN_JS = f"() => document.querySelector('{WORLD_PATHS}') !== null"
# The world's shapes kept where plotly.js looks for them.
SHAPES_KEPT_JS = """(url) => window.PlotlyGeoAssets !== undefined
  && typeof window.PlotlyGeoAssets[url] === 'object'
  && window.PlotlyGeoAssets[url].features.length > 200"""


def _prefetched(asked: list[str]) -> list[str]:
    """The requests for what plotly_prefetch.js fetches: plotly.js's chunk, the world's shapes."""
    return [url for url in asked if CHUNK in url or config.WORLD_GEOJSON in url]


def test_the_first_screen_needs_no_plotly_and_a_section_finds_it_ready(page, app_url: str) -> None:
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(app_url + FICHE)
    wait_for_app(page)
    chart = page.locator(".st-key-charts-partners .comext-chart").first
    chart.wait_for()
    page.get_by_text(_text(f"1{NB}773,5{NB}M€")).first.wait_for()
    # The first screen is the published figures and the partners chart, in HTML: ten rows.
    assert chart.locator(".cb-row").count() == 10
    assert page.locator("[data-testid='stMain'] .js-plotly-plot").count() == 0
    # While it is read, plotly.js and the world's shapes are fetched, once...
    page.wait_for_function(FETCHED_JS, arg=CHUNK, timeout=30_000)
    page.wait_for_function(SHAPES_KEPT_JS, arg=config.WORLD_GEOJSON_URL, timeout=30_000)
    before_click = _prefetched(asked)
    assert len(before_click) == 2
    # ... so that the click on a section asks for no more of them, and the map has its shapes.
    page.locator(".st-key-fiche-section-monde summary").first.click()
    page.wait_for_function(WORLD_DRAWN_JS, timeout=60_000)
    assert _prefetched(asked) == before_click
    assert page.locator(WORLD_PATHS).count() > 200  # every country


def test_a_page_without_sections_is_left_alone(page, app_url: str) -> None:
    """Données draws no chart: no plotly.js for it."""
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(app_url + "/donnees?niveau=departement&code=53&debut=2023&fin=2024&flux=tous")
    wait_for_app(page)
    page.wait_for_timeout(2000)  # longer than the prefetch's idle wait would take
    assert page.locator("[data-testid='stMain'] .js-plotly-plot").count() == 0
    assert not _prefetched(asked)
