"""What the fiche and the map look like on a phone (375×812) and on a desktop (1400×1000).

Measured in the browser rather than judged by eye: no horizontal scroll; in the partners chart
no two texts overlap and none is cut at the chart's edge; no axis label is turned sideways; no
two node labels of a Sankey overlap; the map's legend covers at most a small part of the map
and is seen whole. Screenshots of each page and size go to tests/e2e/screenshots/.

COMEXT_LAYOUT_URL=http://host:port runs these checks against an app already running (another
version of the code, for instance) instead of the one the session starts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import SCREENSHOTS

FICHE = (
    "/fiche?niveau=departement&code=94&annee=2024&top=10&flux=tous"
    "&section=situer,monde,activites,flux-export,flux-import,contexte"  # every chart
)
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"
VIEWPORTS = {"telephone": (375, 812), "bureau": (1400, 1000)}
MIN_CHARTS = 8  # partners, products, the three Sankeys of each flow
MAX_LEGEND_SHARE = 0.08  # of the map's area the legend may cover

# Every function below runs in the page: boxes are those of what is drawn (getBoundingClientRect:
# a hidden chart has none, and hidden parts of a text do not count).
VISIBLE_PLOTS_JS = """() => [...document.querySelectorAll('.js-plotly-plot')]
  .filter(p => p.getClientRects().length > 0)"""
OVERLAPS_JS = """(texts) => {
  const boxes = texts.map(t => t.getBoundingClientRect());
  const pairs = [];
  for (let i = 0; i < texts.length; i++) {
    for (let j = i + 1; j < texts.length; j++) {
      if (texts[i].contains(texts[j]) || texts[j].contains(texts[i])) continue;
      const a = boxes[i], b = boxes[j];
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 1 && h > 1) pairs.push([texts[i].textContent, texts[j].textContent]);
    }
  }
  return pairs;
}"""
CHART_DRAWN_JS = f"""(min) => {{
  const app = document.querySelector('[data-testid="stApp"]');
  const plots = ({VISIBLE_PLOTS_JS})();
  return app && app.dataset.testScriptState === 'notRunning' && plots.length >= min
    && plots.every(p => p.querySelector('.main-svg') && p.querySelector('.trace, .sankey-node'));
}}"""
# Every bar chart drawn (the partners chart, the specialisations): its texts, none over another,
# none cut at the chart's edges.
BARS_JS = f"""() => ({VISIBLE_PLOTS_JS})()
  .filter(p => p.querySelector('.barlayer .trace'))
  .map(plot => {{
    const svg = plot.querySelector('.main-svg').getBoundingClientRect();
    const texts = [...plot.querySelectorAll('text')].filter(t => t.textContent.trim());
    const cut = texts.filter(t => {{
      const b = t.getBoundingClientRect();
      return b.left < svg.left - 1 || b.right > svg.right + 1;
    }}).map(t => t.textContent);
    return {{overlaps: ({OVERLAPS_JS})(texts), cut: cut,
             partners: plot.closest('.st-key-charts-partners') !== null}};
  }})"""
ROTATED_JS = f"""() => ({VISIBLE_PLOTS_JS})()
  .flatMap(p => [...p.querySelectorAll('.xtick text, .ytick text')])
  .filter(t => (t.getAttribute('transform') || '').includes('rotate'))
  .map(t => t.textContent)"""
SANKEY_JS = f"""() => ({VISIBLE_PLOTS_JS})()
  .filter(p => p.querySelector('.sankey'))
  .map(p => ({OVERLAPS_JS})([...p.querySelectorAll('.node-label')]))"""
LEGEND_JS = """() => {
  const map = document.querySelector('.leaflet-container').getBoundingClientRect();
  const legend = document.querySelector('.comext-legend').getBoundingClientRect();
  const w = Math.max(0, Math.min(map.right, legend.right) - Math.max(map.left, legend.left));
  const h = Math.max(0, Math.min(map.bottom, legend.bottom) - Math.max(map.top, legend.top));
  return {covered: w * h / (map.width * map.height),
          seen: legend.top >= 0 && legend.bottom <= window.innerHeight
                && legend.left >= 0 && legend.right <= window.innerWidth};
}"""
SCROLL_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  return {page: document.documentElement.scrollWidth - window.innerWidth,
          main: main ? main.scrollWidth - main.clientWidth : 0};
}"""


@pytest.fixture(scope="module")
def layout_url(request: pytest.FixtureRequest) -> str:
    return os.environ.get("COMEXT_LAYOUT_URL") or request.getfixturevalue("app_url")


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def sized_page(request: pytest.FixtureRequest, browser) -> Iterator[object]:
    width, height = VIEWPORTS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.size_name = request.param  # type: ignore[attr-defined]
    yield page
    context.close()


def whole_page_screenshot(page, name: str) -> None:
    """The whole page, however long: the viewport is stretched to the app's height (Streamlit
    scrolls its main block, not the document), its width kept."""
    size = page.viewport_size
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(height, 12_000)})
    page.wait_for_timeout(1500)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{page.size_name}.png"), full_page=True)
    page.set_viewport_size(size)


def test_fiche_reads_without_overlap(sized_page, layout_url: str) -> None:
    page = sized_page
    page.goto(layout_url + FICHE)
    page.wait_for_function(CHART_DRAWN_JS, arg=MIN_CHARTS, polling=200)
    page.wait_for_timeout(1000)  # the layout settles (fonts, resize observers)
    bars, sankeys = page.evaluate(BARS_JS), page.evaluate(SANKEY_JS)
    problems = {
        "bar charts: overlapping texts": [pair for bar in bars for pair in bar["overlaps"]],
        "bar charts: texts cut at the edge": [text for bar in bars for text in bar["cut"]],
        "axis labels turned sideways": page.evaluate(ROTATED_JS),
        "Sankeys: overlapping node labels": [pair for pairs in sankeys for pair in pairs],
        "horizontal scroll (px)": {k: v for k, v in page.evaluate(SCROLL_JS).items() if v},
    }
    whole_page_screenshot(page, "layout-fiche-val-de-marne")
    assert len(sankeys) == 6  # the territory's, its région's and France's, for each flow
    assert [bar["partners"] for bar in bars].count(True) == 1  # the partners chart is checked
    assert not any(problems.values()), problems


def test_map_legend_leaves_the_map_visible(sized_page, layout_url: str) -> None:
    page = sized_page
    page.goto(layout_url + "/")
    frame = page.wait_for_selector(MAP_FRAME).content_frame()
    frame.wait_for_function(
        "() => window.map && document.querySelectorAll('path.leaflet-interactive').length > 100"
        " && document.querySelector('.comext-legend')"
    )
    page.wait_for_timeout(1000)
    legend = frame.evaluate(LEGEND_JS)
    scroll = page.evaluate(SCROLL_JS)
    whole_page_screenshot(page, "layout-carte")
    assert legend["covered"] <= MAX_LEGEND_SHARE, legend
    assert legend["seen"], legend
    assert scroll == {"page": 0, "main": 0}
