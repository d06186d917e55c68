"""The world map: every country of geo/countries.geojson coloured by a value (the builders
return figures, never draw).

A Plotly choropleth (`featureidkey` on the ISO alpha-2 code) with no base layers of plotly.js.
Two pages draw it: the fiche (a territory's partners by value, `partners_figure`, a click
opening the Pays page) and the Diversifier (the untapped value, `values_figure`).

The figure names its geometry by its address (config.WORLD_GEOJSON_URL, a copy of the file in
static/ that Streamlit serves) instead of carrying it: plotly.js fetches a trace's `geojson`
given as a URL once per page and keeps it (window.PlotlyGeoAssets). Carried in the figure, the
270 kB of coordinates were serialised to JSON by the server (three passes of plotly's encoder)
and sent, parsed and themed by the browser at every draw of every map, for the same shapes.
On the fiche and the Diversifier, whose map is a section on demand, .streamlit/plotly_prefetch.js
fetches them while the first screen is read, so that the section opened finds them there
(docs/PERFORMANCE.md, « The world's shapes fetched once »). The country codes are still read
from the file here (`codes`).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lib.charts import kit
from lib.core import refs
from lib.core.config import GEO_DIR, WORLD_GEOJSON_URL
from lib.core.escaping import plotly_text
from lib.core.flows import flow_of
from lib.core.formatting import meur
from lib.core.theme import FONT_FAMILY, TEXT_GREY, mix

WORLD_FILE = "countries.geojson"
NO_TRADE_COLOR = "#EEEEEE"
WORLD_HEIGHT = 440
# On a phone (the narrow look): the map keeps its proportions (about 2.3 : 1), so a chart some
# 300–500 px wide draws it 130–210 px tall; at WORLD_HEIGHT it floated in 300 px of white.
NARROW_WORLD_HEIGHT = 220


@cache
def geojson() -> dict[str, Any]:
    """geo/countries.geojson parsed (cached and shared: callers must not mutate it)."""
    with open(GEO_DIR / WORLD_FILE, encoding="utf-8") as handle:
        collection: dict[str, Any] = json.load(handle)
    return collection


@cache
def codes() -> frozenset[str]:
    return frozenset(f["properties"]["code"] for f in geojson()["features"])


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


def partners_figure(partners: pd.DataFrame, flow: str, narrow: bool = False) -> go.Figure:
    """Every country of geo/countries.geojson, the territory's partners (country_view's
    territory_partners) coloured by the flow's value, the others light grey. The colour follows
    the logarithm of the value (a few partners dominate); the hover gives the value in M€.
    One trace, whose geometry the browser fetches by its address. `narrow`: a phone's height."""
    chosen = flow_of(flow)
    values = partners.set_index("country")[f"{chosen.key}_eur"]
    return values_figure(values, chosen.ramp, chosen.title, narrow)


def values_figure(
    values_eur: pd.Series, ramp: tuple[str, str], label: str, narrow: bool = False
) -> go.Figure:
    """Every country of geo/countries.geojson coloured by its value in euros (`values_eur`,
    indexed by country code) on the `ramp` (light to dark), by its logarithm; the countries
    without a positive value light grey. The hover reads « <label> : 12,3 M€ ». `narrow`: the
    phone's height (NARROW_WORLD_HEIGHT), the same map."""
    locations = sorted(codes())
    values = values_eur.reindex(locations).fillna(0.0).astype("float64")
    names = [refs.country_name(code) for code in locations]
    fig = go.Figure(
        go.Choropleth(
            geojson=WORLD_GEOJSON_URL,
            featureidkey="properties.code",
            locations=locations,
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
        height=NARROW_WORLD_HEIGHT if narrow else WORLD_HEIGHT,
        margin={"t": 10, "b": 10, "l": 0, "r": 0},
        paper_bgcolor="white",
        dragmode=False,
    )
    return fig


def legend(partners: pd.DataFrame, flow: str) -> str:
    """« Du plus clair au plus foncé : de 0,1 M€ à 12 345,6 M€ (échelle logarithmique). »"""
    column = f"{flow_of(flow).key}_eur"
    values = partners.loc[partners[column] > 0, column]
    if values.empty:
        return "Aucun pays partenaire pour ce flux."
    return (
        f"Du plus clair au plus foncé : de {meur(values.min())} à {meur(values.max())} "
        "(échelle logarithmique) ; en gris, les pays sans échange."
    )
