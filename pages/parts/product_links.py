"""Links from the fiche's product names to the Produit page: a link column beside the products
of its tables (the treemap's boxes are links themselves: lib/fiche/cached_charts.treemap_html;
the Sankeys' nodes are not)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import pandas as pd

from lib.core import refs
from lib.core.flows import Flow
from lib.core.states import FicheState, ProductState
from lib.core.territory import Territory
from lib.web import urlstate

COLUMN = "Page du produit"


def product_state(state: FicheState, product: str, flux: str) -> ProductState:
    """The Produit page of `product` in the fiche's year, showing the fiche's territory."""
    return ProductState(product, state.year, flux, state.territory)


def links(products: Iterable[str], flows: Iterable[str], state: FicheState) -> list[str | None]:
    """The Produit page of each A129 product (none for « Autres » or a country). Each address
    is made once: a Sankey's table names each of its products once per partner."""
    pairs = [(str(code), flux) for code, flux in zip(products, flows, strict=True)]
    made = {
        (code, flux): urlstate.product_url(product_state(state, code, flux))
        if refs.is_product(code)
        else None
        for code, flux in set(pairs)
    }
    return [made[pair] for pair in pairs]


def cpf4_links(codes: Iterable[str], flows: Iterable[str], state: FicheState) -> list[str]:
    """The Produit page of each CPF4 code of the dataset (the fiche's detail table)."""
    return [
        urlstate.product_url(product_state(state, str(code), flux))
        for code, flux in zip(codes, flows, strict=True)
    ]


def sankey_links(
    table: pd.DataFrame, flow: Flow, state: FicheState, territory: Territory | None = None
) -> dict[str, list[str | None]]:
    """The `links` of a Sankey's table (queries.sankey): its products' column (the sources of
    the exports, the targets of the imports) linked to their Produit pages, showing `territory`
    (by default the fiche's)."""
    column = "source" if flow.sankey_ends[0] == "product" else "target"
    shown = replace(state, territory=territory or state.territory)
    return {COLUMN: links(table[column], [flow.name] * len(table), shown)}
