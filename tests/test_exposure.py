"""lib.data.exposure against plain pandas on small frames, and hand-computed cases.

The oracles below are written from the contract (issue 10, docs/ARCHITECTURE.md), not from
lib/data/exposure.py. Membership of the UE among the fixtures' countries is written here by hand
(GB a member up to 2019, outside from 2020), independently of lib.core.partners.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.core import refs, states
from lib.core.columns import COLUMNS
from lib.core.territory import FRANCE, Territory
from lib.data import exposure
from tests.conftest import rows
from tests.test_properties import PROPERTY_SETTINGS, dataset
from tests.test_queries import HAND_MADE, random_trade

MAYENNE = Territory("dept", "53")
PAYS_DE_LA_LOIRE = Territory("region", "52")
TERRITORIES = [MAYENNE, PAYS_DE_LA_LOIRE, FRANCE]
EU_AMONG_FIXTURES = {"DE", "BE", "ES", "IT", "NL"}  # the fixtures' countries in the UE


def eu(year: int) -> set[str]:
    return EU_AMONG_FIXTURES | ({"GB"} if year < 2020 else set())


def partner_members(partner: str, year: int) -> set[str]:
    return eu(year) if partner == "UE27" else {partner}


def depts_of(territory: Territory) -> list[str] | None:
    return territory.depts


def selected(frame: pd.DataFrame, depts: list[str] | None, year: int, flow: str) -> pd.DataFrame:
    out = frame[(frame["year"] == year) & (frame["flow"] == flow)]
    return out if depts is None else out[out["dept"].isin(depts)]


# --- Oracles -------------------------------------------------------------------------------


def oracle_exposure(
    frame: pd.DataFrame, depts: list[str] | None, year: int, members: set[str], key: str
) -> pd.DataFrame:
    sel = selected(frame, depts, year, "E")
    sel = sel[sel[key].notna()]
    to_partner = sel["value_eur"].where(sel["country"].isin(members), 0.0)
    table = (
        sel.assign(to_partner_eur=to_partner)
        .groupby(key, as_index=False)
        .agg(exports_eur=("value_eur", "sum"), to_partner_eur=("to_partner_eur", "sum"))
        .rename(columns={key: "product"})
    )
    table = table[table["exports_eur"] != 0].copy()
    table["share_pct"] = 100 * table["to_partner_eur"] / table["exports_eur"]
    table = table.sort_values(["to_partner_eur", "product"], ascending=[False, True])
    return table.reset_index(drop=True)


def oracle_dependency(frame: pd.DataFrame, depts: list[str] | None, year: int) -> pd.DataFrame:
    sel = selected(frame, depts, year, "I")
    suppliers = sel.groupby(["product", "country"], as_index=False)["value_eur"].sum()
    suppliers = suppliers[suppliers["value_eur"] != 0]
    records = []
    for product, group in suppliers.groupby("product"):
        imports = group["value_eur"].sum()
        if imports == 0:
            continue
        first = group.sort_values(["value_eur", "country"], ascending=[False, True]).iloc[0]
        outside = group.loc[~group["country"].isin(eu(year)), "value_eur"].sum()
        records.append(
            (
                product,
                imports,
                first["country"],
                100 * first["value_eur"] / imports,
                ((group["value_eur"] / imports) ** 2).sum(),
                100 * outside / imports,
            )
        )
    columns = ["product", "imports_eur", "first_supplier", "first_supplier_share_pct", "hhi",
               "outside_eu_share_pct"]  # fmt: skip
    table = pd.DataFrame(records, columns=columns)
    table = table.sort_values(["imports_eur", "product"], ascending=[False, True])
    return table.reset_index(drop=True)


def assert_tables_match(got: pd.DataFrame, want: pd.DataFrame, keys: list[str]) -> None:
    assert list(got.columns) == list(want.columns)
    for key in keys:
        assert list(got[key]) == list(want[key])
    for column in want.columns.difference(keys):
        assert got[column].to_numpy(dtype=float) == pytest.approx(
            want[column].to_numpy(dtype=float), rel=1e-9, nan_ok=True
        )


def random_years(seed: int) -> pd.DataFrame:
    """random_trade with its 2023 rows moved to 2019, when the United Kingdom was in the UE."""
    frame = random_trade(seed)
    frame["year"] = frame["year"].replace({2023: 2019})
    return frame


# --- Export exposure -----------------------------------------------------------------------


@pytest.mark.parametrize("territory", TERRITORIES, ids=lambda t: t.level)
@pytest.mark.parametrize("partner", ["US", "UE27", "GB"])
@pytest.mark.parametrize("year", [2019, 2024])
def test_exposure_matches_pandas(use_dataset, territory, partner, year) -> None:
    frame = random_years(11)
    use_dataset(frame)
    got = exposure.exposure(territory, year, partner)
    want = oracle_exposure(frame, depts_of(territory), year, partner_members(partner, year),
                           "product")  # fmt: skip
    assert_tables_match(got, want, ["product"])


def test_exposure_by_cpf4_hand_computed(use_dataset) -> None:
    from tests.test_quarters import ROWS  # quarterly rows with CPF4 codes, quarter q × value

    use_dataset(ROWS)
    got = exposure.exposure(MAYENNE, 2024, "US", detail="cpf4")
    # 1012: 50 × (1+2+3+4) = 500, all to US; 1011: 100 × 10 = 1000 to DE.
    assert list(got["product"]) == ["1012", "1011"]
    assert list(got["exports_eur"]) == [500.0, 1000.0]
    assert list(got["to_partner_eur"]) == [500.0, 0.0]
    assert list(got["share_pct"]) == [100.0, 0.0]
    france = exposure.exposure(FRANCE, 2024, "UE27", detail="cpf4")
    want = oracle_exposure(ROWS, None, 2024, eu(2024), "cpf4")
    assert_tables_match(france, want, ["product"])
    # Rows without CPF4 are skipped: a dataset without any gives an empty table.
    use_dataset(HAND_MADE)
    assert exposure.exposure(MAYENNE, 2024, "US", detail="cpf4").empty


def test_exposure_shares_hand_computed(use_dataset) -> None:
    use_dataset(HAND_MADE)
    # Mayenne exports 260 (30 to US; 230 to DE, BE, ES); its région adds 400 to DE (72), France
    # adds 70 to GB (61), outside the UE in 2024.
    shares = exposure.exposure_shares(MAYENNE, 2024, "US")
    assert list(shares["scope"]) == ["territory", "region", "france"]
    assert list(shares["code"]) == ["53", "52", "FR"]
    assert list(shares["name"]) == ["Mayenne", "Pays de la Loire", "France entière"]
    assert list(shares["exports_eur"]) == [260.0, 660.0, 730.0]
    assert list(shares["to_partner_eur"]) == [30.0, 30.0, 30.0]
    assert shares["share_pct"].tolist() == pytest.approx(
        [100 * 30 / 260, 100 * 30 / 660, 100 * 30 / 730]
    )
    eu_shares = exposure.exposure_shares(MAYENNE, 2024, "UE27")
    assert list(eu_shares["to_partner_eur"]) == [230.0, 630.0, 630.0]
    assert list(exposure.exposure_shares(PAYS_DE_LA_LOIRE, 2024, "US")["scope"]) == [
        "territory", "france",
    ]  # fmt: skip
    assert list(exposure.exposure_shares(FRANCE, 2024, "US")["code"]) == ["FR", "FR"]
    # A territory without exports: no share rather than a division by zero.
    ain = exposure.exposure_shares(Territory("dept", "01"), 2024, "US")
    assert ain.loc[0, "exports_eur"] == 0.0 and math.isnan(ain.loc[0, "share_pct"])


def test_exposure_by_dept_ranks_with_ties(use_dataset) -> None:
    use_dataset(
        rows(
            [
                (2024, "E", "01", "C10A", "US", 50),
                (2024, "E", "01", "C10A", "DE", 50),
                (2024, "E", "02", "C10A", "US", 100),
                (2024, "E", "02", "C21Z", "DE", 100),
                (2024, "E", "03", "C21Z", "US", 100),
                (2024, "E", "04", "C21Z", "US", 50),
                (2024, "E", "04", "C21Z", "CN", 350),
                (2024, "E", "05", "C21Z", "DE", 100),
                (2024, "I", "06", "C21Z", "US", 999),
            ]
        )
    )
    table = exposure.exposure_by_dept(2024, "US")
    assert list(table.columns) == [
        "dept", "name", "exports_eur", "to_partner_eur", "share_pct", "rank_share", "rank_value",
    ]  # fmt: skip
    assert list(table["dept"]) == list(refs.departements()["code"])
    by = table.set_index("dept")
    # Shares: 03 100 %, 01 and 02 50 %, 04 12.5 %, 05 0 %; no exports elsewhere.
    assert by.loc[["01", "02", "03", "04", "05"], "share_pct"].tolist() == [50, 50, 100, 12.5, 0]
    assert by.loc[["03", "01", "02", "04", "05"], "rank_share"].tolist() == [1, 2, 2, 4, 5]
    assert by.loc[["06", "75"], "rank_share"].isna().all()
    # Values: 02 and 03 100, 01 and 04 50, then every other département at 0.
    assert by.loc[["02", "03", "01", "04", "05", "06"], "rank_value"].tolist() == [1, 1, 3, 3, 5, 5]
    assert by.loc["06", "exports_eur"] == 0.0 and by.loc["01", "name"] == "Ain"


# --- Tariff scenario -----------------------------------------------------------------------


def test_tariff_effect_hand_computed() -> None:
    # 1.25^5 = 3.0517578125, whose inverse is 0.32768: 100 × (0.32768 − 1) = −67.232.
    assert exposure.tariff_effect(100.0, 25, 5) == pytest.approx(-67.232, abs=1e-9)
    assert exposure.tariff_effect(100.0, 0, 5) == 0.0
    assert exposure.tariff_effect(100.0, 10, 0) == 0.0
    series = exposure.tariff_effect(pd.Series([100.0, 0.0, 50.0]), 25, 5)
    assert series.tolist() == pytest.approx([-67.232, 0.0, -33.616])
    with pytest.raises(ValueError):
        exposure.tariff_effect(100.0, -100, 5)
    assert states.DEFAULT_ELASTICITY == 5.0
    assert "Head" in exposure.ELASTICITY_SOURCE and "2014" in exposure.ELASTICITY_SOURCE
    assert "de 2 à 8" in exposure.RANGE_SOURCE and "Eaton" in exposure.RANGE_SOURCE


def test_tariff_scenario_and_summary_hand_computed(use_dataset) -> None:
    use_dataset(HAND_MADE)
    factor = 0.32768 - 1  # t = 25 %, ε = 5
    scenario = exposure.tariff_scenario(MAYENNE, 2024, "UE27", 25, 5)
    assert list(scenario.columns) == [
        "product", "to_partner_eur", "change_eur", "change_elasticity_low_eur",
        "change_elasticity_high_eur",
    ]  # fmt: skip
    assert list(scenario["product"]) == ["C21Z", "C10A"]  # 120 to DE, 110 to DE, BE, ES
    assert scenario["change_eur"].tolist() == pytest.approx([120 * factor, 110 * factor])
    summary = exposure.scenario_summary(MAYENNE, 2024, "UE27", 25, 5)
    assert summary["change_eur"] == pytest.approx(230 * factor)
    assert summary["change_eur"] == pytest.approx(scenario["change_eur"].sum())
    assert summary["share_of_exports_pct"] == pytest.approx(100 * 230 * factor / 260)
    assert summary["france_share_of_exports_pct"] == pytest.approx(100 * 630 * factor / 730)
    # Products not exported to the partner are left out; no tariff, no change.
    assert list(exposure.tariff_scenario(MAYENNE, 2024, "US", 25, 5)["product"]) == ["C21Z"]
    assert exposure.scenario_summary(MAYENNE, 2024, "US", 0, 5)["change_eur"] == 0.0


def test_the_scenario_range_is_the_plain_formula_at_elasticities_2_and_8(use_dataset) -> None:
    """Every figure of the scenario again at ε = 2 and ε = 8, whatever the chosen one: the
    plain formula X·((1+t)^(−ε) − 1) on the fixture's totals (Mayenne sends 120 + 110 to the
    UE of 260 exported; France 630 of 730), written here without lib.data.exposure."""
    use_dataset(HAND_MADE)
    low, high = 1.25**-2 - 1, 1.25**-8 - 1  # t = 25 %: −0.36, −0.8322…
    assert low == pytest.approx(-0.36) and high == pytest.approx(-0.83222784)
    for chosen in (5, 12):  # inside the range or not, the bounds stay the same
        scenario = exposure.tariff_scenario(MAYENNE, 2024, "UE27", 25, chosen)
        assert scenario["change_elasticity_low_eur"].tolist() == pytest.approx(
            [120 * low, 110 * low]
        )
        assert scenario["change_elasticity_high_eur"].tolist() == pytest.approx(
            [120 * high, 110 * high]
        )
        summary = exposure.scenario_summary(MAYENNE, 2024, "UE27", 25, chosen)
        expected = {
            "change_elasticity_low_eur": 230 * low,
            "change_elasticity_high_eur": 230 * high,
            "share_of_exports_elasticity_low_pct": 100 * 230 * low / 260,
            "share_of_exports_elasticity_high_pct": 100 * 230 * high / 260,
            "france_change_elasticity_low_eur": 630 * low,
            "france_change_elasticity_high_eur": 630 * high,
            "france_share_of_exports_elasticity_low_pct": 100 * 630 * low / 730,
            "france_share_of_exports_elasticity_high_pct": 100 * 630 * high / 730,
        }
        assert {key: summary[key] for key in expected} == pytest.approx(expected)
        assert summary["change_eur"] == pytest.approx(230 * (1.25**-chosen - 1))
    # No tariff: no change at either bound.
    flat = exposure.scenario_summary(MAYENNE, 2024, "UE27", 0, 5)
    assert flat["change_elasticity_low_eur"] == flat["change_elasticity_high_eur"] == 0.0
    # The columns' descriptions (CSV, workbook, API) name the same bounds.
    assert COLUMNS["change_elasticity_low_eur"].description.endswith("scénario (2)")
    assert COLUMNS["change_elasticity_high_eur"].description.endswith("scénario (8)")
    assert (states.ELASTICITY_LOW, states.ELASTICITY_HIGH) == (2.0, 8.0)


# --- Import dependency ---------------------------------------------------------------------

DEPENDENT = rows(
    [
        (2024, "I", "53", "C10A", "DE", 50), (2024, "I", "53", "C10A", "BE", 50),  # tie: BE
        (2024, "I", "53", "C21Z", "CN", 200),  # one supplier
        (2024, "I", "53", "C26A", "US", 600), (2024, "I", "53", "C26A", "DE", 300),
        (2024, "I", "53", "C26A", "CN", 100),  # (60, 30, 10) %
        (2024, "I", "53", "C29A", "DE", 80), (2024, "I", "53", "C29A", "US", 20),
        (2024, "I", "53", "C30A", "CN", 40), (2024, "I", "53", "C30A", "US", 35),
        (2024, "I", "53", "C30A", "DE", 25),
        (2024, "I", "53", "C20A", "GB", 90), (2024, "I", "53", "C20A", "DE", 10),
        (2024, "I", "53", "C20B", "US", 10), (2024, "I", "53", "C20B", "CN", -10),  # nets to 0
        (2024, "I", "53", "C10B", "JP", 0), (2024, "I", "53", "C10B", "DE", 5),
        (2024, "E", "53", "C21Z", "CN", 1000),  # exports: not imports
        (2019, "I", "53", "C20A", "GB", 90), (2019, "I", "53", "C20A", "DE", 10),
    ]
)  # fmt: skip


def test_dependency_hand_computed(use_dataset) -> None:
    use_dataset(DEPENDENT)
    table = exposure.dependency(MAYENNE, 2024)
    assert list(table.columns) == [
        "product", "imports_eur", "first_supplier", "first_supplier_share_pct", "hhi",
        "outside_eu_share_pct",
    ]  # fmt: skip
    # By imports, descending, then code: C20B (net 0) is no product imported.
    assert list(table["product"]) == ["C26A", "C21Z", "C10A", "C20A", "C29A", "C30A", "C10B"]
    by = table.set_index("product")
    assert by.loc["C10A", "hhi"] == pytest.approx(0.5)
    assert by.loc["C10A", "first_supplier"] == "BE"  # 50/50 with DE: the smaller code
    assert by.loc["C21Z", "hhi"] == pytest.approx(1.0)
    assert by.loc["C26A", "hhi"] == pytest.approx(0.46)
    assert by.loc["C10B", "hhi"] == pytest.approx(1.0)  # JP's zero is no supplier
    assert by["first_supplier"].tolist() == ["US", "CN", "BE", "GB", "DE", "CN", "DE"]
    assert by["first_supplier_share_pct"].tolist() == pytest.approx([60, 100, 50, 90, 80, 40, 100])
    assert by["outside_eu_share_pct"].tolist() == pytest.approx([70, 100, 0, 90, 20, 75, 0])
    strong = exposure.strong_dependency(table)
    assert table.loc[strong, "product"].tolist() == ["C26A", "C21Z", "C20A"]
    # In 2019 the United Kingdom was in the UE: the same imports are no strong dependency.
    before = exposure.dependency(MAYENNE, 2019)
    assert before["outside_eu_share_pct"].tolist() == [0.0]
    assert not exposure.strong_dependency(before).any()


@pytest.mark.parametrize("territory", TERRITORIES, ids=lambda t: t.level)
@pytest.mark.parametrize("year", [2019, 2024])
def test_dependency_matches_pandas(use_dataset, territory, year) -> None:
    frame = random_years(5)
    use_dataset(frame)
    got = exposure.dependency(territory, year)
    want = oracle_dependency(frame, depts_of(territory), year)
    assert_tables_match(got, want, ["product", "first_supplier"])
    explicit = (want["first_supplier_share_pct"] > 50) & ~want["first_supplier"].isin(eu(year))
    assert exposure.strong_dependency(got).tolist() == explicit.tolist()


def test_unknown_partner_is_refused_before_any_query(use_dataset) -> None:
    use_dataset(HAND_MADE)
    for partner in ("XX", "FR", "us", "'; DROP TABLE trade; --"):
        with pytest.raises(exposure.InvalidPartner, match="Partenaire inconnu"):
            exposure.exposure(MAYENNE, 2024, partner)
        with pytest.raises(exposure.InvalidPartner):
            exposure.exposure_by_dept(2024, partner)
    with pytest.raises(ValueError):
        exposure.exposure(MAYENNE, 2024, "US", detail="hs6")


def test_tables_are_the_csv_files(use_dataset) -> None:
    use_dataset(DEPENDENT)
    files = exposure.tables(MAYENNE, 2024, "CN")
    assert list(files) == ["exposure.csv", "dependency.csv"]
    pd.testing.assert_frame_equal(files["exposure.csv"], exposure.exposure(MAYENNE, 2024, "CN"))
    pd.testing.assert_frame_equal(files["dependency.csv"], exposure.dependency(MAYENNE, 2024))


# --- Properties ----------------------------------------------------------------------------

COUNTRIES = ["DE", "US", "CN", "BE", "GB", "QU"]
record = st.tuples(
    st.sampled_from([2019, 2024]),
    st.sampled_from(["E", "I"]),
    st.sampled_from(["44", "53", "72", "14", "971"]),
    st.sampled_from(["C21Z", "C10A", "C29A", "ZZZZ"]),
    st.sampled_from(COUNTRIES),
    st.one_of(st.just(0.0), st.floats(min_value=0.01, max_value=1e10)),
)


@PROPERTY_SETTINGS
@given(frame=st.lists(record, min_size=1, max_size=40).map(rows),
       partner=st.sampled_from(["US", "UE27", "HORS_UE", "GB"]))  # fmt: skip
def test_exposure_and_dependency_properties(frame: pd.DataFrame, partner: str) -> None:
    with dataset(frame):
        for territory in (MAYENNE, PAYS_DE_LA_LOIRE, FRANCE):
            for year in (2019, 2024):
                table = exposure.exposure(territory, year, partner)
                shares = exposure.exposure_shares(territory, year, partner)
                assert table["to_partner_eur"].sum() == pytest.approx(
                    shares.loc[0, "to_partner_eur"], rel=1e-9, abs=1e-6
                )
                assert table["exports_eur"].sum() == pytest.approx(
                    shares.loc[0, "exports_eur"], rel=1e-9, abs=1e-6
                )
                assert ((table["share_pct"] >= 0) & (table["share_pct"] <= 100 + 1e-9)).all()
                deps = exposure.dependency(territory, year)
                assert ((deps["hhi"] > 0) & (deps["hhi"] <= 1 + 1e-12)).all()
                sel = selected(frame, depts_of(territory), year, "I")
                sel = sel[sel["value_eur"] != 0]
                suppliers = sel.groupby("product")["country"].nunique()
                floor = 100 / deps["product"].map(suppliers)
                assert (deps["first_supplier_share_pct"] >= floor - 1e-9).all()
                assert (deps["hhi"] >= 1 / deps["product"].map(suppliers) - 1e-12).all()
