"""The Exposition page's map: the départements coloured by the share of their exports going to
a partner, drawn by lib.charts.choropleth's choropleth (offline, DROM insets, clicks by `code`).

The frame is lib.data.exposure.exposure_by_dept (dept, name, exports_eur, to_partner_eur,
share_pct, rank_share, rank_value); like lib.charts.choropleth this module loads no database.
"""

from __future__ import annotations

import math

import folium
import pandas as pd

from lib.charts import choropleth
from lib.charts.choropleth import Metric
from lib.core import formatting
from lib.core.flows import EXPORT


def rank_text(rank: float, count: int) -> str:
    """`1` → « 1er sur 101 », `12` → « 12e sur 101 »; NaN → « – »."""
    if math.isnan(rank):
        return formatting.number(None)
    whole = int(rank)
    return f"{whole}{'er' if whole == 1 else 'e'} sur {formatting.number(count, 0)}"


def share_metric(partner_label: str) -> Metric:
    """The colouring metric; its label (the legend's title) names the partner."""
    return Metric(
        "exposure_share",
        f"Part des exportations vers le partenaire ({partner_label})",
        "share_pct",
        formatting.pct,
        EXPORT.ramp,
    )


def tooltip_metrics(count: int) -> list[Metric]:
    """Share, its rank among the `count` départements, value to the partner, total exports."""
    return [
        Metric("exposure_share", "Part vers le partenaire", "share_pct", formatting.pct),
        Metric("exposure_rank", "Rang (part)", "rank_share", lambda r: rank_text(r, count)),
        Metric(
            "exposure_value", "Exportations vers le partenaire", "to_partner_eur", formatting.meur
        ),
        Metric("exposure_rank_value", "Rang (valeur)", "rank_value", lambda r: rank_text(r, count)),
        Metric("exposure_exports", "Exportations totales", "exports_eur", formatting.meur),
    ]


def exposure_choropleth(
    by_dept: pd.DataFrame,
    partner_label: str,
    selected: str | None = None,
    period: str | None = None,
) -> folium.Map:
    """Every département by its share of exports going to the partner, `selected` outlined."""
    return choropleth.choropleth(
        by_dept,
        share_metric(partner_label),
        selected=selected,
        period=period,
        tooltip=tooltip_metrics(len(by_dept)),
    )
