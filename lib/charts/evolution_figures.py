"""Plotly figures of the Évolution page, drawn from the frames of lib.data.evolution.

The conventions of lib.charts.kit (whose layout builder they share): every number read is
formatted in French by lib.core.formatting, names go through lib.core.escaping.plotly_text. A
partial year (fewer quarters) is drawn apart: open markers and a dotted line from the same
quarters of the year before, hatched bars, its quarters under its year on the axis.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from lib.charts import kit
from lib.charts.kit import MILLION
from lib.core import flows
from lib.core.escaping import plotly_text
from lib.core.flows import Flow
from lib.core.formatting import meur, number, pct
from lib.core.theme import (
    BLUE_FRANCE,
    COUNTRY_GREY_BLUE,
    GRID_GREY,
    NEGATIVE_RED,
    OTHERS_GREY,
    POSITIVE_GREEN,
    TEXT_GREY,
)

TOP_CONTRIBUTORS = 10  # partners or products drawn in a waterfall; the rest is « Autres »
NAME_LIMIT = 34  # characters of a name on the waterfall's axis (full in the hover)
NARROW_NAME_LIMIT = 16  # the same on a phone, where the bars need the width
# The waterfall's axis beyond its longest bar, as a share of its span: room for the value
# written beside the bar (« 1 773,5 M€ », longer than the bar's room on a phone).
WATERFALL_ROOM = 0.16
WATERFALL_NARROW_ROOM = 0.5
# The territory, its région and France: one colour each on the index and growth charts.
SCOPE_COLORS = {"territory": BLUE_FRANCE, "region": COUNTRY_GREY_BLUE, "france": OTHERS_GREY}
PARTIAL_PATTERN = {"shape": "/", "solidity": 0.35}
_LEGEND = {"orientation": "h", "y": -0.18, "x": 0, "xanchor": "left"}


def _year_axis(table: pd.DataFrame) -> dict[str, object]:
    """One tick per year, a partial year's quarters under it (`2025<br>T1–T2`)."""
    periods = table.drop_duplicates("year").sort_values("year")
    texts = [
        str(label).replace(" (", "<br>").rstrip(")") for label in periods["period"]
    ]  # « 2025 (T1–T2) » → two lines
    return {
        "tickvals": periods["year"].tolist(),
        "ticktext": texts,
        "showgrid": False,
        "fixedrange": True,
    }


def _value_axis(suffix: str = "") -> dict[str, object]:
    return {
        "gridcolor": GRID_GREY,
        "fixedrange": True,
        "ticksuffix": suffix,
        "tickformat": ",~r",  # grouped thousands: `2 000 M€` with the French separators
        "zeroline": False,
    }


def _figure(data: list[dict[str, object]], table: pd.DataFrame, **layout: object) -> go.Figure:
    return kit.styled_figure(
        data,
        None,
        420,
        {"t": 20, "b": 20},
        legend=_LEGEND,
        hovermode="closest",
        xaxis=_year_axis(table),
        **layout,
    )


def _whole(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[~rows["partial"].astype(bool)]


def _partial(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[rows["partial"].astype(bool)]


def _line(
    rows: pd.DataFrame, column: str, name: str, color: str, texts: Sequence[str]
) -> dict[str, object]:
    """The whole years of a series: a solid line with markers."""
    return {
        "type": "scatter",
        "mode": "lines+markers",
        "x": rows["year"].tolist(),
        "y": rows[column].tolist(),
        "name": plotly_text(name),
        "line": {"color": color, "width": 2.5},
        "marker": {"color": color, "size": 7},
        "customdata": list(texts),
        "hovertemplate": "%{customdata}<extra></extra>",
    }


def _partial_links(
    rows: pd.DataFrame, column: str, previous: Sequence[float], color: str, texts: Sequence[str]
) -> list[dict[str, object]]:
    """Each partial year: an open marker, a dotted line from the same quarters of the year
    before (a small open marker under that year)."""
    traces: list[dict[str, object]] = []
    for year, value, before, text in zip(rows["year"], rows[column], previous, texts, strict=True):
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": [int(year) - 1, int(year)],
                "y": [before, float(value)],
                "showlegend": False,
                "line": {"color": color, "width": 2, "dash": "dot"},
                "marker": {
                    "color": "white",
                    "size": [6, 10],
                    "line": {"color": color, "width": 2},
                },
                "customdata": [text, text],
                "hovertemplate": "%{customdata}<extra></extra>",
            }
        )
    return traces


def _partial_hover(row: pd.Series, key: str, value_text: str, before_text: str) -> str:
    """« Exportations 2025 (T1–T2) : 880,0 M€ contre 850,0 M€ aux mêmes trimestres de 2024
    (+3,5 %) »."""
    return (
        f"<b>{plotly_text(row['name'])}</b><br>{flows.flow_of(key).title} {row['period']} : "
        f"{value_text}<br>contre {before_text} aux mêmes trimestres de {int(row['year']) - 1} "
        f"({pct(row[f'{key}_growth_pct'], signed=True)})"
    )


# ---------------------------------------------------------------------------------------------
# Values


def values_figure(table: pd.DataFrame) -> go.Figure:
    """The territory's exports and imports (lines) and balance (bars), in M€, year by year
    (table: lib.data.evolution.series, its `territory` rows)."""
    rows = table[table["scope"] == "territory"].sort_values("year")
    if rows.empty:
        return kit.empty_figure()
    data: list[dict[str, object]] = [_balance_bars(rows)]
    for flow in flows.FLOWS:
        key = flow.key
        millions = rows[f"{key}_eur"] / MILLION
        shown = rows.assign(v=millions)
        whole = _whole(shown)
        texts = [
            f"<b>{plotly_text(r['name'])}</b><br>{flow.title} {r['period']} : "
            f"{meur(r[f'{key}_eur'])}"
            for _, r in whole.iterrows()
        ]
        data.append(_line(whole, "v", flow.title, flow.color, texts))
        partial = _partial(shown)
        previous = (partial[f"{key}_prev_eur"] / MILLION).tolist()
        hovers = [
            _partial_hover(r, key, meur(r[f"{key}_eur"]), meur(r[f"{key}_prev_eur"]))
            for _, r in partial.iterrows()
        ]
        data += _partial_links(partial, "v", previous, flow.color, hovers)
    return _figure(data, rows, yaxis=_value_axis(" M€"), barmode="overlay")


def _balance_bars(rows: pd.DataFrame) -> dict[str, object]:
    balances = rows["balance_eur"].tolist()
    partial = rows["partial"].astype(bool).tolist()
    return {
        "type": "bar",
        "x": rows["year"].tolist(),
        "y": [v / MILLION for v in balances],
        "name": "Solde commercial",
        "marker": {
            "color": [POSITIVE_GREEN if v >= 0 else NEGATIVE_RED for v in balances],
            "opacity": 0.45,
            "pattern": {"shape": ["/" if p else "" for p in partial], "solidity": 0.35},
        },
        "customdata": [
            f"Solde {period} : {meur(v, signed=True)}"
            for period, v in zip(rows["period"], balances, strict=True)
        ],
        "hovertemplate": "%{customdata}<extra></extra>",
    }


# ---------------------------------------------------------------------------------------------
# Index, base 100


def index_figure(table: pd.DataFrame, flow: Flow | str, base: int) -> go.Figure:
    """The flow's index (base 100 in `base`) of the territory, its région and France."""
    drawn = flows.flow_of(flow)
    column = f"{drawn.key}_index"
    if table.empty or table[column].isna().all():
        return kit.empty_figure()
    data: list[dict[str, object]] = []
    for scope, rows in table.groupby("scope", sort=False):
        rows = rows.sort_values("year")
        color = SCOPE_COLORS[str(scope)]
        whole = _whole(rows)
        texts = [
            f"<b>{plotly_text(r['name'])}</b><br>{drawn.title} {r['period']} : indice "
            f"{number(r[column])} (base 100 en {base})"
            for _, r in whole.iterrows()
        ]
        data.append(_line(whole, column, str(rows["name"].iloc[0]), color, texts))
        partial = _partial(rows)
        previous = [_index_before(rows, column, int(year)) for year in partial["year"]]
        hovers = [
            _partial_hover(r, drawn.key, f"indice {number(r[column])}", f"l'indice {number(b)}")
            for (_, r), b in zip(partial.iterrows(), previous, strict=True)
        ]
        # The partial year's point extends the whole year before by the same-quarter growth.
        data += _partial_links(partial, column, previous, color, hovers)
    hundred = {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": 100, "y1": 100}
    line = {"color": TEXT_GREY, "width": 1, "dash": "dash"}
    return _figure(data, table, yaxis=_value_axis(), shapes=[{**hundred, "line": line}])


def _index_before(rows: pd.DataFrame, column: str, year: int) -> float:
    before = rows.loc[rows["year"] == year - 1, column]
    return float(before.iloc[0]) if len(before) else float("nan")


# ---------------------------------------------------------------------------------------------
# Growth rates


def growth_figure(table: pd.DataFrame, flow: Flow | str) -> go.Figure:
    """The flow's growth rate on the year before (same quarters for a partial year), one bar
    per scope and year; a partial year hatched."""
    drawn = flows.flow_of(flow)
    column = f"{drawn.key}_growth_pct"
    rows = table.dropna(subset=[column])
    if rows.empty:
        return kit.empty_figure()
    data: list[dict[str, object]] = []
    for scope, scoped in rows.groupby("scope", sort=False):
        scoped = scoped.sort_values("year")
        partial = scoped["partial"].astype(bool).tolist()
        data.append(
            {
                "type": "bar",
                "x": scoped["year"].tolist(),
                "y": scoped[column].tolist(),
                "name": plotly_text(scoped["name"].iloc[0]),
                "marker": {
                    "color": SCOPE_COLORS[str(scope)],
                    "pattern": {"shape": ["/" if p else "" for p in partial], "solidity": 0.35},
                },
                "customdata": [
                    f"<b>{plotly_text(r['name'])}</b><br>{drawn.title} {r['period']} : "
                    f"{pct(r[column], signed=True)}"
                    + (" (mêmes trimestres qu'en " + str(int(r["year"]) - 1) + ")" if p else "")
                    for (_, r), p in zip(scoped.iterrows(), partial, strict=True)
                ],
                "hovertemplate": "%{customdata}<extra></extra>",
            }
        )
    return _figure(data, table, yaxis=_value_axis(" %"), barmode="group")


# ---------------------------------------------------------------------------------------------
# What drove the change: a waterfall


def waterfall_rows(contributions: pd.DataFrame, top: int = TOP_CONTRIBUTORS) -> pd.DataFrame:
    """The `top` contributors by size of their change (ranked as given: rises first), and one
    « Autres » row summing the others (absent when there are none)."""
    largest = contributions["change_eur"].abs().sort_values(ascending=False, kind="stable")
    chosen = contributions.index.isin(largest.index[:top])
    kept, rest = contributions[chosen], contributions[~chosen]
    if rest.empty:
        return kept
    others = {
        "code": kit.OTHERS_LABEL,
        "name": f"{kit.OTHERS_LABEL} ({len(rest)})",
        **{column: rest[column].sum() for column in ("start_eur", "end_eur", "change_eur")},
        "contribution_pct": rest["contribution_pct"].sum(),
    }
    return pd.concat([kept, pd.DataFrame([others])], ignore_index=True)


def waterfall_figure(
    contributions: pd.DataFrame,
    start_label: str,
    end_label: str,
    top: int = TOP_CONTRIBUTORS,
    narrow: bool = False,
) -> go.Figure:
    """From the total of `start_label` to that of `end_label`: each contributor's change
    (contributions: lib.data.evolution.contributions), horizontal, top to bottom; `narrow` for a
    phone (shorter names, more room for the values beside the bars)."""
    if contributions.empty:
        return kit.empty_figure()
    rows = waterfall_rows(contributions, top)
    limit = NARROW_NAME_LIMIT if narrow else NAME_LIMIT
    start, end = contributions["start_eur"].sum(), contributions["end_eur"].sum()
    names = [start_label, *(str(n) for n in rows["name"]), end_label]
    changes = [float(v) for v in rows["change_eur"]]
    hovers = [
        f"<b>{plotly_text(name)}</b><br>{meur(change, signed=True)} "
        f"({number(points, 2, signed=True)} point)"
        for name, change, points in zip(
            rows["name"], changes, rows["contribution_pct"], strict=True
        )
    ]
    trace = {
        "type": "waterfall",
        "orientation": "h",
        "measure": ["absolute", *(["relative"] * len(changes)), "total"],
        "y": [plotly_text(kit.shorten(name, limit)) for name in names],
        "x": [start / MILLION, *(v / MILLION for v in changes), end / MILLION],
        "text": [meur(start), *(meur(v, signed=True) for v in changes), meur(end)],
        "textposition": "outside",
        "textfont": {"size": 10 if narrow else 12},
        "cliponaxis": False,
        "customdata": [f"{start_label} : {meur(start)}", *hovers, f"{end_label} : {meur(end)}"],
        "hovertemplate": "%{customdata}<extra></extra>",
        "increasing": {"marker": {"color": POSITIVE_GREEN}},
        "decreasing": {"marker": {"color": NEGATIVE_RED}},
        "totals": {"marker": {"color": BLUE_FRANCE}},
        "connector": {"line": {"color": GRID_GREY, "width": 1}},
    }
    running = [start + sum(changes[: i + 1]) for i in range(len(changes))]
    return kit.styled_figure(
        [trace],
        None,
        90 + 30 * len(names),
        {"t": 10, "b": 10, "l": 10, "r": 10},
        showlegend=False,
        xaxis=waterfall_axis([start, *running, end], narrow),
        yaxis={"autorange": "reversed", "fixedrange": True, "automargin": True},
    )


def waterfall_axis(levels_eur: Sequence[float], narrow: bool = False) -> dict[str, object]:
    """The waterfall's value axis, in M€: from 0, shown with its ticks. The first and last bars
    are totals: drawn from a cut axis (the running totals' span alone), a +3 % change drew one
    total a quarter of the other. Room is left right of the longest bar for its value."""
    levels = [v / MILLION for v in levels_eur]
    low, high = min(0.0, *levels), max(0.0, *levels)
    span = high - low or 1.0
    room = span * (WATERFALL_NARROW_ROOM if narrow else WATERFALL_ROOM)
    return {
        **_value_axis(" M€"),
        "range": [low - room if low < 0 else 0.0, high + room if high > 0 else 0.0],
        "zeroline": True,
        "zerolinecolor": TEXT_GREY,
        "nticks": 4 if narrow else 8,
    }
