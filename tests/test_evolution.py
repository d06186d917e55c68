"""lib.data.evolution against plain pandas on a small quarterly fixture: the series of the
territory,
its région and France (values, same quarters of the year before, growth, index), the average
annual growth, and the contributions to the change between two years, whose sum is the total
change (the oracle of the issue), on whole years and on the quarters of a partial year.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from lib.core import refs
from lib.core.territory import FRANCE, Territory
from lib.data import evolution
from tests.conftest import rows
from tests.test_quarters import quarterly

MAYENNE = Territory("dept", "53")
PAYS_DE_LA_LOIRE = Territory("region", "52")
SARTHE = "72"  # in the Pays de la Loire too

# 2023 and 2024 whole (four quarters), 2025 partial (T1–T2); Orne (61) in another région; a code
# outside the 101 départements ("99") counted in France only.
ROWS = quarterly(
    [
        (year, q, flow, dept, product, None, country, value * (1 + 0.1 * q) * growth)
        for year, growth, quarters in (
            (2023, 1.0, (1, 2, 3, 4)),
            (2024, 1.2, (1, 2, 3, 4)),
            (2025, 1.5, (1, 2)),
        )
        for q in quarters
        for flow, dept, product, country, value in [
            ("E", "53", "C10A", "DE", 100.0),
            ("E", "53", "C21Z", "US", 40.0 if year != 2024 else 10.0),
            ("E", "53", "C10A", "BE", 30.0 if year != 2023 else 0.0),
            ("I", "53", "C10A", "BE", 60.0),
            ("E", SARTHE, "C21Z", "DE", 70.0),
            ("I", "61", "C21Z", "CN", 25.0),
            ("E", "99", "C10A", "CN", 15.0),
        ]
    ]
)


@pytest.fixture
def dataset(use_dataset) -> pd.DataFrame:
    use_dataset(ROWS)
    return ROWS


def _total(frame: pd.DataFrame, depts: list[str] | None, year: int, flow: str,
           quarters: tuple[int, ...] = (1, 2, 3, 4)) -> float:  # fmt: skip
    sel = frame[(frame["year"] == year) & (frame["flow"] == flow)]
    sel = sel[sel["quarter"].isin(quarters)]
    if depts is not None:
        sel = sel[sel["dept"].isin(depts)]
    return float(sel["value_eur"].sum())


def test_series_values_growth_and_index_against_pandas(dataset: pd.DataFrame) -> None:
    table = evolution.series(MAYENNE, base=2023).set_index(["scope", "year"])
    region = refs.depts_of_region("52")
    assert set(table.index.get_level_values("scope")) == {"territory", "region", "france"}
    for scope, depts in (("territory", ["53"]), ("region", region), ("france", None)):
        for flow, key in (("E", "exports"), ("I", "imports")):
            values = {y: _total(dataset, depts, y, flow) for y in (2023, 2024, 2025)}
            prev_2025 = _total(dataset, depts, 2024, flow, (1, 2))
            for year in (2023, 2024, 2025):
                assert table.loc[(scope, year), f"{key}_eur"] == pytest.approx(values[year])
            assert table.loc[(scope, 2024), f"{key}_prev_eur"] == pytest.approx(values[2023])
            # The partial year: the previous year on its own quarters, T1–T2.
            assert table.loc[(scope, 2025), f"{key}_prev_eur"] == pytest.approx(prev_2025)
            growth_2025 = 100 * (values[2025] - prev_2025) / prev_2025
            assert table.loc[(scope, 2025), f"{key}_growth_pct"] == pytest.approx(growth_2025)
            index_2024 = 100 * values[2024] / values[2023]
            assert table.loc[(scope, 2023), f"{key}_index"] == pytest.approx(100)
            assert table.loc[(scope, 2024), f"{key}_index"] == pytest.approx(index_2024)
            chained = index_2024 * (1 + growth_2025 / 100)
            assert table.loc[(scope, 2025), f"{key}_index"] == pytest.approx(chained)
    mayenne = table.loc["territory"]
    assert list(mayenne["partial"]) == [False, False, True]
    assert list(mayenne["period"]) == ["2023", "2024", "2025 (T1–T2)"]
    assert math.isnan(mayenne.loc[2023, "exports_growth_pct"])  # no 2022
    balance = mayenne["exports_eur"] - mayenne["imports_eur"]
    assert list(mayenne["balance_eur"]) == pytest.approx(list(balance))


def test_scopes_of_a_region_and_of_france(dataset: pd.DataFrame) -> None:
    assert set(evolution.series(PAYS_DE_LA_LOIRE, 2023)["scope"]) == {"territory", "france"}
    assert set(evolution.series(FRANCE, 2023)["scope"]) == {"territory"}
    assert evolution.whole_years() == [2023, 2024]


def test_average_growth_runs_over_the_whole_years_only(dataset: pd.DataFrame) -> None:
    averages = evolution.average_growth(evolution.series(MAYENNE, 2023))
    row = averages[(averages["scope"] == "territory") & (averages["flow"] == "export")].iloc[0]
    first, last = _total(dataset, ["53"], 2023, "E"), _total(dataset, ["53"], 2024, "E")
    assert (row["first_year"], row["last_year"]) == (2023, 2024)
    assert row["average_growth_pct"] == pytest.approx(100 * (last / first - 1))


def _pandas_contributions(frame: pd.DataFrame, depts: list[str], flow: str, start: int,
                          end: int, by: str, quarters: tuple[int, ...]) -> pd.Series:  # fmt: skip
    sel = frame[(frame["flow"] == flow) & frame["dept"].isin(depts)]
    sel = sel[sel["quarter"].isin(quarters)]
    pivot = sel.pivot_table(index=by, columns="year", values="value_eur", aggfunc="sum")
    pivot = pivot.reindex(columns=[start, end]).fillna(0.0)
    return pivot[end] - pivot[start]


@pytest.mark.parametrize("by", ["country", "product"])
@pytest.mark.parametrize(
    ("start", "end", "quarters"), [(2023, 2024, (1, 2, 3, 4)), (2024, 2025, (1, 2))]
)
def test_contributions_sum_to_the_total_change(
    dataset: pd.DataFrame, by: str, start: int, end: int, quarters: tuple[int, ...]
) -> None:
    table = evolution.contributions(MAYENNE, "export", start, end, by)  # type: ignore[arg-type]
    expected = _pandas_contributions(dataset, ["53"], "E", start, end, by, quarters)
    assert dict(zip(table["code"], table["change_eur"], strict=True)) == pytest.approx(
        expected.to_dict()
    )
    first = _total(dataset, ["53"], start, "E", quarters)
    last = _total(dataset, ["53"], end, "E", quarters)
    change = evolution.change_total(MAYENNE, "export", start, end)
    assert change.quarters == quarters
    assert (change.start_eur, change.end_eur) == pytest.approx((first, last))
    # The oracle: the contributions add up to the total change and to the growth rate.
    assert table["change_eur"].sum() == pytest.approx(last - first)
    assert table["contribution_pct"].sum() == pytest.approx(100 * (last - first) / first)
    assert change.growth_pct == pytest.approx(100 * (last - first) / first)
    # Ranked by change, largest rise first.
    assert list(table["change_eur"]) == sorted(table["change_eur"], reverse=True)


def test_contributions_name_the_codes_and_keep_a_partner_new_in_the_later_year(
    dataset: pd.DataFrame,
) -> None:
    table = evolution.contributions(MAYENNE, "E", 2023, 2024, "country").set_index("code")
    assert table.loc["BE", "start_eur"] == 0 and table.loc["BE", "end_eur"] > 0
    assert table.loc["DE", "name"] == refs.country_name("DE")
    products = evolution.contributions(FRANCE, "I", 2023, 2024, "product").set_index("code")
    assert products.loc["C21Z", "name"] == refs.product_name("C21Z")
    expected = _total(dataset, None, 2024, "I") - _total(dataset, None, 2023, "I")
    assert products["change_eur"].sum() == pytest.approx(expected)


def test_annual_data_cannot_be_compared_with_a_partial_year(use_dataset) -> None:
    annual = rows([(2024, "E", "53", "C10A", "DE", 100.0)])
    annual["quarter"] = pd.array([None], dtype="Int8")
    partial = quarterly([(2025, 1, "E", "53", "C10A", None, "DE", 40.0)])
    use_dataset(pd.concat([annual, partial], ignore_index=True))
    with pytest.raises(evolution.NotComparable, match="trimestres"):
        evolution.contributions(MAYENNE, "E", 2024, 2025, "country")
    table = evolution.series(MAYENNE, 2024).set_index(["scope", "year"]).loc["territory"]
    assert math.isnan(table.loc[2025, "exports_growth_pct"])
    assert math.isnan(table.loc[2025, "exports_index"])
