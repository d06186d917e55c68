"""lib.charts.indicator_figures: the bars of the strongest specialisations, drawn in HTML, read
back with a plain parser (tests/html_charts.py) and compared with figures computed here by
hand: each bar's length as a share of the axis, the texts in French, the line at 1, the ticks;
names from the data stay text."""

from __future__ import annotations

import pandas as pd
import pytest

from lib.charts import indicator_figures
from lib.charts.kit import NO_DATA
from lib.core import refs
from lib.core.flows import EXPORT
from tests.html_charts import read

NB = "\u00a0"
TOP = pd.DataFrame(
    {
        "product": ["C10F", "C10D", "R90Z"],
        "exports_eur": [9.0e8, 1.5e8, 2.1e7],
        "share_pct": [54.0, 8.56, 0.75],
        "france_share_pct": [1.21, 1.14, 0.38],
        "rca": [44.63, 7.509, 1.97],
    }
)


def _chart(frame: pd.DataFrame, narrow: bool = False):
    (chart,) = read(indicator_figures.specialisation_html(frame, narrow=narrow).markup)
    return chart


def test_bars_carry_the_index_in_french_largest_on_top() -> None:
    chart = _chart(TOP)
    assert chart.bars == 3 and "cb-spec" in chart.classes and "cb-wide" in chart.classes
    assert [row.name.replace("\n", " ") for row in chart.rows] == [
        refs.product_name(code) for code in TOP["product"]
    ]
    assert [row.values for row in chart.rows] == [["44,6"], ["7,5"], ["2,0"]]
    assert all(row.colors == [EXPORT.color] for row in chart.rows)
    assert chart.rows[2].tooltip == (
        f"{refs.product_name('R90Z')}\nIndice : 2,0\n"
        f"Part dans les exportations du territoire : 0,75{NB}%\n"
        f"Part dans les exportations de la France : 0,38{NB}%"
    )


def test_each_bar_is_its_index_over_the_axis() -> None:
    """The axis runs to the largest index times 1.18 (room for the texts): 52.6634."""
    end = 44.63 * 1.18
    widths = [row.widths[0] for row in _chart(TOP).rows]
    expected = [100 * 44.63 / end, 100 * 7.509 / end, 100 * 1.97 / end]
    assert widths == pytest.approx(expected, abs=1e-3)  # written to a thousandth of a percent


def test_reference_line_at_one_and_ticks_every_twenty() -> None:
    chart = _chart(TOP)
    end = 44.63 * 1.18
    assert chart.reference_at == pytest.approx(100 / end, abs=1e-3)
    assert chart.note == indicator_figures.REFERENCE_NOTE
    assert [text for _, text in chart.ticks] == ["0", "20", "40"]  # 52.7 / 5 → a step of 20
    assert [at for at, _ in chart.ticks] == pytest.approx([0, 2000 / end, 4000 / end], abs=1e-3)
    assert chart.axis == indicator_figures.AXIS_TITLE


def test_line_at_one_stays_in_view_when_every_index_is_below() -> None:
    low = TOP.assign(rca=[0.8, 0.5, 0.2])
    chart = _chart(low)
    assert chart.reference_at == pytest.approx(100 / 1.18, abs=1e-3)  # the axis ends at 1.18
    assert chart.rows[0].widths == pytest.approx([100 * 0.8 / 1.18], abs=1e-3)
    # Past the middle, the note reads leftwards from the line, so that it stays in the chart.
    assert 'class="cb-note cb-note-left"' in indicator_figures.specialisation_html(low).markup
    assert 'class="cb-note cb-note-right"' in indicator_figures.specialisation_html(TOP).markup


def test_wide_look_wraps_names_beside_their_bars() -> None:
    for row in _chart(TOP).rows:
        lines = row.name.split("\n")
        assert all(len(line) <= indicator_figures.WIDE_WRAP for line in lines)
    assert len(_chart(TOP).rows[0].name.split("\n")) > 1  # 53 characters: two lines


def test_narrow_look_names_each_bar_above_it_on_one_line() -> None:
    chart = _chart(TOP, narrow=True)
    assert "cb-narrow" in chart.classes
    assert all("\n" not in row.name for row in chart.rows)
    assert chart.rows[0].name == refs.product_name("C10F")  # 53 characters: whole
    assert chart.rows[0].tooltip.startswith(refs.product_name("C10F") + "\n")


def test_long_names_are_cut_after_a_whole_word() -> None:
    refs.use_dataset_labels({"product": {"ZZZZ": "Mot " * 20}})
    try:
        assert indicator_figures.short_name("ZZZZ") == "Mot " * 13 + "…"  # 4 × 13 + 1 ≤ 56
        chart = _chart(TOP.head(1).assign(product="ZZZZ"), narrow=True)
        assert chart.rows[0].name == "Mot " * 13 + "…"
        assert chart.rows[0].tooltip.startswith("Mot " * 20 + "\n")  # whole in the tooltip
    finally:
        refs.use_dataset_labels({})


def test_names_from_the_data_are_not_read_as_html() -> None:
    refs.use_dataset_labels({"product": {"ZZZZ": '<b>Gras</b> & co"><img src=x>'}})
    try:
        frame = TOP.head(1).assign(product="ZZZZ")
        for narrow in (False, True):
            markup = indicator_figures.specialisation_html(frame, narrow=narrow).markup
            assert "<b>" not in markup and "<img" not in markup
            (row,) = _chart(frame, narrow).rows
            assert row.name == '<b>Gras</b> & co"><img src=x>'
            assert row.tooltip.startswith('<b>Gras</b> & co"><img src=x>\n')
    finally:
        refs.use_dataset_labels({})


def test_no_product_says_so() -> None:
    chart = _chart(TOP.head(0))
    assert chart.bars == 0 and chart.text == NO_DATA
