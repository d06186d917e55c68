"""Figures of the Produit page, drawn from the frames of lib.data.product_view: its map of the
départements (lib.charts.choropleth's choropleth with its own metric and tooltip), the bars of
its first départements and partner countries (lib.charts.kit's horizontal bars, wide and
narrow looks), its evolution year by year.

Numbers in French (lib.core.formatting), names through lib.core.escaping.plotly_text; like
lib.charts.choropleth this module loads no database.
"""

from __future__ import annotations

from collections.abc import Mapping

import folium
import pandas as pd
import plotly.graph_objects as go

from lib.charts import choropleth, kit
from lib.charts.choropleth import Metric
from lib.charts.exposure_map import rank_text
from lib.charts.kit import MILLION, Bars
from lib.core import formatting
from lib.core.escaping import plotly_text
from lib.core.flows import FLOWS, Flow
from lib.core.formatting import meur, pct

TOP_DEPTS = 15  # départements drawn (the table and the CSV keep the 101)
TOP_PARTNERS = 10  # countries drawn (the table and the CSV keep them all)


# --- The map ---------------------------------------------------------------------------------


def value_metric(flow: Flow, product: str) -> Metric:
    """The colouring metric: the flow's value of the product (legend: « Exportations de … »)."""
    return Metric("product_value", f"{flow.title} : {product}", "value_eur", meur, flow.ramp)


def tooltip_metrics(flow: Flow, count: int) -> list[Metric]:
    """Value, share of France, rank among the `count` départements."""
    return [
        Metric("product_value", flow.title, "value_eur", meur),
        Metric("product_share", "Part de la France", "share_pct", formatting.share),
        Metric("product_rank", "Rang", "rank", lambda r: rank_text(r, count)),
    ]


def product_choropleth(
    by_dept: pd.DataFrame,
    flow: Flow,
    product: str,
    selected: str | None = None,
    period: str | None = None,
) -> folium.Map:
    """Every département by the product's value in the flow (by_dept: product_view.by_dept),
    `selected` outlined."""
    return choropleth.choropleth(
        by_dept,
        value_metric(flow, product),
        selected=selected,
        period=period,
        tooltip=tooltip_metrics(flow, len(by_dept)),
    )


# --- Bars --------------------------------------------------------------------------------------


def _bars(names: list[str], values_eur: list[float], shares: list[float], flow: Flow) -> Bars:
    return Bars(
        names=names,
        values=[v / MILLION for v in values_eur],
        texts=[meur(v) for v in values_eur],
        hovers=[
            f"<b>{plotly_text(name)}</b><br>{flow.title} : {meur(value)}<br>"
            f"Part du total : {pct(share)}"
            for name, value, share in zip(names, values_eur, shares, strict=True)
        ],
        colors=[flow.color] * len(names),
    )


def _top_figure(rows: pd.DataFrame, names: list[str], flow: Flow, narrow: bool) -> go.Figure:
    if rows.empty:
        return kit.empty_figure()
    bars = _bars(names, list(rows["value_eur"]), list(rows["share_pct"]), flow)
    return kit.bar_figure(bars, kit.bar_look(narrow))


def top_depts(by_dept: pd.DataFrame, top: int = TOP_DEPTS) -> pd.DataFrame:
    """The `top` départements of largest positive value, largest first (then by code)."""
    traded = by_dept[by_dept["value_eur"] > 0]
    return traded.sort_values(["value_eur", "dept"], ascending=[False, True]).head(top)


def top_depts_figure(
    by_dept: pd.DataFrame, flow: Flow, top: int = TOP_DEPTS, narrow: bool = False
) -> go.Figure:
    """The product's first départements in the flow, in M€ (bars: value; hover: share)."""
    rows = top_depts(by_dept, top)
    names = [f"{name} ({code})" for code, name in zip(rows["dept"], rows["name"], strict=True)]
    return _top_figure(rows, names, flow, narrow)


def partners_figure(
    partners: pd.DataFrame, flow: Flow, top: int = TOP_PARTNERS, narrow: bool = False
) -> go.Figure:
    """The product's first partner countries in the flow (partners: product_view.partners,
    already largest first), in M€; negative totals (corrections) left out."""
    rows = partners[partners["value_eur"] > 0].head(top)
    return _top_figure(rows, [str(name) for name in rows["country_name"]], flow, narrow)


# --- Evolution ---------------------------------------------------------------------------------


def _flow_trace(
    rows: pd.DataFrame, column: str, flow: Flow, labels: Mapping[int, str]
) -> dict[str, object]:
    """One line per flow; partial years (labelled « 2025 (T1–T2) ») with hollow markers."""
    years = [int(year) for year in rows["year"]]
    partial = [labels.get(year, str(year)) != str(year) for year in years]
    values = [float(v) for v in rows[column]]
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "name": flow.title,
        "x": [labels.get(year, str(year)) for year in years],
        "y": [v / MILLION for v in values] if column.endswith("_eur") else values,
        "line": {"color": flow.color, "width": 3},
        "marker": {
            "color": ["white" if p else flow.color for p in partial],
            "line": {"color": flow.color, "width": 2},
            "size": 9,
        },
        "customdata": [meur(v) if column.endswith("_eur") else pct(v) for v in values],
        "hovertemplate": f"{flow.title} %{{x}} : %{{customdata}}<extra></extra>",
    }


def evolution_figure(
    evolution: pd.DataFrame, column: str, labels: Mapping[int, str], axis_title: str
) -> go.Figure:
    """Exports and imports of the product year by year (evolution: product_view.evolution);
    `column` is `france_eur`, `territory_eur` (in M€) or `share_pct` (in %); `labels` names
    each year as the dataset covers it (partial years drawn with hollow markers)."""
    if evolution.empty:
        return kit.empty_figure()
    data = [
        _flow_trace(evolution[evolution["flow"] == flow.name], column, flow, labels)
        for flow in FLOWS
    ]
    return kit.styled_figure(
        data,
        None,
        380,
        {"t": 30, "b": 40, "l": 60},
        legend={"orientation": "h", "y": 1.12, "x": 0},
        xaxis={"type": "category", "fixedrange": True},
        yaxis={
            "title": {"text": axis_title},
            "rangemode": "tozero",
            "fixedrange": True,
            "tickformat": ",~f",  # French separators: 50 000, 0,5
        },
        hovermode="x unified",
    )


# --- The fiche's treemap, clicked ------------------------------------------------------------


def treemap_product(node_id: str) -> tuple[str, str] | None:
    """(flow name, product code) of a box of lib.charts.fiche_figures.treemap_figure, from its id
    (`export/C2/C21Z`, or `export/C2/C21Z/2110` for a CPF4 code); None for a flow's or a
    group's box (and a product's undetailed rest, `…/C21Z/-`, is the product)."""
    parts = str(node_id).split("/")
    if len(parts) < 3:
        return None
    product = parts[3] if len(parts) > 3 and parts[3] != "-" else parts[2]
    return parts[0], product
