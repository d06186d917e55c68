"""Plotly figures of the Exposition page, drawn from the frames of lib.data.exposure.

The conventions of lib.charts.kit: every number read is formatted in French by lib.core.formatting
(the value axis is hidden, each bar carries its value), names go through
lib.core.escaping.plotly_text. All are the kit's horizontal bars (kit.bar_figure), one row per
product or territory, in a wide and a narrow look.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

import pandas as pd
import plotly.graph_objects as go

from lib.charts.kit import MILLION, BarLook, Bars, bar_figure, bar_look, empty_figure
from lib.core import refs, states
from lib.core.escaping import plotly_text
from lib.core.flows import EXPORT
from lib.core.formatting import SHORT_RANGE, estimate, estimate_range, meur, number, pct, trimmed
from lib.core.theme import COUNTRY_GREY_BLUE, NEGATIVE_RED, POSITIVE_GREEN, TEXT_GREY, mix

TOP_EXPOSED = 10  # products drawn in each chart (the table and the CSV keep them all)
# A product ranks by share only when it weighs this much in the territory's exports: otherwise a
# few thousand euros sent wholly to the partner would top the ranking and hide what matters.
MIN_WEIGHT_PCT = 0.5
Ranking = Literal["value", "share"]


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


def _exposed_bars(rows: pd.DataFrame, by_share: bool) -> Bars:
    names = [refs.product_name(code) for code in rows["product"]]
    to_partner = [float(v) for v in rows["to_partner_eur"]]
    exports = [float(v) for v in rows["exports_eur"]]
    shares = [float(v) for v in rows["share_pct"]]
    return Bars(
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
        return empty_figure()
    return bar_figure(_exposed_bars(rows, by_share), bar_look(narrow))


# ---------------------------------------------------------------------------------------------
# The territory beside its région and France


def shares_figure(shares: pd.DataFrame, narrow: bool = False) -> go.Figure:
    """The share of exports going to the partner: the territory (first row, highlighted), its
    région and France (shares: lib.data.exposure.exposure_shares)."""
    if shares.empty:
        return empty_figure()
    names = [str(name) for name in shares["name"]]
    to_partner = [float(v) for v in shares["to_partner_eur"]]
    exports = [float(v) for v in shares["exports_eur"]]
    values = [float(v) for v in shares["share_pct"]]
    bars = Bars(
        names=names,
        values=values,
        texts=[pct(v) for v in values],
        hovers=[
            _product_hover(*row) for row in zip(names, to_partner, exports, values, strict=True)
        ],
        colors=[EXPORT.color] + [COUNTRY_GREY_BLUE] * (len(names) - 1),
    )
    return bar_figure(bars, bar_look(narrow))


# ---------------------------------------------------------------------------------------------
# The tariff scenario


def top_changes(scenario: pd.DataFrame, top: int = TOP_EXPOSED) -> pd.DataFrame:
    """The `top` products whose exports to the partner change the most (largest losses first)."""
    changed = scenario[scenario["change_eur"] != 0]
    size = changed["change_eur"].abs().rename("size")
    ordered = changed.join(size).sort_values(["size", "product"], ascending=[False, True])
    return ordered.drop(columns="size").head(top)


def _range_bar(
    lows: list[float], highs: list[float], texts: list[str], hovers: list[str], look: BarLook
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


def _chosen_marks(values: list[float], hovers: list[str], look: BarLook) -> dict[str, object]:
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
        return empty_figure()
    look = replace(bar_look(narrow), padding=_SCENARIO_PADDING[narrow])
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
    bars = Bars(
        names=names,
        values=lows,
        texts=[""] * len(names),
        hovers=hovers,
        colors=[_sign_color(v) for v in highs],
    )
    extra = [_range_bar(lows, highs, ranges, hovers, look), _chosen_marks(chosen, hovers, look)]
    return bar_figure(bars, look, extra, [*lows, *highs, *chosen])
