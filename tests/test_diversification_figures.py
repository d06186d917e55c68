"""lib/charts/diversification_figures.py on hand-made frames: what each figure draws, in French."""

from __future__ import annotations

import math

import pandas as pd

from lib.charts import diversification_figures as figures
from lib.core import refs

NB = "\u00a0"


def _markets() -> pd.DataFrame:
    """Two products, three and two countries, largest untapped first (top_markets' order)."""
    return pd.DataFrame(
        {
            "product": ["C28C", "C28C", "C28C", "C21Z", "C21Z"],
            "country": ["DE", "BE", "IT", "CH", "JP"],
            "territory_exports_eur": [1e6, 0.0, 2e5, 0.0, 0.0],
            "france_exports_eur": [9e8, 3e8, 1e8, 5e8, 2e8],
            "expected_eur": [13e6, 4e6, 1.2e6, 2.5e6, 1e6],
            "untapped_eur": [12e6, 4e6, 1e6, 2.5e6, 1e6],
            "france_growth_pct": [3.25, math.nan, -1.0, 0.0, 12.0],
        }
    )


def test_one_panel_per_product_in_order_with_values_in_meur() -> None:
    for narrow in (False, True):
        fig = figures.markets_figure(_markets(), narrow=narrow)
        first, second = fig.data
        assert list(first.x) == [12.0, 4.0, 1.0] and list(second.x) == [2.5, 1.0]
        assert list(first.text) == [f"12,0{NB}M€", f"4,0{NB}M€", f"1,0{NB}M€"]
        assert list(fig.layout.yaxis.ticktext) == ["Allemagne", "Belgique", "Italie"]
        titles = [annotation.text for annotation in fig.layout.annotations]
        assert refs.product_name("C21Z") in titles[1]
        # The growth in each hover, « non calculable » where it is missing.
        assert f"+3,3{NB}%" in first.customdata[0] and "non calculable" in first.customdata[1]
    wide = figures.markets_figure(_markets())
    assert wide.layout.xaxis.domain[1] < wide.layout.xaxis2.domain[0]  # side by side
    narrow = figures.markets_figure(_markets(), narrow=True)
    assert narrow.layout.yaxis.domain[0] > narrow.layout.yaxis2.domain[1]  # one above the other


def test_long_product_names_take_two_lines_at_most() -> None:
    long = "Fabrication de moteurs, génératrices et transformateurs électriques et de matériel"
    lines = figures.title_lines(long * 2, 30)
    assert len(lines) == 2 and lines[1].endswith("…") and all(len(x) <= 30 for x in lines)
    assert figures.title_lines("Pêche", 30) == ["Pêche"]


def test_empty_frames_draw_an_empty_figure() -> None:
    empty = _markets().iloc[0:0]
    assert not figures.markets_figure(empty).data
    context = pd.DataFrame(columns=["product", "density", "france_exports_eur"])
    assert not figures.density_figure(context.assign(france_growth_pct=[])).data
    assert not figures.similar_figure(pd.DataFrame(columns=["code", "name", "similarity"])).data


def test_the_world_map_colours_the_untapped_countries_only() -> None:
    by_country = pd.DataFrame({"country": ["DE", "CN", "BE"], "untapped_eur": [3e7, 1e6, 0.0]})
    (trace,) = figures.world_figure(by_country).data
    shades = dict(zip(trace.locations, trace.z, strict=True))
    assert shades["DE"] == 1.0 and 0 < shades["CN"] < 1 and shades["BE"] == 0 == shades["US"]
    legend = figures.world_legend(by_country)
    assert f"de 1,0{NB}M€ à 30,0{NB}M€" in legend
    tiny = by_country.assign(untapped_eur=[3e7, 1e3, 0.0])
    assert f"de moins de 0,1{NB}M€" in figures.world_legend(tiny)  # not « 0,0 M€ »


def test_density_against_france_s_exports_on_a_log_axis() -> None:
    context = pd.DataFrame(
        {
            "product": ["C28C", "C21Z", "C10A"],
            "density": [37.5, 12.0, 5.0],
            "france_exports_eur": [5e9, 4.7e10, 0.0],
            "france_growth_pct": [2.0, -3.0, math.nan],
        }
    )
    (trace,) = figures.density_figure(context).data
    assert list(trace.x) == [5000.0, 47000.0]  # M€; a product France does not export left out
    assert list(trace.y) == [37.5, 12.0]
    assert list(trace.marker.color) == [figures.POSITIVE_GREEN, figures.NEGATIVE_RED]
    ticks, labels = figures.log_ticks([600.0, 12_000.0])
    assert ticks[0] <= 600 and ticks[-1] >= 12_000 and f"1{NB}000" in labels


def test_similar_territories_by_similarity() -> None:
    similar = pd.DataFrame(
        {"code": ["43", "69"], "name": ["Haute-Loire", "Rhône"], "similarity": [0.934, 0.5]}
    )
    (bars,) = figures.similar_figure(similar).data
    assert list(bars.x) == [0.934, 0.5] and list(bars.text) == ["0,93", "0,50"]
    assert "Haute-Loire (43)" in bars.customdata[0]
