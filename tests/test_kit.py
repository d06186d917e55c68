"""lib/charts/kit.py, every chart's toolkit: round ticks, names shortened, bars; the expected
values are worked out by hand."""

from __future__ import annotations

import pytest

from lib.charts import kit
from lib.core.theme import NEGATIVE_RED, POSITIVE_GREEN, TEXT_GREY

NB = "\u00a0"  # the thousands separator of lib.core.formatting


@pytest.mark.parametrize(
    ("raw", "step"),
    [
        (1.0, 1.0),  # already round
        (3.0, 5.0),
        (2.2, 2.5),
        (6.0, 10.0),  # past 5: the next power of ten
        (130.0, 200.0),
        (0.7, 1.0),
        (0.3, 0.5),
        (0.03, 0.05),
    ],
)
def test_nice_step_is_the_smallest_round_step_at_least_the_raw_one(raw: float, step: float) -> None:
    assert kit.nice_step(raw) == pytest.approx(step)


def test_nice_step_refuses_a_step_that_is_not_positive() -> None:
    with pytest.raises(ValueError):
        kit.nice_step(0.0)
    with pytest.raises(ValueError):
        kit.nice_step(-2.0)


@pytest.mark.parametrize(
    ("step", "places"),
    [(5.0, 0), (200.0, 0), (2.5, 1), (0.25, 2), (0.05, 2), (1 / 3, 6)],  # 1/3: never exact
)
def test_decimals_print_every_multiple_of_the_step(step: float, places: int) -> None:
    assert kit.decimals(step) == places


def test_symmetric_ticks_are_labelled_by_their_absolute_value() -> None:
    # 5 000 over 2 ticks a side: a step of 2 500.
    values, labels = kit.symmetric_ticks(5000.0, 2)
    assert values == [-5000.0, -2500.0, 0.0, 2500.0, 5000.0]
    assert labels == [f"5{NB}000", f"2{NB}500", "0", f"2{NB}500", f"5{NB}000"]


def test_symmetric_ticks_stop_inside_the_range_and_keep_the_step_decimals() -> None:
    # 0,6 over 2 a side: a raw step of 0,3 becomes 0,5; 1,0 would be past the range.
    values, labels = kit.symmetric_ticks(0.6, 2)
    assert values == pytest.approx([-0.5, 0.0, 0.5])
    assert labels == ["0,5", "0,0", "0,5"]


def test_round_ticks_start_at_the_first_multiple_of_the_step_inside_the_range() -> None:
    # −450 to 420 over 4: a raw step of 217,5 becomes 250; −500 and 500 are outside.
    values, labels = kit.round_ticks(-450.0, 420.0, 4)
    assert values == [-250.0, 0.0, 250.0]
    assert labels == ["\u2212250", "0", "250"]
    # 0 to 1,18 over 5: a raw step of 0,236 becomes 0,25, written with its two decimals.
    values, labels = kit.round_ticks(0.0, 1.18, 5)
    assert values == pytest.approx([0.0, 0.25, 0.5, 0.75, 1.0])
    assert labels == ["0,00", "0,25", "0,50", "0,75", "1,00"]


@pytest.mark.parametrize(
    ("text", "limit", "shown"),
    [
        ("Allemagne", 9, "Allemagne"),  # fits exactly
        ("Allemagne", 8, "Allemag…"),
        ("Fabrication de textiles", 13, "Fabrication…"),  # no space before the ellipsis
        ("", 3, ""),
    ],
)
def test_shorten_cuts_long_names_with_an_ellipsis(text: str, limit: int, shown: str) -> None:
    assert kit.shorten(text, limit) == shown
    assert len(kit.shorten(text, limit)) <= limit


def test_wrapped_breaks_long_labels_on_words() -> None:
    assert kit.wrapped("Fabrication de produits", 12) == "Fabrication<br>de produits"
    assert kit.wrapped("Pêche", 12) == "Pêche"


def test_value_range_always_holds_zero() -> None:
    assert kit.value_range([2.0, 5.0], 1.3) == pytest.approx([0.0, 6.5])
    assert kit.value_range([-4.0, 2.0], 1.5) == pytest.approx([-6.0, 3.0])
    assert kit.value_range([-3.0, -1.0], 2.0) == pytest.approx([-6.0, 0.0])
    assert kit.value_range([0.0, 0.0], 1.3) == [0.0, 1.0]  # nothing to draw: still an axis


def test_sign_color_reads_the_balance_as_rounded_to_a_tenth_of_a_million() -> None:
    assert kit.sign_color(-2e6) == NEGATIVE_RED
    assert kit.sign_color(3e6) == POSITIVE_GREEN
    assert kit.sign_color(40_000.0) == TEXT_GREY  # 0,04 M€ reads « 0,0 M€ »
    assert kit.sign_color(-40_000.0) == TEXT_GREY


def _bars() -> kit.Bars:
    return kit.Bars(
        names=["Produits pharmaceutiques de base et préparations", "Boissons"],
        values=[4.0, 1.0],
        texts=["4,0 M€", "1,0 M€"],
        hovers=["a", "b"],
        colors=["#000091", "#000091"],
    )


def test_bar_figure_wide_names_the_rows_on_the_axis() -> None:
    fig = kit.bar_figure(_bars(), kit.bar_look(narrow=False)).to_plotly_json()
    assert fig["layout"]["yaxis"]["ticktext"] == [
        "Produits pharmaceutiques de base et préparations",
        "Boissons",
    ]
    assert list(fig["layout"]["xaxis"]["range"]) == pytest.approx([0.0, 4.0 * 1.3])
    assert not fig["layout"].get("annotations")


def test_bar_figure_narrow_writes_the_names_above_the_bars() -> None:
    look = kit.bar_look(narrow=True)
    fig = kit.bar_figure(_bars(), look).to_plotly_json()
    assert fig["layout"]["yaxis"]["showticklabels"] is False
    texts = [note["text"] for note in fig["layout"]["annotations"]]
    assert texts == ["Produits pharmaceutiques de base et préparati…", "Boissons"]
    assert len(texts[0]) == look.name_limit


def test_empty_figure_says_there_is_no_data() -> None:
    fig = kit.empty_figure("Titre").to_plotly_json()
    assert [note["text"] for note in fig["layout"]["annotations"]] == ["Aucune donnée"]
    assert fig["layout"]["title"]["text"] == "Titre"


# --- which look a chart as wide as the page takes (the cookie of .streamlit/width.js) ----------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("375", 375), ("1400", 1400), ("200", 200), ("20000", 20000), ("0640", 640)],
)
def test_a_window_width_is_read_from_its_cookie(raw: str, expected: int) -> None:
    assert kit.window_width(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [None, "", " 375", "375px", "-375", "3.5e2", "1e3", "abc", "٣٧٥", "199", "20001", "9" * 400],
)
def test_anything_else_is_no_width(raw: str | None) -> None:
    assert kit.window_width(raw) is None


@pytest.mark.parametrize(
    ("width", "look"),
    [
        (None, None),  # unknown: both looks, the CSS chooses
        (200, "narrow"),
        (375, "narrow"),
        (559, "narrow"),  # the chart 527 px wide (window less 32 px of margins, in Chromium)
        (560, None),  # 528 px: still narrow, but a scroll bar or a zoom is near: both
        (639, None),
        (640, "wide"),  # 608 px
        (1400, "wide"),
    ],
)
def test_the_look_follows_the_window(width: int | None, look: str | None) -> None:
    assert kit.look_for_window(width) == look
