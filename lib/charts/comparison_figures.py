"""Plotly figures of the Comparer page, drawn from the frames of lib.data.comparison.

Every chart sets the territories on one scale: the key figures share their value axis by
construction; the partners, the products and the evolution are drawn as one panel per
territory (or per flow) whose value axes have the same range (`matches`), so that bars and
lines compare at a glance. The conventions of lib.charts.kit: numbers formatted in French by
lib.core.formatting (ticks included, never Plotly's), names through
lib.core.escaping.plotly_text, and two looks, wide and narrow (a phone: panels stacked in one
column), that the page sends along.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from lib.charts import kit
from lib.charts.kit import MILLION
from lib.core.escaping import plotly_text
from lib.core.flows import FLOWS, Flow
from lib.core.formatting import meur, pct
from lib.core.theme import BLUE_FRANCE, GRID_GREY, TEXT_GREY

# One colour per territory, in the order chosen: DSFR colours (blue France and the
# illustrative « terre battue », « menthe », « moutarde ») that stay apart for most readers.
TERRITORY_COLORS = ("#000091", "#E4794A", "#009081", "#C3992A")
_PANEL_TITLE = {"size": 14, "color": BLUE_FRANCE}


@dataclass(frozen=True)
class _Look:
    columns: int  # panels side by side
    name_limit: int  # characters of a bar's name (full in the hover)
    row_height: int  # px per bar of a ranking
    text_size: int
    padding: float  # value axis over the longest bar: room for the text beside it
    line_height: int  # px of an evolution panel


_WIDE = _Look(columns=2, name_limit=48, row_height=40, text_size=11, padding=1.3, line_height=340)
_NARROW = _Look(
    columns=1, name_limit=34, row_height=36, text_size=10, padding=1.45, line_height=260
)


def _look(narrow: bool) -> _Look:
    return _NARROW if narrow else _WIDE


def _columns(look: _Look, count: int) -> int:
    """Panels side by side: three territories in one row, four in two rows of two."""
    return min(count, 3 if count == 3 and look.columns > 1 else look.columns)


def territory_colors(codes: Sequence[str]) -> dict[str, str]:
    """Each territory's colour, by its place in the comparison."""
    return {code: TERRITORY_COLORS[i % len(TERRITORY_COLORS)] for i, code in enumerate(codes)}


def _value_axis(value_range: list[float], **extra: object) -> dict[str, object]:
    values, texts = kit.round_ticks(value_range[0], value_range[1], 4)
    return {
        "range": value_range,
        "tickvals": values,
        "ticktext": texts,
        "gridcolor": GRID_GREY,
        "zeroline": True,
        "zerolinecolor": TEXT_GREY,
        "fixedrange": True,
        **extra,
    }


@dataclass(frozen=True)
class _Grid:
    """Panels in rows of `columns`, top left first; domains in paper coordinates."""

    count: int
    columns: int
    panel_height: int  # px, the plot area of one panel
    title_height: int = 46  # px above each panel: its title and the names of its first bar
    axis_height: int = 34  # px below each panel: its value axis's ticks

    @property
    def rows(self) -> int:
        return math.ceil(self.count / self.columns)

    @property
    def block(self) -> int:
        """px of one row of panels, title and ticks included."""
        return self.title_height + self.panel_height + self.axis_height

    @property
    def height(self) -> int:
        return self.rows * self.block

    def x_domain(self, index: int) -> list[float]:
        gap = 0.08 if self.columns > 1 else 0.0
        width = (1 - gap * (self.columns - 1)) / self.columns
        start = (index % self.columns) * (width + gap)
        return [start, start + width]

    def y_domain(self, index: int) -> list[float]:
        top = 1 - ((index // self.columns) * self.block + self.title_height) / self.height
        return [max(0.0, top - self.panel_height / self.height), top]

    def title(self, index: int, text: str) -> dict[str, object]:
        return {
            "text": f"<b>{plotly_text(text)}</b>",
            "x": self.x_domain(index)[0],
            "y": self.y_domain(index)[1],
            "xref": "paper",
            "yref": "paper",
            "xanchor": "left",
            "yanchor": "bottom",
            "yshift": 24,
            "showarrow": False,
            "font": _PANEL_TITLE,
        }


def _panels(traces: list[dict[str, object]], height: int, **layout: object) -> go.Figure:
    """A figure of panels: their titles and axes are in `layout`, the margins narrow."""
    return kit.styled_figure(traces, None, height, {"t": 10, "b": 40, "l": 10, "r": 10}, **layout)


def _axis_names(index: int) -> tuple[str, str, str, str]:
    """(`x2`, `y2`, `xaxis2`, `yaxis2`) of panel `index` (the first: `x`, `y`…)."""
    suffix = "" if index == 0 else str(index + 1)
    return f"x{suffix}", f"y{suffix}", f"xaxis{suffix}", f"yaxis{suffix}"


# ---------------------------------------------------------------------------------------------
# Key figures: exports and imports of each territory, side by side


def key_figures_figure(table: pd.DataFrame, narrow: bool = False) -> go.Figure:
    """Exports and imports of each territory (table: lib.data.comparison.key_figures), in M€, one
    pair of bars per territory on one axis."""
    if table.empty:
        return kit.empty_figure()
    look = _look(narrow)
    names = [plotly_text(kit.shorten(str(n), look.name_limit)) for n in table["name"]]
    values = [float(v) / MILLION for flow in FLOWS for v in table[f"{flow.key}_eur"]]
    traces = [
        {
            "type": "bar",
            "orientation": "h",
            "name": flow.title,
            "y": names,
            "x": [float(v) / MILLION for v in table[f"{flow.key}_eur"]],
            "marker": {"color": flow.color},
            "text": [meur(float(v)) for v in table[f"{flow.key}_eur"]],
            "textposition": "outside",
            "cliponaxis": False,
            "textfont": {"size": look.text_size, "color": TEXT_GREY},
            "hovertemplate": f"<b>%{{y}}</b><br>{flow.title} : %{{text}}<extra></extra>",
        }
        for flow in FLOWS
    ]
    return kit.styled_figure(
        traces,
        None,
        90 + 2 * look.row_height * len(names),
        {"t": 30, "b": 30, "l": 10, "r": 10},
        barmode="group",
        legend={"orientation": "h", "x": 0, "y": 1, "yanchor": "bottom"},
        xaxis=_value_axis(
            kit.value_range(values, look.padding), title={"text": "millions d'euros"}
        ),
        yaxis={"autorange": "reversed", "automargin": True, "fixedrange": True},
    )


# ---------------------------------------------------------------------------------------------
# Partners and products: each territory's first ones, one panel each, on one scale


def _ranking_panel(
    rows: pd.DataFrame, ranked: str, index: int, grid: _Grid, look: _Look, flow: Flow
) -> tuple[dict[str, object], list[dict[str, object]]]:
    """The bars of one territory and the names written above them."""
    x_name, y_name, _, _ = _axis_names(index)
    names = [str(name) for name in rows[f"{ranked}_name"]]
    values = [float(v) for v in rows["value_eur"]]
    shares = [float(v) for v in rows["share_pct"]]
    trace = {
        "type": "bar",
        "orientation": "h",
        "xaxis": x_name,
        "yaxis": y_name,
        "x": [v / MILLION for v in values],
        "y": list(range(len(values))),
        "marker": {"color": flow.color},
        "text": [meur(v) for v in values],
        "textposition": "outside",
        "cliponaxis": False,
        "textfont": {"size": look.text_size, "color": TEXT_GREY},
        "customdata": [
            f"<b>{plotly_text(n)}</b><br>{flow.title} : {meur(v)}<br>Part : {pct(s)}"
            for n, v, s in zip(names, values, shares, strict=True)
        ],
        "hovertemplate": "%{customdata}<extra></extra>",
    }
    labels = [
        {
            "text": plotly_text(kit.shorten(name, look.name_limit)),
            "x": grid.x_domain(index)[0],
            "xref": "paper",
            "xanchor": "left",
            "y": row,
            "yref": y_name,
            "yanchor": "bottom",
            "yshift": 9,
            "showarrow": False,
            "font": {"size": look.text_size + 1, "color": TEXT_GREY},
        }
        for row, name in enumerate(names)
    ]
    return trace, labels


def ranking_figure(table: pd.DataFrame, ranked: str, flow: Flow, narrow: bool = False) -> go.Figure:
    """Each territory's first partners (`ranked="country"`) or products (`"product"`) for one
    flow, in M€ (table: lib.data.comparison.top_partners or top_products): one panel per territory,
    in the table's order, every panel on the same value axis."""
    rows = table[table["flow"] == flow.name]
    if rows.empty:
        return kit.empty_figure()
    look = _look(narrow)
    territories = list(dict.fromkeys(rows["territory"]))
    most = int(rows["rank"].max())
    grid = _Grid(len(territories), _columns(look, len(territories)), look.row_height * most)
    value_range = kit.value_range([float(v) / MILLION for v in rows["value_eur"]], look.padding)
    traces: list[dict[str, object]] = []
    annotations: list[dict[str, object]] = []
    layout: dict[str, object] = {}
    for index, code in enumerate(territories):
        own = rows[rows["territory"] == code]
        trace, labels = _ranking_panel(own, ranked, index, grid, look, flow)
        traces.append(trace)
        annotations += [grid.title(index, str(own["name"].iloc[0])), *labels]
        x_name, y_name, x_axis, y_axis = _axis_names(index)
        shared = {"matches": "x"} if index else {}  # one scale: every axis follows the first
        layout[x_axis] = _value_axis(
            value_range, domain=grid.x_domain(index), anchor=y_name, **shared
        )
        layout[y_axis] = {
            "domain": grid.y_domain(index),
            "anchor": x_name,
            "range": [most - 0.5, -0.5],  # the first bar on top, every panel as tall
            "visible": False,
            "fixedrange": True,
        }
    return _panels(
        traces,
        grid.height + 40,
        showlegend=False,
        bargap=0.45,
        annotations=annotations,
        **layout,
    )


# ---------------------------------------------------------------------------------------------
# Evolution: exports and imports of every territory over the years, on one scale


def evolution_figure(
    table: pd.DataFrame, year_labels: Mapping[int, str], narrow: bool = False
) -> go.Figure:
    """Exports and imports of each territory, year by year, in M€ (table:
    lib.data.comparison.evolution): one panel per flow, both on the same value axis, one line per
    territory. `year_labels` name the years (`2025 (T1–T2)`); a year whose label is not its
    number alone is partial: its points are hollow."""
    if table.empty:
        return kit.empty_figure()
    look = _look(narrow)
    grid = _Grid(len(FLOWS), look.columns, look.line_height)
    codes = list(dict.fromkeys(table["territory"]))
    colors = territory_colors(codes)
    years = sorted({int(y) for y in table["year"]})
    values = [float(v) / MILLION for flow in FLOWS for v in table[f"{flow.key}_eur"]]
    value_range = kit.value_range(values, 1.08)
    traces: list[dict[str, object]] = []
    layout: dict[str, object] = {}
    for index, flow in enumerate(FLOWS):
        x_name, y_name, x_axis, y_axis = _axis_names(index)
        for code in codes:
            own = table[table["territory"] == code]
            traces.append(_evolution_line(own, flow, x_name, y_name, colors[code], year_labels))
            traces[-1]["showlegend"] = index == 0
        layout[x_axis] = {
            "domain": grid.x_domain(index),
            "anchor": y_name,
            "tickvals": years,
            "ticktext": [year_labels.get(y, str(y)) for y in years],
            "showgrid": False,
            "fixedrange": True,
        }
        shared = {"matches": "y"} if index else {}
        layout[y_axis] = _value_axis(
            value_range, domain=grid.y_domain(index), anchor=x_name, **shared
        )
    annotations = [grid.title(i, f"{flow.title} (M€)") for i, flow in enumerate(FLOWS)]
    return _panels(
        traces,
        grid.height + 60,
        annotations=annotations,
        legend={"orientation": "h", "x": 0, "y": -0.08, "yanchor": "top"},
        hovermode="closest",
        **layout,
    )


def _evolution_line(
    rows: pd.DataFrame,
    flow: Flow,
    x_name: str,
    y_name: str,
    color: str,
    year_labels: Mapping[int, str],
) -> dict[str, object]:
    years = [int(y) for y in rows["year"]]
    values = [float(v) for v in rows[f"{flow.key}_eur"]]
    labels = [year_labels.get(y, str(y)) for y in years]
    partial = [label != str(year) for year, label in zip(years, labels, strict=True)]
    name = str(rows["name"].iloc[0])
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "name": plotly_text(name),
        "legendgroup": name,
        "xaxis": x_name,
        "yaxis": y_name,
        "x": years,
        "y": [v / MILLION for v in values],
        "line": {"color": color, "width": 2.5},
        "marker": {
            "color": ["white" if p else color for p in partial],
            "line": {"color": color, "width": 2},
            "size": 8,
        },
        "customdata": [
            f"<b>{plotly_text(name)}</b> – {label}<br>{flow.title} : {meur(v)}"
            for label, v in zip(labels, values, strict=True)
        ],
        "hovertemplate": "%{customdata}<extra></extra>",
    }
