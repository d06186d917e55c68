"""The Pays page's figures (the builders return figures, never draw).

- the products traded with a country both ways: the fiche's butterfly bars
  (lib.charts.fiche_figures);
- France's trade with the country year by year: exports and imports bars, the balance line;
- the départements by trade with the country: lib.charts.choropleth's choropleth with its own
  metric.

The world map of a territory's partners is lib.charts.world's.

Like lib.charts.choropleth, this module loads no database: the frames come from
lib.data.country_view.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import folium
import pandas as pd
import plotly.graph_objects as go

from lib.charts import choropleth, fiche_figures, kit
from lib.charts.choropleth import Metric
from lib.core.flows import EXPORT, IMPORT, Flow, flow_of
from lib.core.formatting import meur
from lib.core.theme import FONT_FAMILY, GRID_GREY, TEXT_GREY

TOP_PRODUCTS = 15


# ---------------------------------------------------------------------------------------------
# Products both ways


def products_figure(products: pd.DataFrame, narrow: bool = False) -> go.Figure:
    """The TOP_PRODUCTS products of country_view.products as the fiche's partners bars:
    imports to the left, exports to the right, the balance beside."""
    top = products.head(TOP_PRODUCTS).rename(columns={"product_name": "country_name"})
    return fiche_figures.partners_figure(top, narrow=narrow)


# ---------------------------------------------------------------------------------------------
# Evolution


def evolution_figure(
    evolution: pd.DataFrame, labels: Sequence[str], narrow: bool = False
) -> go.Figure:
    """Exports and imports bars per year (M€), the balance as a line (country_view.evolution);
    `labels` name the years on the axis (« 2025 (T1–T2) » for a partial one)."""
    if evolution.empty:
        return kit.empty_figure()
    labels = list(labels)
    traces: list[Any] = [
        go.Bar(
            x=labels,
            y=evolution[f"{flow.key}_eur"] / kit.MILLION,
            name=flow.title,
            marker_color=flow.color,
            customdata=[meur(value) for value in evolution[f"{flow.key}_eur"]],
            hovertemplate=f"{flow.title} %{{x}} : %{{customdata}}<extra></extra>",
        )
        for flow in (EXPORT, IMPORT)
    ]
    traces.append(
        go.Scatter(
            x=labels,
            y=evolution["balance_eur"] / kit.MILLION,
            name="Solde",
            mode="lines+markers",
            line={"color": TEXT_GREY, "width": 2},
            customdata=[meur(value, signed=True) for value in evolution["balance_eur"]],
            hovertemplate="Solde %{x} : %{customdata}<extra></extra>",
        )
    )
    fig = go.Figure(traces)
    fig.update_layout(
        font={"family": FONT_FAMILY, "size": 12 if narrow else 13, "color": TEXT_GREY},
        separators=kit.SEPARATORS,
        paper_bgcolor="white",
        plot_bgcolor="white",
        barmode="group",
        height=320 if narrow else 400,
        margin={"t": 40, "b": 40, "l": 20, "r": 20},
        legend={"orientation": "h", "x": 0, "y": 1, "yanchor": "bottom"},
        yaxis={
            "title": {"text": "millions d'euros"},
            "tickformat": ",.0f",  # « 50 000 », not « 50k »
            "gridcolor": GRID_GREY,
            "fixedrange": True,
        },
        xaxis={"type": "category", "fixedrange": True},
    )
    return fig


# ---------------------------------------------------------------------------------------------
# The départements' map


def dept_metric(flow: Flow, country_name: str) -> Metric:
    """The map's colouring: the départements' exports to (imports from) the country."""
    towards = "vers" if flow is EXPORT else "depuis"
    return Metric(
        f"country_{flow.key}",
        f"{flow.title} {towards} le pays ({country_name})",
        f"{flow.key}_eur",
        meur,
        flow.ramp,
    )


TOOLTIP = [
    Metric("country_exports", "Exportations vers le pays", "exports_eur", meur),
    Metric("country_imports", "Importations depuis le pays", "imports_eur", meur),
    Metric("country_balance", "Solde avec le pays", "balance_eur", lambda v: meur(v, signed=True)),
]


def dept_choropleth(
    by_dept: pd.DataFrame, flow: str, country_name: str, period: str | None = None
) -> folium.Map:
    """Every département by its exports to (imports from) the country: country_view.by_dept."""
    return choropleth.choropleth(
        by_dept, dept_metric(flow_of(flow), country_name), period=period, tooltip=TOOLTIP
    )
