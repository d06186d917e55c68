"""French number formatting."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.core import formatting

NB = "\u00a0"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1_773_500_000, f"1{NB}773,5{NB}M€"),
        (580_354_500_000, f"580{NB}354,5{NB}M€"),
        (-437_800_000, f"\u2212437,8{NB}M€"),
        (49_999, f"0,0{NB}M€"),
        (-49_999, f"0,0{NB}M€"),  # no "−0,0"
        (0, f"0,0{NB}M€"),
        (None, "–"),
        (math.nan, "–"),
    ],
)
def test_meur(value: float | None, expected: str) -> None:
    assert formatting.meur(value) == expected


def test_signed_values_carry_their_sign() -> None:
    assert formatting.meur(145e6, signed=True) == f"+145,0{NB}M€"
    assert formatting.meur(-80e6, signed=True) == f"\u221280,0{NB}M€"
    assert formatting.pct(0.0, signed=True) == f"0,0{NB}%"


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (6.55, 1, f"6,6{NB}%"),
        (0.3056, 2, f"0,31{NB}%"),
        (100, 1, f"100,0{NB}%"),
        (1234.5, 0, f"1{NB}235{NB}%"),
    ],
)
def test_pct(value: float, decimals: int, expected: str) -> None:
    assert formatting.pct(value, decimals) == expected


def test_share_decimals() -> None:
    assert formatting.share_decimals(0.31) == 2
    assert formatting.share_decimals(6.6) == 1


@pytest.mark.parametrize(
    ("value", "regional", "national"),
    [
        (1.85, f"1,9{NB}%", f"1,85{NB}%"),
        (0.925, f"0,93{NB}%", f"0,93{NB}%"),
        (47.52, f"47,5{NB}%", f"47,52{NB}%"),
        (0.04, f"0,04{NB}%", f"0,04{NB}%"),  # a tiny share never reads 0,0 %
        (100.0, f"100,0{NB}%", f"100,00{NB}%"),
        (math.nan, "–", "–"),
    ],
)
def test_shares(value: float, regional: str, national: str) -> None:
    """National shares always with two decimals, as the seed fiches; others with one."""
    assert formatting.share(value) == regional
    assert formatting.national_share(value) == national


@given(st.floats(min_value=-1e15, max_value=1e15, allow_nan=False))
def test_number_round_trips_to_the_rounded_value(value: float) -> None:
    text = formatting.number(value, 2)
    parsed = float(text.replace(NB, "").replace(",", ".").replace("\u2212", "-"))
    assert abs(parsed - value) <= 0.005 + abs(value) * 1e-12
    assert "." not in text


# --- Estimates: rounded to the precision their method deserves ----------------------------


@pytest.mark.parametrize(
    ("values", "rounded", "decimals"),
    [
        # Two significant figures of the largest, the other on the same step.
        ([-68.4, -209.3], [-70.0, -210.0], 0),
        ([-148.9], [-150.0], 0),
        ([0.351, 1.07], [0.4, 1.1], 1),
        ([-8.21, -24.6], [-8.0, -25.0], 0),
        ([-0.0123, -0.0412], [-0.012, -0.041], 3),
        ([1234.5, 5.0], [1200.0, 0.0], 0),
        ([-0.145], [-0.15], 2),  # half away from zero on the decimal text (binary: 0.1449…)
        ([99.5], [100.0], 0),
        ([0.0, 0.0], [0.0, 0.0], 0),
    ],
)
def test_round_significant(values: list[float], rounded: list[float], decimals: int) -> None:
    got, got_decimals = formatting.round_significant(values)
    assert got == pytest.approx(rounded, abs=1e-12)
    assert got_decimals == decimals


def test_round_significant_keeps_nan() -> None:
    got, decimals = formatting.round_significant([math.nan, -68.4])
    assert math.isnan(got[0]) and got[1] == -68.0 and decimals == 0


def test_estimate_range_is_french_and_signed() -> None:
    assert formatting.estimate_range(-68.4, -209.3, "M€") == f"entre \u221270 et \u2212210{NB}M€"
    assert formatting.estimate_range(-1.63, -4.98, "%") == f"entre \u22121,6 et \u22125,0{NB}%"
    short = formatting.estimate_range(-68.4, -209.3, "M€", formatting.SHORT_RANGE)
    assert short == f"\u221270 à \u2212210{NB}M€"
    assert formatting.estimate_range(3.1, 9.04, "M€") == f"entre +3,1 et +9,0{NB}M€"
    # Bounds rounding alike are one figure; an unknown bound is no figure.
    assert formatting.estimate_range(0.0, 0.0, "M€") == f"0{NB}M€"
    assert formatting.estimate_range(-1.004, -1.002, "%") == f"\u22121,0{NB}%"
    assert formatting.estimate_range(math.nan, -3.0, "%") == "–"


def test_estimate_and_trimmed() -> None:
    assert formatting.estimate(-148.9, "M€") == f"\u2212150{NB}M€"
    assert formatting.estimate(-0.3, "M€") == f"\u22120,30{NB}M€"
    assert formatting.estimate(math.nan, "M€") == "–"
    assert formatting.trimmed(5.0) == "5"
    assert formatting.trimmed(2.5) == "2,5"
    assert formatting.trimmed(1500.0) == f"1{NB}500"
