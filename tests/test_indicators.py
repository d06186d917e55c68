"""lib.data.indicators: ranks, Balassa index, HHI concentration.

Expected values are computed by hand on tiny fixtures, or with plain pandas (the oracle below,
written from the definitions in the module docstring, not from its SQL) on a small fixture.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from lib.core import refs
from lib.core.territory import FRANCE, Territory
from lib.data import indicators
from tests.conftest import rows
from tests.test_quarters import quarterly

NB = "\u00a0"
MINUS = "\u2212"


def dept(code: str) -> Territory:
    return Territory("dept", code)


# --- French words -----------------------------------------------------------------------------


def test_french_ordinals() -> None:
    assert indicators.ordinal(1) == "1er"
    assert indicators.ordinal(1, feminine=True) == "1re"
    assert indicators.ordinal(2) == "2e"
    assert indicators.ordinal(12, feminine=True) == "12e"


def test_change_texts() -> None:
    assert indicators.change_text(2) == "+2 places"
    assert indicators.change_text(1) == "+1 place"
    assert indicators.change_text(-1) == "\u22121 place"
    assert indicators.change_text(-3) == "\u22123 places"
    assert indicators.change_text(0) == "stable"
    assert indicators.change_text(None) == "nouveau"


def test_hhi_is_shown_between_0_and_1_with_three_decimals() -> None:
    assert indicators.hhi_text(0.5) == "0,500"
    assert indicators.hhi_text(0.05735) == "0,057"
    assert indicators.hhi_text(1.0) == "1,000"
    assert indicators.hhi_text(math.nan) == "–"


# --- Ranks ------------------------------------------------------------------------------------

# 2023 then 2024 exports (and imports) of five départements; the 96 others have no data.
#   2024 exports: 01 100, 02 90, 03 80, 04 80, 05 70 → 1er, 2e, 3e, 3e, 5e
#   2023 exports: 05 100, 03 90, 01 80, 02 70; 04 absent → 04 is « nouveau »
RANK_ROWS = rows(
    [
        (2024, "E", "01", "C10A", "DE", 100),
        (2024, "E", "02", "C10A", "DE", 90),
        (2024, "E", "03", "C10A", "DE", 80),
        (2024, "E", "04", "C10A", "DE", 80),
        (2024, "E", "05", "C10A", "DE", 70),
        (2024, "I", "01", "C10A", "DE", 50),
        (2024, "I", "05", "C10A", "DE", 140),
        (2023, "E", "05", "C10A", "DE", 100),
        (2023, "E", "03", "C10A", "DE", 90),
        (2023, "E", "01", "C10A", "DE", 80),
        (2023, "E", "02", "C10A", "DE", 70),
        (2023, "I", "01", "C10A", "DE", 10),
    ]
)


@pytest.fixture
def ranked(use_dataset) -> None:
    use_dataset(RANK_ROWS)


def _row(table: pd.DataFrame, indicator: str) -> dict[str, object]:
    return table.set_index("indicator").loc[indicator].to_dict()


def test_ties_share_the_lower_rank_and_the_next_one_skips(ranked: None) -> None:
    third = _row(indicators.ranks(dept("03"), 2024), "exports_eur")
    fourth = _row(indicators.ranks(dept("04"), 2024), "exports_eur")
    fifth = _row(indicators.ranks(dept("05"), 2024), "exports_eur")
    assert (third["rank"], fourth["rank"], fifth["rank"]) == (3, 3, 5)
    assert third["of"] == 5  # only the départements present in the year's data are ranked


def test_rank_changes(ranked: None) -> None:
    first = _row(indicators.ranks(dept("01"), 2024), "exports_eur")  # 3e → 1er
    second = _row(indicators.ranks(dept("02"), 2024), "exports_eur")  # 4e → 2e
    fifth = _row(indicators.ranks(dept("05"), 2024), "exports_eur")  # 1er → 5e
    new = _row(indicators.ranks(dept("04"), 2024), "exports_eur")  # absent in 2023
    assert (first["previous_rank"], first["change"]) == (3, 2)
    assert (second["previous_rank"], second["change"]) == (4, 2)
    assert (fifth["previous_rank"], fifth["change"]) == (1, -4)
    assert pd.isna(new["previous_rank"]) and pd.isna(new["change"])


def test_rank_sentences(ranked: None) -> None:
    assert indicators.previous_label(2024) == "2023"
    sentences = indicators.rank_sentences(indicators.ranks(dept("02"), 2024), "dept", "2023")
    assert sentences[0] == (
        f"2e département exportateur sur 5 (0,0{NB}M€), +2 places par rapport à 2023"
    )
    # 02 imports nothing: 0 € ranks 3e of 5 in 2024 (01 50 €, 05 140 €, then 02, 03, 04 at 0);
    # in 2023, 02 had no imports either: 2e of 4 (01 10 €, then 02, 03, 05 at 0) → −1 place.
    assert sentences[1].startswith("3e département importateur sur 5")
    assert sentences[1].endswith(f"{MINUS}1 place par rapport à 2023")
    # No coverage rate without imports: no sentence for it.
    assert not any("taux de couverture" in s for s in sentences)
    new = indicators.rank_sentences(indicators.ranks(dept("04"), 2024), "dept", "2023")
    assert new[0].endswith(", nouveau (non classé en 2023)")


def test_stable_rank_and_coverage(ranked: None) -> None:
    table = indicators.ranks(dept("01"), 2024)
    coverage = _row(table, "coverage_pct")
    # Coverage 2024: 01 200 %, 05 50 % → 1er of 2; 2023: 01 800 % alone → 1er: stable.
    assert coverage["value"] == pytest.approx(200.0)
    assert (coverage["rank"], coverage["of"], coverage["change"]) == (1, 2, 0)
    sentence = indicators.rank_sentences(table, "dept", "2023")[3]
    assert (
        sentence
        == f"1er taux de couverture des 2 départements (200,0{NB}%), stable par rapport à 2023"
    )


def test_no_previous_year_gives_no_change(use_dataset) -> None:
    use_dataset(RANK_ROWS[RANK_ROWS["year"] == 2024])
    assert indicators.previous_label(2024) is None
    table = indicators.ranks(dept("01"), 2024)
    assert table["previous_rank"].isna().all()
    sentence = indicators.rank_sentences(table, "dept", None)[0]
    assert sentence == f"1er département exportateur sur 5 (0,0{NB}M€)"


def test_france_has_no_rank(ranked: None) -> None:
    table = indicators.ranks(FRANCE, 2024)
    assert table.empty and list(table.columns) == indicators.RANK_COLUMNS
    assert indicators.rank_sentences(table, "france", "2023") == []


def test_region_ranks_sum_their_departements(ranked: None) -> None:
    # 01 (Ain) and 03 (Allier) are in Auvergne-Rhône-Alpes (84): 180 of exports in 2024, more
    # than Provence-Alpes-Côte d'Azur (04 and 05: 150) and Hauts-de-France (02 Aisne: 90).
    table = indicators.ranks(Territory("region", "84"), 2024)
    exports = _row(table, "exports_eur")
    assert exports["value"] == 180.0 and exports["rank"] == 1
    sentence = indicators.rank_sentences(table, "region", "2023")[0]
    assert sentence.startswith("1re région exportatrice sur 3 ")


def test_partial_year_is_compared_on_the_same_quarters(use_dataset) -> None:
    # On T1, 02 led in 2024 (50 against 10); over the whole of 2024, 01 led (110 against 50).
    use_dataset(
        quarterly(
            [
                (2024, 1, "E", "01", "C10A", "1011", "DE", 10.0),
                (2024, 3, "E", "01", "C10A", "1011", "DE", 100.0),
                (2024, 1, "E", "02", "C10A", "1011", "DE", 50.0),
                (2025, 1, "E", "01", "C10A", "1011", "DE", 60.0),
                (2025, 1, "E", "02", "C10A", "1011", "DE", 40.0),
            ]
        )
    )
    assert indicators.previous_label(2025) == "2024 (T1)"
    exports = _row(indicators.ranks(dept("01"), 2025), "exports_eur")
    assert (exports["rank"], exports["previous_rank"], exports["change"]) == (1, 2, 1)


# --- Balassa ----------------------------------------------------------------------------------

# Two départements. 01 exports A 30, B 10 (40); 02 exports A 10, B 50; France A 40, B 60 (100).
BALASSA_ROWS = rows(
    [
        (2024, "E", "01", "C10A", "DE", 30),
        (2024, "E", "01", "C21Z", "DE", 10),
        (2024, "E", "02", "C10A", "US", 10),
        (2024, "E", "02", "C21Z", "US", 50),
        (2024, "I", "01", "C26A", "CN", 999),  # imports do not count
    ]
)


def test_balassa_by_hand(use_dataset) -> None:
    use_dataset(BALASSA_ROWS)
    table = indicators.balassa(dept("01"), 2024)
    assert list(table.columns) == indicators.BALASSA_COLUMNS
    assert list(table["product"]) == ["C10A", "C21Z"]  # sorted by index, strongest first
    # C10A: (30/40) / (40/100) = 0.75 / 0.4 = 1.875; C21Z: (10/40) / (60/100) = 0.25 / 0.6.
    assert table["share_pct"].tolist() == pytest.approx([75.0, 25.0])
    assert table["france_share_pct"].tolist() == pytest.approx([40.0, 60.0])
    assert table["rca"].tolist() == pytest.approx([1.875, 0.25 / 0.6])
    other = indicators.balassa(dept("02"), 2024)
    # 02: C21Z (50/60) / 0.6 = 1.3889; C10A (10/60) / 0.4 = 0.4167.
    assert other["rca"].tolist() == pytest.approx([(50 / 60) / 0.6, (10 / 60) / 0.4])


def test_strongest_leaves_out_tiny_products() -> None:
    table = pd.DataFrame(
        {
            "product": ["A", "B", "C", "D", "E", "F", "G"],
            "exports_eur": [1.0] * 7,
            "share_pct": [0.1, 20.0, 0.5, 30.0, 10.0, 5.0, 34.4],
            "france_share_pct": [0.001, 2.0, 0.1, 10.0, 5.0, 5.0, 68.8],
            "rca": [100.0, 10.0, 5.0, 3.0, 2.0, 1.0, 0.5],
        }
    )
    top = indicators.strongest(table)
    assert list(top["product"]) == ["B", "C", "D", "E", "F"]  # A weighs 0,1 %: left out


# --- Concentration ----------------------------------------------------------------------------


def test_hhi_by_hand(use_dataset) -> None:
    # 01 exports half to DE, half to US: HHI 0.5² + 0.5² = 0.5; one product: HHI 1.
    # 02 exports all to US: HHI 1. France: DE 50, US 50 + 100 = 150 of 200: 0.25² + 0.75².
    use_dataset(
        rows(
            [
                (2024, "E", "01", "C10A", "DE", 50),
                (2024, "E", "01", "C10A", "US", 50),
                (2024, "E", "02", "C10A", "US", 100),
            ]
        )
    )
    table = indicators.concentration(dept("01"), 2024).set_index(["dimension", "flow"])
    exports = table.loc[("country", "export")]
    assert exports["territory_hhi"] == pytest.approx(0.5)
    assert exports["france_hhi"] == pytest.approx(0.25**2 + 0.75**2)
    assert exports["median_dept_hhi"] == pytest.approx((0.5 + 1.0) / 2)
    assert table.loc[("product", "export"), "territory_hhi"] == pytest.approx(1.0)
    assert math.isnan(table.loc[("country", "import"), "territory_hhi"])  # no imports


# --- Oracle: plain pandas on a small fixture --------------------------------------------------

_RNG = np.random.default_rng(10)
ORACLE_DEPTS = ["01", "03", "15", "53", "72", "75", "2A", "971", "99"]  # 99: outside the 101
ORACLE_ROWS = rows(
    [
        (year, flow, d, product, country, float(_RNG.integers(1, 1000)))
        for year in (2023, 2024)
        for flow in ("E", "I")
        for d in ORACLE_DEPTS
        for product in ("C10A", "C21Z", "C26A", "A01Z")
        for country in ("DE", "US", "CN")
        if _RNG.random() < 0.6
    ]
)
REFERENCE_DEPTS = set(refs.departements()["code"])


def _sum(frame: pd.DataFrame, year: int, flow: str, keys: list[str]) -> pd.Series:
    sel = frame[(frame["year"] == year) & (frame["flow"] == flow)]
    return sel.groupby(keys)["value_eur"].sum()


def oracle_ranks(territory: Territory, year: int) -> dict[str, tuple[float, float, float]]:
    """indicator → (value, rank, previous rank) among the units present each year."""
    frame = ORACLE_ROWS[ORACLE_ROWS["dept"].isin(REFERENCE_DEPTS)].copy()
    if territory.level == "region":
        frame["dept"] = frame["dept"].map(refs.region_of_dept)

    def values(y: int) -> pd.DataFrame:
        present = frame[frame["year"] == y]["dept"].unique()
        e = _sum(frame, y, "E", ["dept"]).reindex(present, fill_value=0.0)
        i = _sum(frame, y, "I", ["dept"]).reindex(present, fill_value=0.0)
        cov = (100 * e / i).where(i != 0)
        return pd.DataFrame(
            {"exports_eur": e, "imports_eur": i, "balance_eur": e - i, "coverage_pct": cov}
        )

    now, before = values(year), values(year - 1)
    out = {}
    for name in indicators.RANK_INDICATORS:
        rank_now = now[name].rank(method="min", ascending=False)
        rank_before = before[name].rank(method="min", ascending=False)
        out[name] = (
            now[name].get(territory.code, math.nan),
            rank_now.get(territory.code, math.nan),
            rank_before.get(territory.code, math.nan),
        )
    return out


def oracle_balassa(territory: Territory, year: int) -> pd.Series:
    france = _sum(ORACLE_ROWS, year, "E", ["product"])
    depts = territory.depts
    own_rows = ORACLE_ROWS if depts is None else ORACLE_ROWS[ORACLE_ROWS["dept"].isin(depts)]
    own = _sum(own_rows, year, "E", ["product"])
    return ((own / own.sum()) / (france / france.sum())).dropna()


def _hhi(values: pd.Series) -> float:
    values = values[values > 0]
    return float(((values / values.sum()) ** 2).sum()) if len(values) else math.nan


def oracle_concentration(territory: Territory, year: int) -> dict[tuple[str, str], tuple]:
    depts = territory.depts
    own_rows = ORACLE_ROWS if depts is None else ORACLE_ROWS[ORACLE_ROWS["dept"].isin(depts)]
    out = {}
    for dimension in ("country", "product"):
        for flow, name in (("E", "export"), ("I", "import")):
            per_dept = _sum(ORACLE_ROWS, year, flow, ["dept", dimension])
            medians = [
                _hhi(per_dept.loc[d])
                for d in per_dept.index.get_level_values(0).unique()
                if d in REFERENCE_DEPTS
            ]
            out[(dimension, name)] = (
                _hhi(_sum(own_rows, year, flow, [dimension])),
                _hhi(_sum(ORACLE_ROWS, year, flow, [dimension])),
                float(np.median(medians)),
            )
    return out


ORACLE_TERRITORIES = [dept("53"), dept("2A"), Territory("region", "84"), FRANCE]


@pytest.fixture
def oracle(use_dataset) -> None:
    use_dataset(ORACLE_ROWS)


@pytest.mark.parametrize("territory", ORACLE_TERRITORIES[:3], ids=str)
def test_ranks_match_the_oracle(oracle: None, territory: Territory) -> None:
    table = indicators.ranks(territory, 2024).set_index("indicator")
    for name, (value, rank, previous) in oracle_ranks(territory, 2024).items():
        row = table.loc[name]
        assert row["value"] == pytest.approx(value, nan_ok=True), name
        assert (pd.isna(row["rank"]) and math.isnan(rank)) or row["rank"] == rank, name
        assert (pd.isna(row["previous_rank"]) and math.isnan(previous)) or (
            row["previous_rank"] == previous
        ), name


@pytest.mark.parametrize("territory", ORACLE_TERRITORIES, ids=str)
def test_balassa_matches_the_oracle(oracle: None, territory: Territory) -> None:
    got = indicators.balassa(territory, 2024).set_index("product")["rca"]
    expected = oracle_balassa(territory, 2024)
    assert sorted(got.index) == sorted(expected.index)
    assert got.to_numpy() == pytest.approx(expected[got.index].to_numpy())
    assert list(got) == sorted(got, reverse=True)


@pytest.mark.parametrize("territory", ORACLE_TERRITORIES, ids=str)
def test_concentration_matches_the_oracle(oracle: None, territory: Territory) -> None:
    table = indicators.concentration(territory, 2024)
    assert list(table.columns) == indicators.CONCENTRATION_COLUMNS
    expected = oracle_concentration(territory, 2024)
    assert list(zip(table["dimension"], table["flow"], strict=True)) == list(expected)
    for row in table.itertuples(index=False):
        got = (row.territory_hhi, row.france_hhi, row.median_dept_hhi)
        assert got == pytest.approx(expected[(row.dimension, row.flow)], nan_ok=True)


def test_a_second_territory_s_concentration_reads_only_its_own_rows(
    oracle: None, request: pytest.FixtureRequest
) -> None:
    # France's HHI and the départements' median are the same for every territory of a year:
    # computed with the first territory's, they are not scanned again for the next one.
    indicators.concentration(dept("53"), 2024)
    seen: list[str] = request.getfixturevalue("counted_queries")  # from now on
    table = indicators.concentration(dept("2A"), 2024)
    assert len(seen) == 1
    assert "ref_departements" not in seen[0] and "trade_national" not in seen[0]
    expected = oracle_concentration(dept("2A"), 2024)
    for row in table.itertuples(index=False):
        got = (row.territory_hhi, row.france_hhi, row.median_dept_hhi)
        assert got == pytest.approx(expected[(row.dimension, row.flow)], nan_ok=True)
