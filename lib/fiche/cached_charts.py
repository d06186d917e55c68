"""The fiche's charts, built once per dataset version and shared by every session (issue 18).

Each function reads its table through the cached queries (lib/data/queries.py,
lib/data/country_view.py) and builds its Plotly figure with the builders of
lib/charts/fiche_figures.py and lib/charts/world.py; `cache.cached_shared` keeps the figure for the
dataset version, so that the hundredth visitor of a fiche, or a rerun after a slider step, receives
the figure without building it again. The figures are shared: callers draw them and must not change
them.
"""

from __future__ import annotations

import plotly.graph_objects as go

from lib.charts import fiche_figures, product_figures, world
from lib.charts.kit import HtmlChart
from lib.charts.treemap_html import treemap_html as treemap_html_chart
from lib.core.flows import flow_of
from lib.core.states import FicheState, ProductState
from lib.core.territory import Territory
from lib.data import country_view, queries
from lib.data.cache import cached_shared
from lib.web import registry, urlstate


@cached_shared
def partners_html(territory: Territory, year: int, top: int, narrow: bool = False) -> HtmlChart:
    """The butterfly chart of the top partners (wide, or narrow for a phone), in HTML: the
    fiche's first screen draws it without plotly.js (the document builds its Plotly figure,
    lib/fiche/contents.py)."""
    return fiche_figures.partners_html(queries.partners(territory, year, top), narrow=narrow)


@cached_shared
def world_map(territory: Territory, year: int, flow: str, narrow: bool = False) -> go.Figure:
    """Every country, coloured by the territory's exports or imports (`flow`: export, import);
    its geometry is fetched by the browser (lib/charts/world.py). `narrow`: a phone's height."""
    return world.partners_figure(
        country_view.territory_partners(territory, year), flow, narrow=narrow
    )


@cached_shared
def sankey_html(territory: Territory, year: int, flow: str, top: int) -> HtmlChart:
    """The Sankey of one flow (`flow`: a flow code, E or I) for the top N products and
    countries, in HTML: a « Flux » section draws it without plotly.js (the document builds its
    Plotly figure, lib/fiche/contents.py)."""
    return fiche_figures.sankey_html(queries.sankey(territory, year, flow, top), flow_of(flow))


@cached_shared
def treemap_html(territory: Territory, year: int, flux: str, narrow: bool = False) -> HtmlChart:
    """The activities (A129) of the flows `flux` shows (export, import or tous), each with its
    CPF4 products to zoom to, in HTML (wide, or narrow for a phone): the fiche's « Principales
    activités » draws it without plotly.js (the document builds its Plotly figure,
    lib/fiche/contents.py). Each product's or CPF4 code's box links to its Produit page,
    showing the territory in that year."""
    state = FicheState(territory, year, flux=flux)
    nodes = fiche_figures.treemap_nodes(
        registry.fiche_products(state),
        [flow.name for flow in state.shown_flows],
        registry.fiche_product_details(state),
    )
    return treemap_html_chart(nodes, _product_links(nodes, territory, year), narrow=narrow)


def _product_links(
    nodes: list[fiche_figures.TreemapNode], territory: Territory, year: int
) -> dict[str, str]:
    """The Produit page of each box that is a product or a CPF4 code (product_figures: a
    product's undetailed rest is the product's)."""
    links = {}
    for node in nodes:
        product = product_figures.treemap_product(node.id)
        if product is not None:
            flux, code = product
            links[node.id] = urlstate.product_url(ProductState(code, year, flux, territory))
    return links
