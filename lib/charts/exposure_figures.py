"""Plotly figures of the Exposition page, drawn from the frames of lib.data.exposure.

The conventions of lib.charts.fiche_figures, whose layout builder they share: every number read is formatted
in French by lib.core.formatting (the value axis is hidden, each bar carries its value), names go
through lib.core.escaping.plotly_text. All are horizontal bars, one row per product or territory, in two
looks: the wide one, and a narrow one for a phone (shorter names, smaller texts) that the page
sends along (components.chart_with_data's `narrow`, .streamlit/layout.css picks one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import pandas as pd
import plotly.graph_objects as go

from lib.charts import fiche_figures
from lib.core import refs, states
from lib.core.escaping import plotly_text
from lib.core.flows import EXPORT
from lib.core.formatting import SHORT_RANGE, estimate, estimate_range, meur, number, pct, trimmed
from lib.core.theme import COUNTRY_GREY_BLUE, NEGATIVE_RED, POSITIVE_GREEN, TEXT_GREY, mix

TOP_EXPOSED = 10  # products drawn in each chart (the table and the CSV keep them all)
# A product ranks by share only when it weighs this much in the territory's exports: otherwise a
# few thousand euros sent wholly to the partner would top the ranking and hide what matters.
MIN_WEIGHT_PCT = 0.5
MILLION = fiche_figures.MILLION
Ranking = Literal["value", "share"]


@dataclass(frozen=True)
class _Look:
    name_limit: int  # characters of a name (full in the hover)
    row_height: int  # px
    text_size: int
    padding: float  # axis extent over the longest bar: room for the value written beside it
    names_above: bool  # each name written above its bar (a phone: the bars keep the width)
    bargap: float


_WIDE = _Look(
    name_limit=58, row_height=32, text_size=12, padding=1.3, names_above=False, bargap=0.3
)
_NARROW = _Look(
    name_limit=46, row_height=46, text_size=10, padding=1.3, names_above=True, bargap=0.55
)


@dataclass(frozen=True)
class _Bars:
    """What one chart draws, top row first."""

    names: list[str]
    values: list[float]
    texts: list[str]
    hovers: list[str]
    colors: list[str]


def _look(narrow: bool) -> _Look:
    return _NARROW if narrow else _WIDE


def _range(values: Sequence[float], padding: float) -> list[float]:
    """The value axis from 0 (or the lowest bar) to the highest bar, with room for the texts."""
    low, high = min(0.0, *values), max(0.0, *values)
    if low == high:
        return [0.0, 1.0]
    return [low * padding, high * padding]


def _names_above(names: list[str], look: _Look) -> list[dict[str, object]]:
    """Each name over its bar, from the left edge of the plot."""
    return [
        {
            "text": plotly_text(fiche_figures._shorten(name, look.name_limit)),
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


def _bar_figure(
    bars: _Bars,
    look: _Look,
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
    return fiche_figures.styled_figure(
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
            "range": _range(bars.values if extent is None else extent, look.padding),
        },
        yaxis={
            "autorange": "reversed",
            "tickvals": rows if ticks else [],
            "ticktext": [plotly_text(fiche_figures._shorten(n, look.name_limit)) for n in ticks],
            "showticklabels": not look.names_above,
            "showgrid": False,
            "fixedrange": True,
            "automargin": True,
            "tickfont": {"size": look.text_size + 1},
        },
    )


# ---------------------------------------------------------------------------------------------
# The products most exposed to the partner


def top_by_value(exposure: pd.DataFrame, top: int = TOP_EXPOSED) -> pd.DataFrame:
    """The `top` products sending the most to the partner (none sending nothing)."""
    sent = exposure[exposure["to_partner_eur"] > 0]
    return sent.sort_values(["to_partner_eur", "product"], ascending=[False, True]).head(top)


def top_by_share(exposure: pd.DataFrame, top: int = TOP_EXPOSED) -> pd.DataFrame:
    """The `top` products sending the largest share of their exports to the partner, among
    those weighing at least MIN_WEIGHT_PCT % of the territory's exports."""
    total = exposure["exports_eur"].sum()
    weight_pct = 100 * exposure["exports_eur"] / total if total else exposure["exports_eur"] * 0
    kept = exposure[(weight_pct >= MIN_WEIGHT_PCT) & (exposure["to_partner_eur"] > 0)]
    return kept.sort_values(
        ["share_pct", "to_partner_eur", "product"], ascending=[False, False, True]
    ).head(top)


def _product_hover(name: str, to_partner: float, exports: float, share_pct: float) -> str:
    return (
        f"<b>{plotly_text(name)}</b><br>Exportations vers le partenaire : {meur(to_partner)}"
        f"<br>Exportations totales : {meur(exports)}<br>Part vers le partenaire : {pct(share_pct)}"
    )


def _exposed_bars(rows: pd.DataFrame, by_share: bool) -> _Bars:
    names = [refs.product_name(code) for code in rows["product"]]
    to_partner = [float(v) for v in rows["to_partner_eur"]]
    exports = [float(v) for v in rows["exports_eur"]]
    shares = [float(v) for v in rows["share_pct"]]
    return _Bars(
        names=names,
        values=shares if by_share else [v / MILLION for v in to_partner],
        texts=[pct(s) for s in shares] if by_share else [meur(v) for v in to_partner],
        hovers=[
            _product_hover(*row) for row in zip(names, to_partner, exports, shares, strict=True)
        ],
        colors=[EXPORT.color] * len(names),
    )


def exposed_figure(
    exposure: pd.DataFrame, by: Ranking, top: int = TOP_EXPOSED, narrow: bool = False
) -> go.Figure:
    """The products most exposed to the partner (exposure: lib.data.exposure.exposure): `by`
    "value" sending the most, in M€ (top_by_value), or "share" sending the largest share of
    their exports, in % (top_by_share)."""
    by_share = by == "share"
    rows = top_by_share(exposure, top) if by_share else top_by_value(exposure, top)
    if rows.empty:
        return fiche_figures.empty_figure()
    return _bar_figure(_exposed_bars(rows, by_share), _look(narrow))


# ---------------------------------------------------------------------------------------------
# The territory beside its région and France


def shares_figure(shares: pd.DataFrame, narrow: bool = False) -> go.Figure:
    """The share of exports going to the partner: the territory (first row, highlighted), its
    région and France (shares: lib.data.exposure.exposure_shares)."""
    if shares.empty:
        return fiche_figures.empty_figure()
    names = [str(name) for name in shares["name"]]
    to_partner = [float(v) for v in shares["to_partner_eur"]]
    exports = [float(v) for v in shares["exports_eur"]]
    values = [float(v) for v in shares["share_pct"]]
    bars = _Bars(
        names=names,
        values=values,
        texts=[pct(v) for v in values],
        hovers=[
            _product_hover(*row) for row in zip(names, to_partner, exports, values, strict=True)
        ],
        colors=[EXPORT.color] + [COUNTRY_GREY_BLUE] * (len(names) - 1),
    )
    return _bar_figure(bars, _look(narrow))


# ---------------------------------------------------------------------------------------------
# The tariff scenario


def top_changes(scenario: pd.DataFrame, top: int = TOP_EXPOSED) -> pd.DataFrame:
    """The `top` products whose exports to the partner change the most (largest losses first)."""
    changed = scenario[scenario["change_eur"] != 0]
    size = changed["change_eur"].abs().rename("size")
    ordered = changed.join(size).sort_values(["size", "product"], ascending=[False, True])
    return ordered.drop(columns="size").head(top)


def _range_bar(
    lows: list[float], highs: list[float], texts: list[str], hovers: list[str], look: _Look
) -> dict[str, object]:
    """From each low bound to its high bound, lighter, with the range written beyond it."""
    return {
        "type": "bar",
        "orientation": "h",
        "base": lows,
        "x": [high - low for low, high in zip(lows, highs, strict=True)],
        "y": list(range(len(lows))),
        "marker": {"color": [_LIGHT[_sign_color(v)] for v in highs]},
        "text": texts,
        "textposition": "outside",
        "cliponaxis": False,
        "textfont": {"size": look.text_size, "color": TEXT_GREY},
        "customdata": hovers,
        "hovertemplate": "%{customdata}<extra></extra>",
    }


def _chosen_marks(values: list[float], hovers: list[str], look: _Look) -> dict[str, object]:
    """A short upright stroke at each product's change with the chosen elasticity."""
    return {
        "type": "scatter",
        "mode": "markers",
        "x": values,
        "y": list(range(len(values))),
        "marker": {
            "symbol": "line-ns",
            "size": 0.8 * look.row_height * (1 - look.bargap),  # within the bar's thickness
            "line": {"color": TEXT_GREY, "width": 2},
        },
        "customdata": hovers,
        "hovertemplate": "%{customdata}<extra></extra>",
    }


def _sign_color(value: float) -> str:
    return NEGATIVE_RED if value < 0 else POSITIVE_GREEN


_LIGHT = {color: mix(color, "#ffffff", 0.6) for color in (NEGATIVE_RED, POSITIVE_GREEN)}
# The range's text beside the longest bar (« −20 à −61 M€ ») needs more room than one value.
_SCENARIO_PADDING = {False: 1.4, True: 1.9}


def scenario_figure(
    scenario: pd.DataFrame, elasticity: float, top: int = TOP_EXPOSED, narrow: bool = False
) -> go.Figure:
    """The estimated change of exports to the partner, by product, in M€ (scenario:
    lib.data.exposure.tariff_scenario), as a range: a dark bar to the change with the range's low
    elasticity, a lighter one on to the change with its high elasticity, the range written
    beside it (rounded as the headline, formatting.estimate_range), a stroke at the change
    with the chosen `elasticity`."""
    rows = top_changes(scenario, top)
    if rows.empty:
        return fiche_figures.empty_figure()
    look = replace(_look(narrow), padding=_SCENARIO_PADDING[narrow])
    names = [refs.product_name(code) for code in rows["product"]]
    chosen = [float(v) / MILLION for v in rows["change_eur"]]
    lows, highs = (
        [float(v) / MILLION for v in rows[states.at_bound("change_eur", bound)]]
        for bound in states.ELASTICITY_RANGE
    )
    ranges = [
        estimate_range(low, high, "M€", SHORT_RANGE) for low, high in zip(lows, highs, strict=True)
    ]
    hovers = [
        f"<b>{plotly_text(name)}</b><br>Exportations vers le partenaire : {meur(before)}"
        f"<br>Variation estimée : {text} (élasticités "
        f"{number(states.ELASTICITY_LOW, 0)} à {number(states.ELASTICITY_HIGH, 0)})"
        f"<br>Avec l'élasticité choisie ({trimmed(elasticity)})"
        f" : {estimate(value, 'M€')}"
        for name, before, text, value in zip(
            names, rows["to_partner_eur"], ranges, chosen, strict=True
        )
    ]
    bars = _Bars(
        names=names,
        values=lows,
        texts=[""] * len(names),
        hovers=hovers,
        colors=[_sign_color(v) for v in highs],
    )
    extra = [_range_bar(lows, highs, ranges, hovers, look), _chosen_marks(chosen, hovers, look)]
    return _bar_figure(bars, look, extra, [*lows, *highs, *chosen])
