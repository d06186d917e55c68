"""lib.charts.indicator_figures: the bars of the strongest specialisations, checked on their
JSON."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from lib.charts import indicator_figures
from lib.charts.kit import NO_DATA
from lib.core import refs
from lib.core.flows import EXPORT

TOP = pd.DataFrame(
    {
        "product": ["C10F", "C10D", "R90Z"],
        "exports_eur": [9.0e8, 1.5e8, 2.1e7],
        "share_pct": [54.0, 8.56, 0.75],
        "france_share_pct": [1.21, 1.14, 0.38],
        "rca": [44.63, 7.509, 1.97],
    }
)


def _spec(fig) -> dict:
    return json.loads(fig.to_json())


def test_bars_carry_the_index_in_french_largest_on_top() -> None:
    spec = _spec(indicator_figures.specialisation_figure(TOP))
    (bar,) = spec["data"]
    assert bar["orientation"] == "h"
    assert bar["x"] == [44.63, 7.509, 1.97]
    assert bar["text"] == ["44,6", "7,5", "2,0"]
    assert bar["marker"]["color"] == EXPORT.color
    assert spec["layout"]["yaxis"]["autorange"] == "reversed"  # the first row on top
    labels = spec["layout"]["yaxis"]["ticktext"]
    assert labels[0].replace("<br>", " ") == refs.product_name("C10F")
    hover = bar["customdata"][2]
    assert hover == [refs.product_name("R90Z"), "2,0", "0,75\u00a0%", "0,38\u00a0%"]


def test_reference_line_at_one() -> None:
    layout = _spec(indicator_figures.specialisation_figure(TOP))["layout"]
    (line,) = layout["shapes"]
    assert (line["x0"], line["x1"], line["xref"]) == (1, 1, "x")
    assert layout["annotations"][0]["text"] == indicator_figures.REFERENCE_NOTE
    assert layout["xaxis"]["range"][0] == 0 and layout["xaxis"]["range"][1] > 44.63


def test_line_at_one_stays_in_view_when_every_index_is_below() -> None:
    low = TOP.assign(rca=[0.8, 0.5, 0.2])
    layout = _spec(indicator_figures.specialisation_figure(low))["layout"]
    assert layout["xaxis"]["range"][1] > 1


def test_narrow_look_names_each_bar_above_it_on_one_line() -> None:
    layout = _spec(indicator_figures.specialisation_figure(TOP, narrow=True))["layout"]
    assert layout["yaxis"]["showticklabels"] is False
    names = layout["annotations"][1:]
    assert [n["y"] for n in names] == pytest.approx([-0.3, 0.7, 1.7])  # just above each bar
    assert all("<br>" not in n["text"] for n in names)
    assert names[0]["text"] == refs.product_name("C10F")  # 53 characters: whole


def test_long_names_are_cut_after_a_whole_word() -> None:
    refs.use_dataset_labels({"product": {"ZZZZ": "Mot " * 20}})
    try:
        assert indicator_figures.short_name("ZZZZ") == "Mot " * 13 + "…"  # 4 × 13 + 1 ≤ 56
    finally:
        refs.use_dataset_labels({})


def test_names_from_the_data_are_not_read_as_html() -> None:
    refs.use_dataset_labels({"product": {"ZZZZ": "<b>Gras</b> & co"}})
    try:
        frame = TOP.head(1).assign(product="ZZZZ")
        spec = _spec(indicator_figures.specialisation_figure(frame))
        assert spec["layout"]["yaxis"]["ticktext"] == ["&lt;b&gt;Gras&lt;/b&gt; &amp; co"]
        narrow = _spec(indicator_figures.specialisation_figure(frame, narrow=True))
        assert narrow["layout"]["annotations"][1]["text"] == "&lt;b&gt;Gras&lt;/b&gt; &amp; co"
        assert spec["data"][0]["customdata"][0][0] == "&lt;b&gt;Gras&lt;/b&gt; &amp; co"
    finally:
        refs.use_dataset_labels({})


def test_no_product_says_so() -> None:
    spec = _spec(indicator_figures.specialisation_figure(TOP.head(0)))
    assert spec["layout"]["annotations"][0]["text"] == NO_DATA
