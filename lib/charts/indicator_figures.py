"""The fiche's « Situer le territoire » chart: the strongest specialisations (Balassa index).

Horizontal bars, one per product (largest index on top), its index written beside the bar in
French, and a dashed line at 1, where a product weighs as much in the territory's exports as in
France's. Names come from the reference or the customs' label files: they go through
lib.core.escaping.plotly_text. Two looks, as the partners' chart: the wide one names the
products on the axis, wrapped; the narrow one (a phone) writes each name on one line above its
bar, shortened (whole in the hover), so that the bars keep the width.
"""

from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go

from lib.charts.kit import empty_figure, styled_figure
from lib.core import refs
from lib.core.escaping import plotly_text
from lib.core.flows import EXPORT
from lib.core.formatting import number, share
from lib.core.theme import GRID_GREY, TEXT_GREY

REFERENCE_NOTE = "1 = poids identique en France"
AXIS_TITLE = "indice de spécialisation (Balassa)"
WIDE_WRAP = 34  # characters per line of a product name on the axis
NARROW_NAME_LIMIT = 56  # characters of a name above its bar (one line of a phone's width)
ROW_HEIGHT = 56  # px per bar (room for a name on two or three lines, or above the bar)
_HOVER = (
    "<b>%{customdata[0]}</b><br>Indice : %{customdata[1]}<br>Part dans les exportations du "
    "territoire : %{customdata[2]}<br>Part dans les exportations de la France : "
    "%{customdata[3]}<extra></extra>"
)


def product_label(code: str, width: int) -> str:
    """The product's name on lines of at most `width` characters, safe for Plotly."""
    lines = textwrap.wrap(refs.product_name(code), width) or [code]
    return "<br>".join(plotly_text(line) for line in lines)


def short_name(code: str) -> str:
    """The product's name on one line, cut after a whole word when too long."""
    return textwrap.shorten(refs.product_name(code), NARROW_NAME_LIMIT, placeholder=" …")


def _names_above(codes: list[str]) -> list[dict[str, object]]:
    """The narrow look's names: one line each, just above its bar, from the left edge."""
    return [
        {
            "text": plotly_text(short_name(code)),
            "x": 0,
            "xref": "paper",
            "xanchor": "left",
            "y": row - 0.3,
            "yref": "y",
            "yanchor": "bottom",
            "showarrow": False,
            "font": {"size": 11, "color": TEXT_GREY},
            "bgcolor": "white",  # over the line at 1, which would cross the first letters
        }
        for row, code in enumerate(codes)
    ]


def rca_text(rca: float) -> str:
    """An index as read beside its bar: « 44,6 », « 1,0 »."""
    return number(rca, 1)


def _reference_line() -> dict[str, object]:
    return {
        "type": "line",
        "x0": 1,
        "x1": 1,
        "xref": "x",
        "y0": 0,
        "y1": 1,
        "yref": "paper",
        "line": {"color": TEXT_GREY, "width": 1.5, "dash": "dash"},
    }


def _reference_note() -> dict[str, object]:
    return {
        "text": REFERENCE_NOTE,
        "x": 1,
        "xref": "x",
        "xanchor": "left",
        "xshift": 4,
        "y": 1,
        "yref": "paper",
        "yanchor": "bottom",
        "showarrow": False,
        "font": {"size": 11, "color": TEXT_GREY},
    }


def _bar(codes: list[str], values: list[float], top: pd.DataFrame) -> dict[str, object]:
    """One bar per product, its index beside it, names and shares in the hover."""
    customdata = [
        [plotly_text(refs.product_name(code)), rca_text(rca), share(own), share(france)]
        for code, rca, own, france in zip(
            codes, values, top["share_pct"], top["france_share_pct"], strict=True
        )
    ]
    return {
        "type": "bar",
        "orientation": "h",
        "x": values,
        "y": list(range(len(codes))),
        "marker": {"color": EXPORT.color},
        "text": [rca_text(v) for v in values],
        "textposition": "outside",
        "cliponaxis": False,
        "textfont": {"size": 12, "color": TEXT_GREY},
        "customdata": customdata,
        "hovertemplate": _HOVER,
    }


def specialisation_figure(
    top: pd.DataFrame, title: str | None = None, narrow: bool = False
) -> go.Figure:
    """Bars of the Balassa index of `top` (indicators.strongest: product, share_pct,
    france_share_pct, rca), in its order from the top down."""
    if top.empty:
        return empty_figure(title)
    codes = [str(code) for code in top["product"]]
    values = [float(v) for v in top["rca"]]
    labels = (
        {"showticklabels": False}
        if narrow
        else {"ticktext": [product_label(code, WIDE_WRAP) for code in codes]}
    )
    names = _names_above(codes) if narrow else []
    return styled_figure(
        [_bar(codes, values, top)],
        title,
        90 + ROW_HEIGHT * len(codes),
        {"r": 40, "b": 50, "t": 40, **({"l": 10} if narrow else {})},
        bargap=0.5 if narrow else 0.35,
        showlegend=False,
        shapes=[_reference_line()],
        annotations=[_reference_note(), *names],
        xaxis={
            "title": {"text": AXIS_TITLE},
            "range": [0, max(*values, 1.0) * 1.18],
            "gridcolor": GRID_GREY,
            "fixedrange": True,
            "rangemode": "tozero",
        },
        yaxis={
            "autorange": "reversed",
            "fixedrange": True,
            "automargin": True,
            "tickvals": list(range(len(codes))),
            **labels,
        },
    )
