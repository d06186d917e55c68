"""lib.core.measures: balance, coverage and shares, with their one zero guard.

Expected values are worked out by hand in the comments, not by the code under test.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.core import measures


def test_percent_of_numbers() -> None:
    assert measures.percent(25.0, 200.0) == 12.5  # 100 × 25 / 200
    assert measures.percent(3.0, 3.0) == 100.0
    assert measures.percent(0.0, 40.0) == 0.0
    assert measures.percent(-5.0, 20.0) == -25.0  # a fall of 5 on 20


def test_percent_of_nothing_is_undefined_never_zero_nor_infinite() -> None:
    assert math.isnan(measures.percent(25.0, 0.0))
    assert math.isnan(measures.percent(0.0, 0.0))
    assert math.isnan(measures.percent(25.0, 0))  # an integer zero from a SQL sum
    assert math.isnan(measures.percent(math.nan, 10.0))
    assert math.isnan(measures.percent(10.0, math.nan))


def test_percent_of_series_by_series_guards_each_row() -> None:
    part = pd.Series([1.0, 2.0, 3.0, math.nan], index=["a", "b", "c", "d"])
    whole = pd.Series([4.0, 0.0, -6.0, 5.0], index=["a", "b", "c", "d"])
    got = measures.percent(part, whole)
    # a: 100 × 1 / 4 = 25; b: no whole; c: 100 × 3 / −6 = −50; d: no part.
    pd.testing.assert_series_equal(
        got, pd.Series([25.0, math.nan, -50.0, math.nan], index=["a", "b", "c", "d"])
    )


def test_percent_of_series_by_a_number() -> None:
    part = pd.Series([10.0, 30.0], index=[7, 9])
    pd.testing.assert_series_equal(
        measures.percent(part, 40.0), pd.Series([25.0, 75.0], index=[7, 9])
    )
    nothing = measures.percent(part, 0.0)
    assert list(nothing.index) == [7, 9]
    assert nothing.isna().all()


def test_balance_is_exports_minus_imports() -> None:
    assert measures.balance(120.0, 80.0) == 40.0
    assert measures.balance(80.0, 120.0) == -40.0  # a deficit
    assert measures.balance(0.0, 0.0) == 0.0
    got = measures.balance(pd.Series([5.0, 0.0, math.nan]), pd.Series([7.0, 3.0, 1.0]))
    pd.testing.assert_series_equal(got, pd.Series([-2.0, -3.0, math.nan]))


def test_coverage_is_empty_without_imports() -> None:
    assert measures.coverage(150.0, 100.0) == 150.0
    assert measures.coverage(0.0, 100.0) == 0.0  # imports only: covered at 0 %, not undefined
    assert math.isnan(measures.coverage(150.0, 0.0))
    got = measures.coverage(pd.Series([50.0, 9.0, 0.0]), pd.Series([200.0, 0.0, 0.0]))
    pd.testing.assert_series_equal(got, pd.Series([25.0, math.nan, math.nan]))


def test_key_figures_of_a_frame() -> None:
    frame = pd.DataFrame({"exports_eur": [30.0, 0.0, 10.0], "imports_eur": [60.0, 20.0, 0.0]})
    measures.with_key_figures(frame, national_exports=40.0, national_imports=80.0)
    expected = pd.DataFrame(
        {
            "exports_eur": [30.0, 0.0, 10.0],
            "imports_eur": [60.0, 20.0, 0.0],
            "balance_eur": [-30.0, -20.0, 10.0],
            "coverage_pct": [50.0, 0.0, math.nan],
            "exports_share_national_pct": [75.0, 0.0, 25.0],  # 30/40, 0/40, 10/40
            "imports_share_national_pct": [75.0, 25.0, 0.0],  # 60/80, 20/80, 0/80
        }
    )
    pd.testing.assert_frame_equal(frame, expected)


def test_key_figures_without_national_totals() -> None:
    frame = pd.DataFrame({"exports_eur": [30.0], "imports_eur": [0.0]})
    measures.with_key_figures(frame, national_exports=0.0, national_imports=0.0)
    assert frame["balance_eur"].tolist() == [30.0]
    assert (
        frame[["coverage_pct", "exports_share_national_pct", "imports_share_national_pct"]]
        .isna()
        .all()
        .all()
    )


def test_percent_refuses_text() -> None:
    with pytest.raises(TypeError):
        measures.percent("12", 4.0)  # type: ignore[call-overload]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e13, allow_nan=False), min_size=1, max_size=30))
def test_shares_of_the_parts_add_up_to_100(parts: list[float]) -> None:
    whole = math.fsum(parts)
    shares = measures.percent(pd.Series(parts), whole)
    if whole == 0:
        assert shares.isna().all()
    else:
        assert math.fsum(shares) == pytest.approx(100.0, rel=1e-9)
        assert ((shares >= 0) & (shares <= 100 * (1 + 1e-12))).all()


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=-1e13, max_value=1e13, allow_nan=False),
    st.floats(min_value=-1e13, max_value=1e13, allow_nan=False),
)
def test_balance_and_coverage_agree(exports: float, imports: float) -> None:
    # A positive balance is a coverage above 100 % when both flows are positive.
    coverage = measures.coverage(exports, imports)
    if imports == 0:
        assert math.isnan(coverage)
    elif exports > 0 and imports > 0 and abs(exports - imports) > 1e-9 * max(exports, imports):
        assert (measures.balance(exports, imports) > 0) == (coverage > 100)
