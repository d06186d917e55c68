"""What the fiche and the map look like on a phone (375×812) and on a desktop (1400×1000).

Measured in the browser rather than judged by eye: no horizontal scroll; in the partners chart
no two texts overlap and none is cut at the chart's edge; no axis label is turned sideways; no
two node labels of a Sankey overlap, and the names a column shows can be told apart; the map's
legend covers at most a small part of the map and is seen whole; the overseas insets cover no
part of Brittany; the fiche's links to the other pages are seen whole; on a phone, the page
menu closes once a page is chosen. Screenshots of each page and size go to
tests/e2e/screenshots/.

COMEXT_LAYOUT_URL=http://host:port runs these checks against an app already running (another
version of the code, for instance) instead of the one the session starts.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from itertools import combinations

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
DROM_NAMES = ["Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte"]

# Every function below runs in the page: boxes are those of what is drawn (getBoundingClientRect:
# a hidden chart has none, and hidden parts of a text do not count).
# Plotly's charts and the HTML ones (the fiche's partners chart and Sankeys: kit.HtmlChart).
VISIBLE_PLOTS_JS = """() => [...document.querySelectorAll('.js-plotly-plot, .comext-chart')]
  .filter(p => p.getClientRects().length > 0)"""
HTML_CHART_TEXTS = ".cb-key, .cb-head, .cb-name, .cb-value, .cb-balance, .cb-ticks > span, .cb-axis"
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
    && plots.every(p => p.classList.contains('comext-chart')
                        || (p.querySelector('.main-svg')
                            && p.querySelector('.trace, .sankey-node')));
}}"""
# Every bar chart drawn (the partners chart, in HTML; the specialisations): its texts, none over
# another, none cut at the chart's edges.
BARS_JS = f"""() => ({VISIBLE_PLOTS_JS})()
  .filter(p => p.querySelector('.barlayer .trace, .cb-bar'))
  .map(plot => {{
    const html = plot.classList.contains('comext-chart');
    const svg = (html ? plot : plot.querySelector('.main-svg')).getBoundingClientRect();
    const texts = [...plot.querySelectorAll(html ? '{HTML_CHART_TEXTS}' : 'text')]
      .filter(t => t.textContent.trim());
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
# A Sankey drawn by plotly.js or in HTML (the fiche's: lib/charts/fiche_figures.sankey_html).
SANKEYS = ".sankey, .cb-sk-plot"
SANKEY_LABELS = ".node-label, .cb-sk-label"
SANKEY_JS = f"""() => ({VISIBLE_PLOTS_JS})()
  .filter(p => p.querySelector('{SANKEYS}'))
  .map(p => ({OVERLAPS_JS})([...p.querySelectorAll('{SANKEY_LABELS}')]))"""
# Each Sankey's node labels as the reader sees them (the other look's spans hidden by the CSS),
# by column: those left of the chart's middle, and the others.
SANKEY_LABELS_JS = f"""() => ({VISIBLE_PLOTS_JS})()
  .filter(p => p.querySelector('{SANKEYS}'))
  .map(p => {{
    const seen = n => n.nodeType === Node.TEXT_NODE ? n.textContent
      : getComputedStyle(n).display === 'none' ? '' : [...n.childNodes].map(seen).join('');
    const svg = (p.querySelector('.main-svg') || p).getBoundingClientRect();
    const labels = [...p.querySelectorAll('{SANKEY_LABELS}')].map(l => ({{
      text: seen(l), left: l.getBoundingClientRect().left < svg.left + svg.width / 2}}));
    return [labels.filter(l => l.left).map(l => l.text),
            labels.filter(l => !l.left).map(l => l.text)];
  }})"""
LEGEND_JS = """() => {
  const map = document.querySelector('.leaflet-container').getBoundingClientRect();
  const legend = document.querySelector('.comext-legend').getBoundingClientRect();
  const w = Math.max(0, Math.min(map.right, legend.right) - Math.max(map.left, legend.left));
  const h = Math.max(0, Math.min(map.bottom, legend.bottom) - Math.max(map.top, legend.top));
  return {covered: w * h / (map.width * map.height),
          seen: legend.top >= 0 && legend.bottom <= window.innerHeight
                && legend.left >= 0 && legend.right <= window.innerWidth};
}"""
# The map's overseas insets (frames and names) that are drawn, and Brittany's départements
# (région 53), as boxes on the screen; read from Leaflet's layers and the map's DOM.
INSETS_JS = """() => {
  const box = el => { const b = el.getBoundingClientRect();
                      return {left: b.left, right: b.right, top: b.top, bottom: b.bottom}; };
  const drawn = el => el.getClientRects().length > 0;
  const brittany = Object.values(window.map._layers)
    .filter(l => l.feature && l._path && l.feature.properties.region_code === '53'
                 && !String(l.feature.id).includes('encart'))
    .map(l => ({name: l.feature.properties.name, box: box(l._path)}));
  const frames = [...document.querySelectorAll('path.comext-wide-only, path.comext-narrow-only')]
    .filter(drawn).map(p => ({name: 'cadre', box: box(p)}));
  const text = el => { const range = document.createRange(); range.selectNodeContents(el);
                       return range; };  // the name's own box, not its 90 px wide icon's
  const names = [...document.querySelectorAll('.comext-inset-label')].filter(drawn)
    .map(l => ({name: l.textContent, box: box(text(l))}));
  return {brittany, insets: [...frames, ...names], names: names.map(n => n.name),
          map: box(document.querySelector('.leaflet-container'))};
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
    columns = [column for chart in page.evaluate(SANKEY_LABELS_JS) for column in chart]
    problems["Sankeys: names a reader cannot tell apart"] = [
        unclear for column in columns for unclear in unclear_names(column)
    ]
    narrow = page.size_name == "telephone"  # type: ignore[attr-defined]
    brackets = [label for column in columns for label in column if label.endswith(")")]
    assert bool(brackets) != narrow, brackets  # the phone reads the narrow look, not the wide
    assert [bar["partners"] for bar in bars].count(True) == 1  # the partners chart is checked
    assert not any(problems.values()), problems


def unclear_names(labels: list[str]) -> list[str]:
    """The names of one Sankey column (its labels without their value) a reader could take for
    another: the same name twice, or a cut name (« … ») that begins another one."""
    names = [label.rsplit(" ", 1)[0] for label in labels]  # the value's own spaces are NBSP
    unclear = [name for name in names if names.count(name) > 1]
    for name in {name for name in names if name.endswith("…")}:
        start = name.removesuffix("…")
        unclear += [other for other in names if other != name and other.startswith(start)]
    return unclear


def open_map(page, url: str):
    """The Carte page's map drawn (its frame)."""
    page.goto(url + "/")
    frame = page.wait_for_selector(MAP_FRAME).content_frame()
    frame.wait_for_function(
        "() => window.map && document.querySelectorAll('path.leaflet-interactive').length > 100"
        " && document.querySelector('.comext-legend')"
    )
    page.wait_for_timeout(1000)
    return frame


def overlapping(a: dict, b: dict) -> bool:
    return min(a["right"], b["right"]) - max(a["left"], b["left"]) > 0 and (
        min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 0
    )


def inside(box: dict, outer: dict) -> bool:
    return (
        box["left"] >= outer["left"]
        and box["right"] <= outer["right"]
        and box["top"] >= outer["top"]
        and box["bottom"] <= outer["bottom"]
    )


def test_map_legend_leaves_the_map_visible(sized_page, layout_url: str) -> None:
    page = sized_page
    frame = open_map(page, layout_url)
    legend = frame.evaluate(LEGEND_JS)
    scroll = page.evaluate(SCROLL_JS)
    whole_page_screenshot(page, "layout-carte")
    assert legend["covered"] <= MAX_LEGEND_SHARE, legend
    assert legend["seen"], legend
    assert scroll == {"page": 0, "main": 0}


def test_map_insets_leave_brittany_visible(sized_page, layout_url: str) -> None:
    """The five insets, frames and names, drawn whole inside the map, on none of Brittany's
    départements (on a phone the column's names reached its south coast), none on another."""
    page = sized_page
    seen = open_map(page, layout_url).evaluate(INSETS_JS)
    assert sorted(seen["names"]) == sorted(DROM_NAMES), seen["names"]
    assert len(seen["brittany"]) == 4, seen["brittany"]
    covered = [
        (inset["name"], part["name"])
        for inset in seen["insets"]
        for part in seen["brittany"]
        if overlapping(inset["box"], part["box"])
    ]
    assert not covered, covered
    outside = [i["name"] for i in seen["insets"] if not inside(i["box"], seen["map"])]
    assert not outside, outside
    names = [i for i in seen["insets"] if i["name"] != "cadre"]
    clashes = [
        (a["name"], b["name"]) for a, b in combinations(names, 2) if overlapping(a["box"], b["box"])
    ]
    assert not clashes, clashes


LINKS_JS = """() => [...document.querySelectorAll('[data-testid="stPageLink-NavLink"]')]
  .map(a => { const label = a.querySelector('[data-testid="stMarkdownContainer"]');
              const b = a.getBoundingClientRect();
              return {text: a.textContent, left: b.left, right: b.right,
                      cut: [label, label.parentElement, label.querySelector('p')]
                        .some(e => e && e.scrollWidth > e.clientWidth + 1)}; })"""


def test_fiche_links_to_other_pages_are_seen_whole(sized_page, layout_url: str) -> None:
    """The links at the end of the fiche wrap on a phone rather than end in « … »."""
    page = sized_page
    page.goto(layout_url + "/fiche?niveau=departement&code=94&annee=2024")
    page.wait_for_function(
        """() => document.querySelectorAll('[data-testid="stPageLink-NavLink"]').length >= 3
                 && document.querySelector('[data-testid="stApp"]')
                      .dataset.testScriptState === 'notRunning'"""
    )
    page.wait_for_timeout(500)
    links = page.evaluate(LINKS_JS)
    width = page.viewport_size["width"]
    assert any("Exposition" in link["text"] for link in links), links
    for link in links:
        assert link["left"] >= 0 and link["right"] <= width, link
        assert not link["cut"], link


def test_phone_menu_closes_after_a_choice(browser, layout_url: str) -> None:
    """On a phone the navigation is a panel over the page: choosing a page closes it (whatever
    the browser says it is: Streamlit closes it only for a « mobile » user agent)."""
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(layout_url + "/")
        page.wait_for_selector(MAP_FRAME)
        sidebar = page.locator('[data-testid="stSidebar"]')
        page.locator('[data-testid="stExpandSidebarButton"]').click()
        page.wait_for_function(SIDEBAR_OPEN_JS, arg=True)
        page.locator('[data-testid="stSidebarNavLink"]', has_text="Fiche territoire").click()
        page.wait_for_url("**/fiche**")
        page.wait_for_function(SIDEBAR_OPEN_JS, arg=False)
        assert sidebar.get_attribute("data-collapsed") == "true"
    finally:
        context.close()


SIDEBAR_OPEN_JS = """(open) => {
  const sidebar = document.querySelector('[data-testid="stSidebar"]');
  const box = sidebar.getBoundingClientRect();
  return (sidebar.dataset.collapsed === 'false' && box.right > 0) === open;
}"""


# The charts drawn in two looks (components.chart_with_data, a frame keyed `charts-<key>`): each
# frame's width (what .streamlit/layout.css measures against 560 px) and its looks, shown or not.
LOOKS_JS = """() => [...document.querySelectorAll('[class*="st-key-charts-"]')].map(frame => ({
  key: frame.className.match(/st-key-charts-([\\w-]+)/)[1],
  width: frame.getBoundingClientRect().width,
  looks: [...frame.querySelectorAll('.js-plotly-plot, .comext-chart')].map(p => ({
    look: p.closest('[class*="st-key-chart-"]').className.match(/st-key-chart-(wide|narrow)-/)[1],
    shown: p.checkVisibility()}))}))"""
# Window width → the looks the server sends (lib/charts/kit.look_for_window, read from the
# cookie of .streamlit/width.js): one where the window tells which, both near the threshold.
LOOKS_SENT = {375: ["narrow"], 559: ["narrow"], 600: ["wide", "narrow"], 640: ["wide"],
              1400: ["wide"]}  # fmt: skip


@pytest.mark.parametrize("width", list(LOOKS_SENT))
def test_a_chart_is_sent_in_the_look_its_width_takes(browser, layout_url: str, width: int) -> None:
    """The one look sent is the one the CSS would show at the chart's real width (the browser's
    layout, not the server's rule), for the partners chart as wide as the page and for the
    specialisations inside their section's expander (narrower); a phone draws each once."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(layout_url + "/fiche?niveau=departement&code=94&annee=2024&section=situer")
        for key in ("partners", "situation-balassa"):
            drawn = ":is(.main-svg, .comext-chart):visible"  # Plotly's, or HTML (partners)
            chart = page.locator(f"[class*='st-key-charts-{key}'] {drawn}").first
            chart.wait_for(timeout=60_000)
        page.wait_for_timeout(500)
        frames = page.evaluate(LOOKS_JS)
    finally:
        context.close()
    assert {frame["key"] for frame in frames} == {"partners", "situation-balassa"}
    for frame in frames:
        assert [chart["look"] for chart in frame["looks"]] == LOOKS_SENT[width], frame
        shown = [chart["look"] for chart in frame["looks"] if chart["shown"]]
        assert shown == ["narrow" if frame["width"] < 560 else "wide"], frame


# Window width → the world map's height (lib/charts/world.py): a phone's where the window is
# known to be narrow, the desktop's elsewhere (one figure for every width).
WORLD_HEIGHTS = {375: 220, 559: 220, 600: 440, 1400: 440}


@pytest.mark.parametrize("width", list(WORLD_HEIGHTS))
def test_the_world_map_takes_a_phone_s_height_on_a_phone(
    browser, layout_url: str, width: int
) -> None:
    """On a phone the map (about 2.3 : 1) no longer floats in 300 px of white: its chart is
    as tall as world.NARROW_WORLD_HEIGHT, the map itself within it; the desktop's is 440 px."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(layout_url + "/fiche?niveau=departement&code=94&annee=2024&section=monde")
        plot = page.locator("[class*='st-key-chart-world'] .js-plotly-plot").first
        page.locator("[class*='st-key-chart-world'] .choropleth path").first.wait_for(
            timeout=60_000
        )
        chart = plot.bounding_box()
        countries = page.evaluate(
            """() => {
              const paths = [...document.querySelectorAll(
                "[class*='st-key-chart-world'] .choropleth path")];
              const boxes = paths.map(p => p.getBoundingClientRect()).filter(b => b.width > 0);
              return {top: Math.min(...boxes.map(b => b.top)),
                      bottom: Math.max(...boxes.map(b => b.bottom))};
            }"""
        )
    finally:
        context.close()
    assert chart is not None and abs(chart["height"] - WORLD_HEIGHTS[width]) <= 2
    drawn = countries["bottom"] - countries["top"]
    assert drawn > 0.5 * (WORLD_HEIGHTS[width] - 20)  # the map fills its height, no big blank
    assert (
        chart["y"] - 1 <= countries["top"]
        and countries["bottom"] <= chart["y"] + chart["height"] + 1
    )
