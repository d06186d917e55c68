"""The fiche's sections on demand (issue 18), as a person uses them: the first screen, a click on
a section's title, a change of year and a step of top N with the section open, a shared link, a
click to close.

Expected numbers are the published fiche's (shared/reference/published_totals_2024.csv),
written out here.
"""

from __future__ import annotations

import re

from tests.e2e.conftest import screenshot
from tests.e2e.test_explorer import (
    NB,
    _text,
    sankey_node_counts,
    slide_top_down,
    wait_for_app,
)

FICHE = "/fiche?niveau=departement&code=53&annee=2024&top=10&flux=tous"
EXPORT_SECTION = "Flux à l'export"
SANKEY_TITLE = "Flux à l'export par produit et par pays, Mayenne"


def _section_title(page, title: str):
    """The clickable title of a section (its expander's summary), not a heading inside it."""
    return page.locator("[data-testid='stExpander'] summary", has_text=title)


def _charts(page) -> tuple[int, int]:
    """The HTML charts (lib/charts/kit.HtmlChart) and the Plotly charts in the page."""
    return page.locator(".comext-chart").count(), page.locator(".js-plotly-plot").count()


def test_the_first_screen_then_a_section_opened_kept_and_closed(page, app_url: str) -> None:
    page.goto(app_url + FICHE)
    wait_for_app(page)
    page.get_by_text(_text(f"1{NB}773,5{NB}M€")).first.wait_for()  # the key figures
    page.locator(".st-key-csv-partners").wait_for()  # the partners chart and its data
    # st.html's element is a chunk of Streamlit's JavaScript loaded when first needed, so on a
    # busy machine its content can come after the elements that follow it (the CSV's buttons):
    # the chart itself is waited for before the page's charts are counted.
    page.locator(".comext-chart").first.wait_for()
    assert page.get_by_text(SANKEY_TITLE).count() == 0  # closed sections: not computed
    # The partners chart, in HTML, in the one look its width takes (width.js); no Plotly chart.
    assert _charts(page) == (1, 0)
    screenshot(page, "fiche-sections-premier-ecran")

    _section_title(page, EXPORT_SECTION).click()
    page.wait_for_url(re.compile(r"section=flux-export"), timeout=30_000)
    page.get_by_text(SANKEY_TITLE).first.wait_for()
    # Mayenne's, Pays de la Loire's, France's, each with its nodes (in the DOM: a Sankey off
    # the screen is laid out only when near it, content-visibility: auto).
    page.wait_for_function(
        "() => { const n = Array.from(document.querySelectorAll('.cb-sankey'))"
        "  .map(s => s.querySelectorAll('.cb-sk-node').length);"
        "  return n.length === 3 && n.every(count => count > 0); }"
    )
    assert len(sankey_node_counts(page)) == 3
    assert page.get_by_text("Flux à l'import par pays et par produit").count() == 0
    screenshot(page, "fiche-sections-flux-export")

    # Another year: the section stays open, drawn for that year.
    page.get_by_role("combobox", name=re.compile("Année")).click()
    page.keyboard.type("2023")
    page.get_by_role("option", name="2023", exact=True).click()
    page.wait_for_url(re.compile(r"annee=2023.*section=flux-export"), timeout=30_000)
    wait_for_app(page)
    page.get_by_text(
        "Flux à l'export par produit et par pays, Mayenne (en valeur, 2023)"
    ).wait_for()

    # Top N moved with the section open: its three Sankeys follow (N products, N countries and
    # the two « Autres »), the section opened by a click stays open.
    slide_top_down(page, 5, 5)
    wait_for_app(page)
    page.wait_for_function(
        "() => { const n = Array.from(document.querySelectorAll('.cb-sankey'))"
        "  .map(s => s.querySelectorAll('.cb-sk-node').length);"
        "  return n.length === 3 && n.every(count => count <= 12); }"
    )
    assert "section=flux-export" in page.url
    screenshot(page, "fiche-sections-flux-export-top5")

    _section_title(page, EXPORT_SECTION).click()  # closed again: gone from the URL
    page.wait_for_function("() => !location.search.includes('section=')", timeout=30_000)
    wait_for_app(page)
    assert page.get_by_text(SANKEY_TITLE).count() == 0


def test_a_shared_link_opens_on_its_sections(page, app_url: str) -> None:
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(app_url + FICHE + "&section=monde,contexte")
    wait_for_app(page)
    page.locator(".js-plotly-plot .choropleth path").first.wait_for()
    # Drawn without asking the server for plotly.js's base map: .streamlit/geo_assets.js gave
    # it first (the map waited for that round trip).
    assert page.locator(".js-plotly-plot .choropleth path").count() > 200  # every country
    assert not [url for url in asked if "world_110m" in url]
    page.get_by_text("Informations pratiques").first.wait_for()
    assert page.get_by_text(SANKEY_TITLE).count() == 0
    assert "section=monde" in page.url.replace("%2C", ",")
