"""lib.data.comparison against plain pandas on small frames, and hand-computed cases.

The oracles are written from the contract (the module docstring, issue 11), not from
lib/data/comparison.py: a territory is the set of its départements, national totals count every row.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from lib.core import refs
from lib.core.territory import Territory
from lib.data import comparison
from tests.conftest import rows
from tests.test_queries import HAND_MADE
from tests.test_queries import trade as trade  # the fixture: hand-made and random frames

DEPTS = [Territory("dept", "53"), Territory("dept", "61"), Territory("dept", "72")]
REGIONS = [Territory("region", "52"), Territory("region", "28"), Territory("region", "11")]
FLOW_NAMES = {"E": "export", "I": "import"}


def _of(frame: pd.DataFrame, territory: Territory, year: int | None = None) -> pd.DataFrame:
    out = frame[frame["dept"].isin(territory.depts or [])]
    return out if year is None else out[out["year"] == year]


def _pct(part: float, whole: float) -> float:
    return 100 * part / whole if whole else math.nan


def _flow_sum(frame: pd.DataFrame, flow: str) -> float:
    return float(frame.loc[frame["flow"] == flow, "value_eur"].sum())


def oracle_key_figures(frame: pd.DataFrame, territories: list[Territory], year: int) -> list:
    national = frame[frame["year"] == year]
    nat_e, nat_i = _flow_sum(national, "E"), _flow_sum(national, "I")
    records = []
    for territory in territories:
        own = _of(frame, territory, year)
        e, i = _flow_sum(own, "E"), _flow_sum(own, "I")
        records.append(
            [
                territory.code,
                territory.name,
                e,
                i,
                e - i,
                _pct(e, i),
                _pct(e, nat_e),
                _pct(i, nat_i),
            ]
        )
    return records


def oracle_top(
    frame: pd.DataFrame, territories: list[Territory], year: int, key: str, top: int
) -> pd.DataFrame:
    parts = []
    for territory in territories:
        own = _of(frame, territory, year)
        for flow in ("E", "I"):
            sums = own[own["flow"] == flow].groupby(key, as_index=False)["value_eur"].sum()
            sums = sums[sums["value_eur"] != 0]
            total = sums["value_eur"].sum()
            sums = sums.sort_values(["value_eur", key], ascending=[False, True]).head(top)
            sums["share_pct"] = 100 * sums["value_eur"] / total
            sums["rank"] = range(1, len(sums) + 1)
            sums.insert(0, "territory", territory.code)
            sums.insert(1, "flow", FLOW_NAMES[flow])
            parts.append(sums)
    return pd.concat(parts, ignore_index=True)


def oracle_evolution(frame: pd.DataFrame, territories: list[Territory]) -> pd.DataFrame:
    years = sorted(frame["year"].unique())
    records = []
    for territory in territories:
        own = _of(frame, territory)
        for year in years:
            of_year = own[own["year"] == year]
            e, i = _flow_sum(of_year, "E"), _flow_sum(of_year, "I")
            records.append((territory.code, int(year), e, i, e - i))
    columns = ["territory", "year", "exports_eur", "imports_eur", "balance_eur"]
    return pd.DataFrame(records, columns=columns)


@pytest.mark.parametrize("territories", [DEPTS, REGIONS, DEPTS[::-1][:2]], ids=str)
def test_key_figures_match_pandas(trade: pd.DataFrame, territories: list[Territory]) -> None:
    actual = comparison.key_figures(territories, 2024)
    assert list(actual.columns) == [
        "territory",
        "name",
        "exports_eur",
        "imports_eur",
        "balance_eur",
        "coverage_pct",
        "exports_share_national_pct",
        "imports_share_national_pct",
    ]
    expected = oracle_key_figures(trade, territories, 2024)
    assert len(actual) == len(expected)
    for got, want in zip(actual.itertuples(index=False), expected, strict=True):
        assert list(got)[:2] == want[:2]
        for value, number in zip(list(got)[2:], want[2:], strict=True):
            if math.isnan(number):
                assert math.isnan(value)
            else:
                assert value == pytest.approx(number, rel=1e-12, abs=1e-6)


@pytest.mark.parametrize("ranked", ["country", "product"])
@pytest.mark.parametrize("territories", [DEPTS, REGIONS], ids=str)
def test_top_partners_and_products_match_pandas(
    trade: pd.DataFrame, territories: list[Territory], ranked: str
) -> None:
    query = comparison.top_partners if ranked == "country" else comparison.top_products
    actual = query(territories, 2024, top=3)
    expected = oracle_top(trade, territories, 2024, ranked, 3)
    assert list(actual.columns) == [
        "territory",
        "name",
        "flow",
        ranked,
        f"{ranked}_name",
        "value_eur",
        "share_pct",
        "rank",
    ]
    assert list(actual["territory"]) == list(expected["territory"])
    assert list(actual["flow"]) == list(expected["flow"])
    assert list(actual[ranked]) == list(expected[ranked])
    assert list(actual["rank"]) == list(expected["rank"])
    assert actual["value_eur"].tolist() == pytest.approx(expected["value_eur"].tolist())
    assert actual["share_pct"].tolist() == pytest.approx(expected["share_pct"].tolist())
    names = refs.country_name if ranked == "country" else refs.product_name
    assert list(actual[f"{ranked}_name"]) == [names(code) for code in actual[ranked]]


@pytest.mark.parametrize("territories", [DEPTS, REGIONS], ids=str)
def test_evolution_matches_pandas(trade: pd.DataFrame, territories: list[Territory]) -> None:
    actual = comparison.evolution(territories)
    expected = oracle_evolution(trade, territories)
    assert list(actual["territory"]) == list(expected["territory"])
    assert list(actual["year"]) == list(expected["year"])
    for column in ("exports_eur", "imports_eur", "balance_eur"):
        assert actual[column].tolist() == pytest.approx(expected[column].tolist(), abs=1e-6)
    assert list(actual["name"]) == [
        Territory(t.level, t.code).name for t in territories for _ in sorted(trade["year"].unique())
    ]


def test_hand_computed_figures_of_mayenne_and_sarthe(use_dataset) -> None:
    use_dataset(HAND_MADE)
    mayenne, sarthe = DEPTS[0], DEPTS[2]
    figures = comparison.key_figures([sarthe, mayenne], 2024).set_index("territory")
    # Mayenne 2024: exports 120+50+30+30+30 = 260, imports 80+25 = 105; Sarthe 400 and 150.
    # France: exports 260+400+70 = 730, imports 105+150+5 = 260.
    assert list(figures.index) == ["72", "53"]
    assert figures.loc["53", "exports_eur"] == 260
    assert figures.loc["53", "balance_eur"] == 155
    assert figures.loc["53", "coverage_pct"] == pytest.approx(100 * 260 / 105)
    assert figures.loc["72", "exports_share_national_pct"] == pytest.approx(100 * 400 / 730)
    assert figures.loc["72", "imports_share_national_pct"] == pytest.approx(100 * 150 / 260)
    partners = comparison.top_partners([mayenne], 2024, top=2)
    exports = partners[partners["flow"] == "export"]
    # DE 170 first; BE and ES tie at 30 with US: the codes break the tie (BE).
    assert list(exports["country"]) == ["DE", "BE"]
    assert exports["share_pct"].tolist() == pytest.approx([100 * 170 / 260, 100 * 30 / 260])


def test_a_territory_without_rows_is_zero_every_year(use_dataset) -> None:
    use_dataset(rows([(2023, "E", "53", "C21Z", "DE", 10), (2024, "I", "53", "C21Z", "DE", 4)]))
    orne = Territory("dept", "61")
    figures = comparison.key_figures([orne], 2024)
    assert figures.loc[0, "exports_eur"] == 0 and math.isnan(figures.loc[0, "coverage_pct"])
    table = comparison.evolution([DEPTS[0], orne])
    assert list(zip(table["territory"], table["year"], strict=True)) == [
        ("53", 2023),
        ("53", 2024),
        ("61", 2023),
        ("61", 2024),
    ]
    assert table["exports_eur"].tolist() == [10, 0, 0, 0]
    assert comparison.top_products([orne], 2024).empty


def test_france_is_not_compared() -> None:
    from lib.core.territory import FRANCE

    with pytest.raises(ValueError):
        comparison.key_figures([FRANCE, DEPTS[0]], 2024)
