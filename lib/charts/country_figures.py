"""The Pays page's figures and the fiche's world map (the builders return figures, never draw).

- the products traded with a country both ways: the fiche's butterfly bars
  (lib.charts.fiche_figures);
- France's trade with the country year by year: exports and imports bars, the balance line;
- the départements by trade with the country: lib.charts.choropleth's choropleth with its own
  metric;
- the world map of a territory's partners: a Plotly choropleth of geo/countries.geojson
  (`featureidkey` on the ISO alpha-2 code), no base layers, so that the browser fetches nothing.

Like lib.charts.choropleth, this module loads no database: the frames come from
lib.data.country_view.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from typing import Any

import folium
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lib.charts import choropleth, fiche_figures, kit
from lib.charts.choropleth import Metric
from lib.core import refs
from lib.core.config import GEO_DIR
from lib.core.escaping import plotly_text
from lib.core.flows import EXPORT, IMPORT, Flow, flow_of
from lib.core.formatting import meur
from lib.core.theme import FONT_FAMILY, GRID_GREY, TEXT_GREY, mix

TOP_PRODUCTS = 15
WORLD_FILE = "countries.geojson"
NO_TRADE_COLOR = "#EEEEEE"
WORLD_HEIGHT = 440


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


# ---------------------------------------------------------------------------------------------
# The world map


@cache
def world_geojson() -> dict[str, Any]:
    """geo/countries.geojson parsed (cached and shared: callers must not mutate it)."""
    with open(GEO_DIR / WORLD_FILE, encoding="utf-8") as handle:
        geojson: dict[str, Any] = json.load(handle)
    return geojson


@cache
def world_codes() -> frozenset[str]:
    return frozenset(f["properties"]["code"] for f in world_geojson()["features"])


# The world map's colour scale on z in [0, 1]: countries without the flow at 0 (grey), the
# partners from PARTNER_LOW (lightest) to 1 (darkest) by the logarithm of their value.
PARTNER_LOW = 0.1


def _colorscale(ramp: tuple[str, str]) -> list[list[object]]:
    light, dark = ramp
    steps = [PARTNER_LOW + (1 - PARTNER_LOW) * i / 4 for i in range(5)]
    grey = [[0.0, NO_TRADE_COLOR], [PARTNER_LOW / 2, NO_TRADE_COLOR]]
    return grey + [[step, mix(light, dark, i / 4)] for i, step in enumerate(steps)]


def _scaled(values: pd.Series) -> pd.Series:
    """Positive values → PARTNER_LOW…1 by their logarithm; others → 0."""
    positive = values.where(values > 0)
    logs = np.log10(positive)
    low, high = logs.min(), logs.max()
    spread = (logs - low) / (high - low) if high > low else logs * 0 + 1
    scaled: pd.Series = (PARTNER_LOW + (1 - PARTNER_LOW) * spread).fillna(0.0)
    return scaled


def world_figure(partners: pd.DataFrame, flow: str) -> go.Figure:
    """Every country of geo/countries.geojson, the territory's partners (country_view's
    territory_partners) coloured by the flow's value, the others light grey. The colour follows
    the logarithm of the value (a few partners dominate); the hover gives the value in M€.
    One trace: the geometry is sent to the browser once."""
    chosen = flow_of(flow)
    values = partners.set_index("country")[f"{chosen.key}_eur"]
    return world_values_figure(values, chosen.ramp, chosen.title)


def world_values_figure(values_eur: pd.Series, ramp: tuple[str, str], label: str) -> go.Figure:
    """Every country of geo/countries.geojson coloured by its value in euros (`values_eur`,
    indexed by country code) on the `ramp` (light to dark), by its logarithm; the countries
    without a positive value light grey. The hover reads « <label> : 12,3 M€ »."""
    codes = sorted(world_codes())
    values = values_eur.reindex(codes).fillna(0.0).astype("float64")
    names = [refs.country_name(code) for code in codes]
    fig = go.Figure(
        go.Choropleth(
            geojson=world_geojson(),
            featureidkey="properties.code",
            locations=codes,
            z=list(_scaled(values)),
            zmin=0.0,
            zmax=1.0,
            colorscale=_colorscale(ramp),
            showscale=False,
            marker={"line": {"color": "white", "width": 0.4}},
            customdata=[
                [plotly_text(name), meur(value) if value > 0 else "aucune"]
                for name, value in zip(names, values, strict=True)
            ],
            hovertemplate=f"<b>%{{customdata[0]}}</b><br>{label} : "
            "%{customdata[1]}<extra></extra>",
        )
    )
    fig.update_geos(
        visible=False,  # no base layers of plotly.js (it would fetch them): the file's shapes
        projection_type="natural earth",
        lataxis_range=[-58, 85],
        bgcolor="white",
    )
    fig.update_layout(
        font={"family": FONT_FAMILY, "size": 12, "color": TEXT_GREY},
        separators=kit.SEPARATORS,
        height=WORLD_HEIGHT,
        margin={"t": 10, "b": 10, "l": 0, "r": 0},
        paper_bgcolor="white",
        dragmode=False,
    )
    return fig


def world_legend(partners: pd.DataFrame, flow: str) -> str:
    """« Du plus clair au plus foncé : de 0,1 M€ à 12 345,6 M€ (échelle logarithmique). »"""
    column = f"{flow_of(flow).key}_eur"
    values = partners.loc[partners[column] > 0, column]
    if values.empty:
        return "Aucun pays partenaire pour ce flux."
    return (
        f"Du plus clair au plus foncé : de {meur(values.min())} à {meur(values.max())} "
        "(échelle logarithmique) ; en gris, les pays sans échange."
    )
