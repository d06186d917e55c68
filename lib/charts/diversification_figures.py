"""Plotly figures of the Diversifier page, drawn from the frames of lib.data.diversification (the
builders return figures, never draw).

- the markets to explore: for each of the products most exposed to the partner, its countries
  with the largest untapped value, ranked bars in M€, one small panel per product (two columns
  wide, one on a phone);
- the world map of the untapped value summed over those products (lib.charts.world);
- the nearby activities: density (0–100) against France's exports (log scale), coloured by the
  growth of those exports;
- the comparable territories: their similarity, ranked bars (lib.charts.kit's bars, as on the
  Exposition page).

The conventions of lib.charts.kit: numbers in French (lib.core.formatting), names through
lib.core.escaping.plotly_text, the value axis hidden where each bar carries its value.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from lib.charts import kit, world
from lib.charts.kit import MILLION, Bars, bar_figure, bar_look
from lib.core import refs
from lib.core.escaping import plotly_text
from lib.core.flows import EXPORT
from lib.core.formatting import meur, number, pct
from lib.core.theme import (
    BLUE_FRANCE,
    GREEN_RAMP,
    NEGATIVE_RED,
    OTHERS_GREY,
    POSITIVE_GREEN,
    TEXT_GREY,
)

UNTAPPED_LABEL = "Potentiel non exploité"
SMALLEST_SHOWN_EUR = 50_000  # rounds to 0,1 M€
GROWTH_UNKNOWN = "non calculable"

# ---------------------------------------------------------------------------------------------
# The markets to explore, one panel per product


@dataclass(frozen=True)
class _PanelLook:
    columns: int
    name_limit: int  # characters of a country name on its axis (whole in the hover)
    title_width: int  # characters of a line of a product's name over its panel (two at most)
    bar_px: int  # one country's row
    line_px: int  # a line of the product's name above its bars
    gap_px: int  # between two rows of panels
    column_gap: float  # of the width, between two columns: room for the right one's names
    text_size: int
    padding: float  # the value axis over the longest bar: room for its value
    # The names' margin in px, the titles starting at its left edge (a phone: the title has the
    # whole width); None: as wide as the names need, the titles over the bars.
    names_px: int | None


_WIDE_PANELS = _PanelLook(2, 22, 62, 24, 16, 26, 0.2, 12, 1.45, None)
_NARROW_PANELS = _PanelLook(1, 16, 44, 24, 16, 22, 0.0, 11, 1.6, 104)
TITLE_LINES = 2


def title_lines(name: str, width: int) -> list[str]:
    """A product's name on at most TITLE_LINES lines of `width` characters (the last one
    shortened when the name is longer)."""
    lines = textwrap.wrap(name, width) or [name]
    if len(lines) > TITLE_LINES:
        rest = " ".join(lines[TITLE_LINES - 1 :])
        lines = [*lines[: TITLE_LINES - 1], kit.shorten(rest, width)]
    return lines


def _growth(value: object) -> str:
    amount = float(value) if isinstance(value, int | float) else math.nan
    return GROWTH_UNKNOWN if math.isnan(amount) else pct(amount, signed=True)


def _market_hover(row: dict[str, Any], product: str) -> str:
    return (
        f"<b>{plotly_text(refs.country_name(row['country']))}</b> — {plotly_text(product)}"
        f"<br>{UNTAPPED_LABEL} : {meur(row['untapped_eur'])}"
        f"<br>Exportations attendues : {meur(row['expected_eur'])}"
        f"<br>Exportations du territoire : {meur(row['territory_exports_eur'])}"
        f"<br>Exportations de la France : {meur(row['france_exports_eur'])}"
        f"<br>Croissance annuelle de la France (3 ans) : {_growth(row['france_growth_pct'])}"
    )


def _panel_domains(
    count: int, title_px: int, look: _PanelLook
) -> tuple[list[tuple[float, float]], int]:
    """Each panel's vertical domain (paper fraction: bottom, top) and the plot's height in px:
    a title band of `title_px`, then five rows of bars, per panel."""
    rows = math.ceil(count / look.columns)
    panel_px = title_px + 5 * look.bar_px
    height = rows * panel_px + (rows - 1) * look.gap_px
    domains = []
    for index in range(count):
        top = (index // look.columns) * (panel_px + look.gap_px) + title_px
        bottom = top + 5 * look.bar_px
        domains.append((1 - bottom / height, 1 - top / height))
    return domains, height


def _column_domain(index: int, look: _PanelLook) -> tuple[float, float]:
    if look.columns == 1:
        return (0.0, 1.0)
    width = (1 - look.column_gap) / 2
    start = (index % 2) * (width + look.column_gap)
    return (start, start + width)


def markets_figure(top: pd.DataFrame, narrow: bool = False) -> go.Figure:
    """For each product of `top` (lib.data.diversification.top_markets: the five countries with the
    largest untapped value per product, in the order of its rows), its countries as ranked
    bars in M€, each panel on its own scale (the values are written)."""
    products = list(dict.fromkeys(top["product"]))
    if not products:
        return kit.empty_figure()
    look = _NARROW_PANELS if narrow else _WIDE_PANELS
    names = {product: refs.product_name(product) for product in products}
    lines = {product: title_lines(name, look.title_width) for product, name in names.items()}
    title_px = 10 + look.line_px * max(len(title) for title in lines.values())
    domains, plot_height = _panel_domains(len(products), title_px, look)
    traces: list[dict[str, object]] = []
    layout: dict[str, object] = {}
    titles: list[dict[str, object]] = []
    for index, product in enumerate(products):
        rows = top[top["product"] == product].to_dict("records")
        name = names[product]
        suffix = "" if index == 0 else str(index + 1)
        values = [float(row["untapped_eur"]) / MILLION for row in rows]
        traces.append(
            {
                "type": "bar",
                "orientation": "h",
                "x": values,
                "y": list(range(len(rows))),
                "xaxis": f"x{suffix}",
                "yaxis": f"y{suffix}",
                "marker": {"color": EXPORT.color},
                "text": [meur(row["untapped_eur"]) for row in rows],
                "textposition": "outside",
                "cliponaxis": False,
                "textfont": {"size": look.text_size, "color": TEXT_GREY},
                "customdata": [_market_hover(row, name) for row in rows],
                "hovertemplate": "%{customdata}<extra></extra>",
            }
        )
        across = _column_domain(index, look)
        layout[f"xaxis{suffix}"] = {
            "domain": list(across),
            "anchor": f"y{suffix}",
            "visible": False,
            "fixedrange": True,
            "range": [0, max(values, default=0) * look.padding or 1],
        }
        countries = [refs.country_name(row["country"]) for row in rows]
        layout[f"yaxis{suffix}"] = {
            "domain": list(domains[index]),
            "anchor": f"x{suffix}",
            "range": [4.6, -0.6],  # five rows whatever the count: bars of one thickness
            "tickvals": list(range(len(rows))),
            "ticktext": [plotly_text(kit.shorten(c, look.name_limit)) for c in countries],
            "showgrid": False,
            "zeroline": False,
            "fixedrange": True,
            "automargin": look.names_px is None,
            "tickfont": {"size": look.text_size + 1},
        }
        titles.append(
            {
                "text": "<br>".join(f"<b>{plotly_text(line)}</b>" for line in lines[product]),
                "x": across[0],
                "xref": "paper",
                "xanchor": "left",
                "align": "left",
                "y": domains[index][1],
                "yref": "paper",
                "yanchor": "bottom",
                "yshift": 4,
                "xshift": -(look.names_px or 0),
                "showarrow": False,
                "font": {"size": look.text_size + 1, "color": BLUE_FRANCE},
            }
        )
    margin = {"t": 10, "b": 10, "l": 10 + (look.names_px or 0), "r": 10}
    return kit.styled_figure(
        traces,
        None,
        plot_height + margin["t"] + margin["b"],
        margin,
        showlegend=False,
        bargap=0.3,
        annotations=titles,
        **layout,
    )


# ---------------------------------------------------------------------------------------------
# The world map of the untapped value


def world_figure(by_country: pd.DataFrame, narrow: bool = False) -> go.Figure:
    """The untapped value summed over the products, by country (lib.data.diversification's
    untapped_by_country), on the world map; the others (the partner's members among them)
    light grey. `narrow`: a phone's height."""
    values = by_country.set_index("country")["untapped_eur"]
    return world.values_figure(values, GREEN_RAMP, UNTAPPED_LABEL, narrow)


def world_legend(by_country: pd.DataFrame) -> str:
    """« Du plus clair au plus foncé : de 0,1 M€ à 123,4 M€ (échelle logarithmique)… »"""
    values = by_country.loc[by_country["untapped_eur"] > 0, "untapped_eur"]
    if values.empty:
        return "Aucun pays où le territoire vend moins que son poids ne le laisserait attendre."
    # The smallest gap may round to « 0,0 M€ », which would read as none.
    low = meur(values.min()) if values.min() >= SMALLEST_SHOWN_EUR else "moins de 0,1\u00a0M€"
    return (
        f"Du plus clair au plus foncé : de {low} à {meur(values.max())} "
        "(échelle logarithmique) ; en gris, les pays sans potentiel non exploité et ceux du "
        "partenaire."
    )


# ---------------------------------------------------------------------------------------------
# The nearby activities


def _growth_color(value: object) -> str:
    amount = float(value) if isinstance(value, int | float) else math.nan
    if math.isnan(amount):
        return OTHERS_GREY
    return POSITIVE_GREEN if amount >= 0 else NEGATIVE_RED


def log_ticks(values: list[float]) -> tuple[list[float], list[str]]:
    """Ticks (M€) spanning `values`, written in French: 1, 2 and 5 times the powers of ten
    over three decades or less, the powers alone beyond."""
    low = math.floor(math.log10(min(values)))
    high = math.ceil(math.log10(max(values)))
    steps = (1, 2, 5) if high - low <= 3 else (1,)
    ticks = [
        step * 10.0**power
        for power in range(low, high + 1)
        for step in steps
        if min(values) / 2 <= step * 10.0**power <= max(values) * 2
    ]
    return ticks, [number(tick, max(0, -math.floor(math.log10(tick)))) for tick in ticks]


def density_figure(context: pd.DataFrame, narrow: bool = False) -> go.Figure:
    """Each nearby activity (lib.data.diversification.diversification_context): its density (0 to
    100, up) against France's exports of it (M€, logarithmic, across); green when those exports
    grew over three years, red when they fell, grey when the growth cannot be computed. The
    products France does not export cannot be placed on a logarithmic axis: they are left
    out (the table keeps them)."""
    shown = context[context["france_exports_eur"] > 0]
    if shown.empty:
        return kit.empty_figure()
    names = [refs.product_name(code) for code in shown["product"]]
    exports = [float(value) / MILLION for value in shown["france_exports_eur"]]
    ticks, labels = log_ticks(exports)
    hovers = [
        f"<b>{plotly_text(name)}</b><br>Densité : {number(density)}"
        f"<br>Exportations de la France : {meur(france)}"
        f"<br>Croissance annuelle de la France (3 ans) : {_growth(growth)}"
        for name, density, france, growth in zip(
            names,
            shown["density"],
            shown["france_exports_eur"],
            shown["france_growth_pct"],
            strict=True,
        )
    ]
    trace: dict[str, object] = {
        "type": "scatter",
        "mode": "markers",
        "x": exports,
        "y": [float(value) for value in shown["density"]],
        "marker": {
            "color": [_growth_color(value) for value in shown["france_growth_pct"]],
            "size": 8 if narrow else 10,
            "opacity": 0.8,
            "line": {"color": "white", "width": 1},
        },
        "customdata": hovers,
        "hovertemplate": "%{customdata}<extra></extra>",
    }
    axis_font = {"size": 11 if narrow else 12}
    return kit.styled_figure(
        [trace],
        None,
        380 if narrow else 440,
        {"t": 10, "b": 70 if narrow else 50, "l": 50, "r": 10},
        showlegend=False,
        xaxis={
            "type": "log",
            # On a phone the title takes two lines rather than run off the chart.
            "title": {
                "text": f"Exportations de la France{'<br>' if narrow else ' '}"
                "(M€, échelle logarithmique)"
            },
            "tickvals": ticks,
            "ticktext": labels,
            "tickfont": axis_font,
            "gridcolor": "#EEEEEE",
            "fixedrange": True,
        },
        yaxis={
            "title": {"text": "Densité (0 à 100)"},
            "range": [-4, 104],  # 0 and 100 drawn whole
            "tickvals": [0, 20, 40, 60, 80, 100],
            "tickfont": axis_font,
            "gridcolor": "#EEEEEE",
            "zeroline": False,
            "fixedrange": True,
        },
    )


def density_legend() -> str:
    return (
        "Chaque point est un produit où le territoire n'est pas spécialisé. En vert, les "
        "exportations françaises du produit ont crû sur les trois dernières années ; en rouge, "
        "elles ont baissé ; en gris, la croissance n'est pas calculable."
    )


# ---------------------------------------------------------------------------------------------
# The comparable territories


def similar_figure(similar: pd.DataFrame, narrow: bool = False) -> go.Figure:
    """The territories whose exports are spread over products most like the territory's
    (lib.data.diversification.similar_territories), by their similarity (0 to 1)."""
    if similar.empty:
        return kit.empty_figure()
    names = [
        f"{name} ({code})" for code, name in zip(similar["code"], similar["name"], strict=True)
    ]
    values = [float(value) for value in similar["similarity"]]
    bars = Bars(
        names=names,
        values=values,
        texts=[number(value, 2) for value in values],
        hovers=[
            f"<b>{plotly_text(name)}</b><br>Similarité : {number(value, 3)}"
            for name, value in zip(names, values, strict=True)
        ],
        colors=[BLUE_FRANCE] * len(names),
    )
    return bar_figure(bars, bar_look(narrow))
