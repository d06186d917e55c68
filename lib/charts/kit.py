"""Every chart's toolkit: the project's look of a Plotly figure, the « no data » figure, round
ticks, names shortened, and the horizontal bars shared by several pages.

Every number the user reads (axis ticks, bar texts, annotations, hovers) is pre-formatted in
French by lib.core.formatting: Plotly's own number formatting (`1.2B`, `k`) is never shown. Names
and codes come from the data: they go into a figure through lib.core.escaping.plotly_text, so that
Plotly shows them as written and never reads a tag (`<a href>`…) in them.

Each figure is built in one go, `go.Figure(data=[...], layout={...})` from plain dicts and lists,
so that Plotly validates every property once: successive update_layout / add_annotation calls
would validate, copy and compare the whole figure again each time. The static parts of the
layouts and traces are module constants (Plotly copies them, it never modifies them).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from lib.core.escaping import plotly_text
from lib.core.formatting import number
from lib.core.theme import (
    BLUE_FRANCE,
    FONT_FAMILY,
    NEGATIVE_RED,
    POSITIVE_GREEN,
    TEXT_GREY,
)

SEPARATORS = ", "  # decimal comma, space as thousands separator

NO_DATA = "Aucune donnée"
OTHERS_LABEL = "Autres"
MILLION = 1e6

# ---------------------------------------------------------------------------------------------
# The project's look

BASE_LAYOUT: dict[str, object] = {
    "font": {"family": FONT_FAMILY, "size": 13, "color": TEXT_GREY},
    "paper_bgcolor": "white",
    "plot_bgcolor": "white",
    "separators": SEPARATORS,
    "hoverlabel": {"font": {"family": FONT_FAMILY, "size": 13}, "bgcolor": "white"},
}
TITLE_FONT = {"size": 17, "color": BLUE_FRANCE}


def styled_figure(
    data: list[dict[str, object]],
    title: str | None,
    height: int,
    margin: dict[str, int],
    **layout: object,
) -> go.Figure:
    """`data` and `layout` in the project's look: white background, Marianne, grey text, French
    separators."""
    fig = go.Figure(
        data=data,
        layout={
            **layout,
            **BASE_LAYOUT,
            "title": title_of(title),
            "height": height,
            "margin": {"t": 70 if title else 40, "b": 40, "l": 20, "r": 20, **margin},
        },
    )
    if not title:
        # Plotly drops an empty title at construction; the fiche's figures have always carried
        # one (`update_layout(title=None)` left it), so the figure's JSON stays the same. A new
        # dict each time: Plotly keeps this one as it is, so it must not be shared.
        fig.plotly_relayout({"title": {}})
    return fig


def title_of(title: str | None) -> dict[str, object] | None:
    """A figure's title in the project's look, left-aligned; None without a title."""
    if not title:
        return None
    return {"text": title, "x": 0, "xanchor": "left", "font": TITLE_FONT}


_NO_DATA_NOTE: dict[str, object] = {
    "text": NO_DATA,
    "x": 0.5,
    "y": 0.5,
    "xref": "paper",
    "yref": "paper",
    "showarrow": False,
    "font": {"size": 16, "color": TEXT_GREY},
}
_HIDDEN_AXIS = {"visible": False}


@dataclass(frozen=True)
class HtmlChart:
    """A chart the browser draws from HTML and CSS alone, without plotly.js (.streamlit/layout.css
    holds its classes). `markup` is shown with st.html, which sanitises it; every text in it is
    escaped by its builder. Its root is a `figure.comext-chart` whose `data-bars` (rows) and
    `data-signature` (its data, as text) let a test or the bench tell what it shows."""

    markup: str


def css_percent(value: float) -> str:
    """A percentage as an HTML chart's inline style writes it: « 12.345% »."""
    return f"{value:.3f}%"


def html_axis(
    ticks: Sequence[tuple[float, str, str]], rows: int, title: str, extra_lines: str = ""
) -> str:
    """An HTML bar chart's axis: a grid line behind its `rows` rows at each tick (value, place
    as a CSS percentage, text), the zero line darker, `extra_lines` among them, then the
    ticks' texts below and the axis title (grid rows 2 to rows + 3 of the chart's body)."""
    lines = "".join(
        f'<span class="cb-line{" cb-zero" if value == 0 else ""}" style="left:{at}"></span>'
        for value, at, _ in ticks
    )
    texts = "".join(f'<span style="left:{at}">{escape(text)}</span>' for _, at, text in ticks)
    return (
        f'<div class="cb-lines" style="grid-row:2 / span {rows}">{lines}{extra_lines}</div>'
        f'<div class="cb-ticks" style="grid-row:{rows + 2}">{texts}</div>'
        f'<div class="cb-axis" style="grid-row:{rows + 3}">{escape(title)}</div>'
    )


def empty_html() -> HtmlChart:
    """An HTML chart saying « Aucune donnée »."""
    return HtmlChart(
        '<figure class="comext-chart cb-empty" data-bars="0" data-signature="">'
        f"{escape(NO_DATA)}</figure>"
    )


def empty_figure(title: str | None = None) -> go.Figure:
    """A blank figure saying « Aucune donnée »."""
    return styled_figure(
        [], title, 240, {}, annotations=[_NO_DATA_NOTE], xaxis=_HIDDEN_AXIS, yaxis=_HIDDEN_AXIS
    )


def sign_color(value_eur: float) -> str:
    """Red for a deficit, green for a surplus, grey when it rounds to 0,0 M€."""
    rounded = round(value_eur / MILLION, 1)
    if rounded < 0:
        return NEGATIVE_RED
    return POSITIVE_GREEN if rounded > 0 else TEXT_GREY


# ---------------------------------------------------------------------------------------------
# Ticks and names


def nice_step(raw: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^k at least `raw` (> 0)."""
    magnitude = 10.0 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def decimals(step: float) -> int:
    """Decimals needed to print every multiple of `step` exactly (6 at most)."""
    return next((d for d in range(7) if round(step, d) == step), 6)


def _tick_values(low: float, high: float, count: int) -> tuple[list[float], int]:
    """The multiples of a round step (about `count` of them span low to high) inside the
    range, and the decimals that step needs."""
    step = nice_step((high - low) / count)
    first = math.ceil(low / step - 1e-9)
    values = [k * step for k in range(first, math.floor(high / step + 1e-9) + 1)]
    return values, decimals(step)


def symmetric_ticks(half_range: float, per_side: int = 5) -> tuple[list[float], list[str]]:
    """Ticks from −half_range to +half_range, labelled by their absolute value, about
    `per_side` on each side."""
    values, places = _tick_values(-half_range, half_range, 2 * per_side)
    return values, [number(abs(v), places) for v in values]


def round_ticks(low: float, high: float, count: int) -> tuple[list[float], list[str]]:
    """About `count` round ticks from low to high, labelled in French."""
    values, places = _tick_values(low, high, count)
    return values, [number(v, places) for v in values]


def value_range(values: Sequence[float], padding: float) -> list[float]:
    """A value axis from 0 (or the lowest value) to the highest value, times `padding`: room
    for the texts beside the bars. [0, 1] when every value is 0."""
    low, high = min(0.0, *values), max(0.0, *values)
    if low == high:
        return [0.0, 1.0]
    return [low * padding, high * padding]


@lru_cache(maxsize=4096)
def wrapped(text: str, width: int) -> str:
    """Long labels on lines of `width` characters (Plotly does not wrap), so that more of them
    fit a box."""
    return "<br>".join(textwrap.wrap(text, width)) or text


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, an ellipsis as the last one, when it is longer."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def columns(frame: pd.DataFrame, names: Sequence[str]) -> list[list[Any]]:
    """The frame's columns as Python lists: row loops over them are far cheaper than pandas."""
    return [frame[name].tolist() for name in names]


# ---------------------------------------------------------------------------------------------
# Horizontal bars, one row per product or territory, the value axis hidden (each bar carries its
# value), in two looks: the wide one, and a narrow one for a phone (shorter names, smaller texts,
# each name above its bar) that a page sends along (components.chart_with_data's `narrow`,
# .streamlit/layout.css picks one). Drawn by the Exposition, Produit and Diversifier pages.


@dataclass(frozen=True)
class BarLook:
    name_limit: int  # characters of a name (full in the hover)
    row_height: int  # px
    text_size: int
    padding: float  # axis extent over the longest bar: room for the value written beside it
    names_above: bool  # each name written above its bar (a phone: the bars keep the width)
    bargap: float


WIDE_BARS = BarLook(
    name_limit=58, row_height=32, text_size=12, padding=1.3, names_above=False, bargap=0.3
)
NARROW_BARS = BarLook(
    name_limit=46, row_height=46, text_size=10, padding=1.3, names_above=True, bargap=0.55
)


@dataclass(frozen=True)
class Bars:
    """What one chart draws, top row first."""

    names: list[str]
    values: list[float]
    texts: list[str]
    hovers: list[str]
    colors: list[str]


def bar_look(narrow: bool) -> BarLook:
    return NARROW_BARS if narrow else WIDE_BARS


def _names_above(names: list[str], look: BarLook) -> list[dict[str, object]]:
    """Each name over its bar, from the left edge of the plot."""
    return [
        {
            "text": plotly_text(shorten(name, look.name_limit)),
            "x": 0,
            "xref": "paper",
            "xanchor": "left",
            "y": row,
            "yref": "y",
            "yanchor": "bottom",
            "yshift": 12,  # clear of the bar (half its thickness, ~10 px)
            "showarrow": False,
            "font": {"size": look.text_size + 1, "color": TEXT_GREY},
        }
        for row, name in enumerate(names)
    ]


def bar_figure(
    bars: Bars,
    look: BarLook,
    extra: Sequence[dict[str, object]] = (),
    extent: Sequence[float] | None = None,
) -> go.Figure:
    """The bars from 0 (the axis hidden: each bar carries its value, but its range always
    holds 0, so that lengths compare), `extra` traces over them (drawn on the same rows), the
    axis wide enough for the `extent` values (default: the bars')."""
    rows = list(range(len(bars.names)))
    ticks = [] if look.names_above else bars.names
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": bars.values,
        "y": rows,
        "marker": {"color": bars.colors},
        "text": bars.texts,
        "textposition": "outside",
        "cliponaxis": False,
        "textfont": {"size": look.text_size, "color": TEXT_GREY},
        "customdata": bars.hovers,
        "hovertemplate": "%{customdata}<extra></extra>",
    }
    return styled_figure(
        [trace, *extra],
        None,
        30 + look.row_height * len(rows) + (14 if look.names_above else 0),
        {"t": 24 if look.names_above else 10, "b": 10, "l": 10, "r": 10},
        showlegend=False,
        bargap=look.bargap,
        barmode="overlay",
        annotations=_names_above(bars.names, look) if look.names_above else [],
        xaxis={
            "visible": False,
            "fixedrange": True,
            "range": value_range(bars.values if extent is None else extent, look.padding),
        },
        yaxis={
            "autorange": "reversed",
            "tickvals": rows if ticks else [],
            "ticktext": [plotly_text(shorten(n, look.name_limit)) for n in ticks],
            "showticklabels": not look.names_above,
            "showgrid": False,
            "fixedrange": True,
            "automargin": True,
            "tickfont": {"size": look.text_size + 1},
        },
    )


# ---------------------------------------------------------------------------------------------
# Which look a chart as wide as the page takes
#
# .streamlit/layout.css shows a chart's narrow look below NARROW_BELOW_PX of the chart's own
# width. A chart as wide as the page is the window's width less the page's margins: 32 px up to
# 800 px and more (measured in Chromium: 528 px at 560, 608 px at 640, 768 px at 800), 160 px on
# wide screens, where the chart is far above the threshold anyway. Between the two bounds below,
# the margins, a scroll bar or a zoom could put the chart on either side: both looks are sent
# and the CSS chooses, as for a reader whose width is unknown.
NARROW_BELOW_PX = 560
NARROW_WINDOW_BELOW_PX = NARROW_BELOW_PX  # the chart is then at most 528 px wide
WIDE_WINDOW_FROM_PX = NARROW_BELOW_PX + 80  # the chart is then at least 608 px wide
WINDOW_PX_RANGE = (200, 20_000)  # a width outside it is no width (a hand-written cookie)


def window_width(raw: str | None) -> int | None:
    """The window's width in CSS pixels from the cookie .streamlit/width.js writes; None for
    anything else (missing, not a whole number, out of WINDOW_PX_RANGE)."""
    if raw is None or not raw.isascii() or not raw.isdigit() or len(raw) > 5:
        return None
    width = int(raw)
    low, high = WINDOW_PX_RANGE
    return width if low <= width <= high else None


def look_for_window(width: int | None) -> str | None:
    """« narrow » or « wide »: the one look a chart as wide as the page takes in a window
    `width` px wide; None when that cannot be told (unknown width, or too close to the
    threshold): then both looks are sent."""
    if width is None:
        return None
    if width < NARROW_WINDOW_BELOW_PX:
        return "narrow"
    if width >= WIDE_WINDOW_FROM_PX:
        return "wide"
    return None
