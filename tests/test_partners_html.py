"""The fiche's partners chart in HTML (lib/charts/fiche_figures.partners_html), read back with a
plain parser (tests/html_charts.py) and compared with figures computed here by hand: the
countries in order, each bar's length as a share of its half of the axis, the texts in
French, the balance's colour by its sign, the ticks; hostile names stay text."""

from __future__ import annotations

import pytest

from lib.charts import fiche_figures
from lib.core.theme import EXPORT_VIOLET, IMPORT_BLUE, NEGATIVE_RED, POSITIVE_GREEN, TEXT_GREY
from tests.html_charts import read
from tests.test_figures import EQUAL_TOTALS, PARTNERS, partners_frame

M = 1_000_000
NB = "\u00a0"


def _chart(frame, narrow: bool = False):
    (chart,) = read(fiche_figures.partners_html(frame, narrow=narrow).markup)
    return chart


def test_rows_are_the_countries_largest_trade_first_with_their_values_and_balances() -> None:
    chart = _chart(PARTNERS)
    # imports + exports: Allemagne 445.3, Espagne 371.1, Chine 224.6, Suisse 40.0 (M€)
    assert [row.name for row in chart.rows] == ["Allemagne", "Espagne", "Chine", "Suisse"]
    assert chart.bars == 4
    germany = chart.rows[0]
    assert germany.values == [f"304,2{NB}M€", f"141,1{NB}M€"]
    assert germany.balance == f"−163,1{NB}M€" and germany.balance_color == NEGATIVE_RED
    assert chart.rows[1].balance == f"+90,1{NB}M€" and chart.rows[1].balance_color == (
        POSITIVE_GREEN
    )
    assert chart.rows[3].balance == f"0,0{NB}M€" and chart.rows[3].balance_color == TEXT_GREY
    assert all(row.colors == [IMPORT_BLUE, EXPORT_VIOLET] for row in chart.rows)
    assert germany.tooltip == (
        f"Allemagne\nImportations : 304,2{NB}M€\nExportations : 141,1{NB}M€\nSolde : −163,1{NB}M€"
    )
    assert chart.legend == ["Importations", "Exportations"]
    assert chart.head == "Solde"


@pytest.mark.parametrize(("narrow", "padding"), [(False, 1.4), (True, 2.1)])
def test_each_bar_is_its_value_over_the_half_axis(narrow: bool, padding: float) -> None:
    """The half axis is the largest bar (Allemagne's 304.2 M€ of imports) times the look's room
    for the texts; a bar's width is its value's share of it."""
    chart = _chart(PARTNERS, narrow)
    half = 304.2 * padding
    expected = {
        "Allemagne": (304.2, 141.1),
        "Espagne": (140.5, 230.6),
        "Chine": (224.6, 0.0),
        "Suisse": (20.0, 20.0),
    }
    for row in chart.rows:
        imports, exports = expected[row.name]
        assert row.widths == pytest.approx([100 * imports / half, 100 * exports / half], abs=1e-3)
    # No text beside an empty bar (Chine's exports).
    assert chart.rows[2].values[1] == ""


def test_ticks_are_symmetric_and_placed_on_the_axis() -> None:
    chart = _chart(PARTNERS)
    half = 304.2 * 1.4  # 425.88 M€: ticks every 100 M€ up to 400
    sides = ["400", "300", "200", "100"]
    assert [text for _, text in chart.ticks] == [*sides, "0", *reversed(sides)]
    for (at, _), value in zip(chart.ticks, range(-400, 401, 100), strict=True):
        assert at == pytest.approx(50 + 50 * value / half, abs=1e-3)
    assert chart.axis == "millions d'euros (importations à gauche, exportations à droite)"


def test_the_narrow_look_drops_the_unit_and_shortens_long_names() -> None:
    frame = partners_frame(
        [("AE", "Émirats arabes unis", 304.2 * M, 141.1 * M), ("ES", "Espagne", 140.5 * M, 0.0)]
    )
    wide, narrow = _chart(frame), _chart(frame, narrow=True)
    assert [row.name for row in wide.rows] == ["Émirats arabes unis", "Espagne"]
    assert [row.name for row in narrow.rows] == ["Émirats arab…", "Espagne"]
    assert narrow.rows[0].values == ["304,2", "141,1"] and narrow.rows[0].balance == "−163,1"
    assert narrow.head == "Solde (M€)" and narrow.axis == "millions d'euros"
    # Half axis 304.2 × 2.1 = 638.8 M€, about two ticks a side: every 500 M€.
    assert [text for _, text in narrow.ticks] == ["500", "0", "500"]
    assert narrow.rows[0].tooltip == wide.rows[0].tooltip  # the whole name and figures
    assert "cb-narrow" in narrow.classes and "cb-wide" in wide.classes


def test_same_order_as_the_plotly_chart_the_document_keeps() -> None:
    figure = fiche_figures.partners_figure(EQUAL_TOTALS)
    names = [row.name for row in _chart(EQUAL_TOTALS).rows]
    assert (
        names
        == list(figure.layout.yaxis.ticktext)
        == [
            "Italie",
            "Espagne",
            "Allemagne",
            "Belgique",
        ]
    )


def test_hostile_names_are_text_never_markup() -> None:
    name = '<img src=x onerror="alert(1)">&amp; =HYPERLINK("x")'
    markup = fiche_figures.partners_html(partners_frame([("XX", name, 2 * M, M)])).markup
    assert "<img" not in markup and 'onerror="' not in markup
    (row,) = _chart(partners_frame([("XX", name, 2 * M, M)])).rows
    assert row.name == name  # shown as typed, once unescaped by the browser
    assert row.tooltip.startswith(name + "\n")


def test_an_empty_frame_says_no_data() -> None:
    chart = _chart(PARTNERS.iloc[0:0])
    assert chart.bars == 0 and chart.rows == [] and chart.text == "Aucune donnée"


def test_the_signature_changes_with_what_is_drawn() -> None:
    """The bench tells a redraw by `data-signature` (bench/browser.py)."""
    assert _chart(PARTNERS).signature != _chart(PARTNERS.iloc[:3]).signature
    assert _chart(PARTNERS).signature == _chart(PARTNERS.sample(frac=1, random_state=1)).signature
