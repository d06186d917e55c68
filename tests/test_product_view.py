"""lib.data.product_view against plain pandas on small frames (the oracle is written from the
contract, docs/ARCHITECTURE.md and the module's docstrings, not from its SQL).

The oracle test of issue 11: a product's départements (plus the rows outside the reference's
départements) sum to France.
"""

from __future__ import annotations

import pandas as pd
import pytest

from lib.core import refs
from lib.core.territory import FRANCE, Territory
from lib.data import product_view
from tests.test_quarters import ROWS  # CPF4 codes, 2025 partial, a row on dept "99"
from tests.test_queries import random_trade

MAYENNE = Territory("dept", "53")
PAYS_DE_LA_LOIRE = Territory("region", "52")
FLOW_CODES = {"export": "E", "import": "I"}


def _rows(frame: pd.DataFrame, key: str, product: str, year: int | None, flow: str | None):
    out = frame[frame[key] == product]
    if year is not None:
        out = out[out["year"] == year]
    if flow is not None:
        out = out[out["flow"] == FLOW_CODES[flow]]
    return out


def oracle_by_dept(frame: pd.DataFrame, key: str, product: str, year: int, flow: str):
    sel = _rows(frame, key, product, year, flow)
    sums = sel.groupby("dept")["value_eur"].sum()
    depts = refs.departements()
    values = depts["code"].map(sums).fillna(0.0)
    return pd.DataFrame({"dept": depts["code"], "value_eur": values}), sel["value_eur"].sum()


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("product", ["C21Z", "C10A", "B06Z"])
@pytest.mark.parametrize("flow", ["export", "import"])
def test_by_dept_matches_pandas_and_sums_to_france(use_dataset, seed, product, flow) -> None:
    frame = random_trade(seed)
    use_dataset(frame)
    got = product_view.by_dept(product, 2024, flow)
    want, france = oracle_by_dept(frame, "product", product, 2024, flow)
    assert list(got["dept"]) == list(want["dept"])
    assert list(got["value_eur"]) == pytest.approx(list(want["value_eur"]))
    # The oracle of issue 11: the départements sum to France (no row outside them here).
    assert got["value_eur"].sum() == pytest.approx(france)
    split = product_view.france_split(product, 2024, flow)
    assert split == pytest.approx({"france_eur": france, "outside_eur": 0.0})
    if france:
        assert got["share_pct"].sum() == pytest.approx(100.0)
    traded = got[got["value_eur"] != 0]
    expected_ranks = traded["value_eur"].rank(ascending=False, method="min")
    assert list(traded["rank"]) == list(expected_ranks.astype(int))
    assert got.loc[got["value_eur"] == 0, "rank"].isna().all()


@pytest.mark.parametrize(("key", "product"), [("product", "C21Z"), ("cpf4", "2110")])
def test_departements_plus_rows_outside_them_sum_to_france(use_dataset, key, product) -> None:
    use_dataset(ROWS)
    got = product_view.by_dept(product, 2024, "export")
    sel = _rows(ROWS, key, product, 2024, "export")
    # Hand-computed: Orne 70 × (1+2+3+4) = 700; dept "99" 30 × 10 = 300; France 1 000.
    assert sel["value_eur"].sum() == 1000.0
    assert got.set_index("dept").loc["61", "value_eur"] == 700.0
    assert got["value_eur"].sum() == 700.0
    split = product_view.france_split(product, 2024, "export")
    assert split == {"france_eur": 1000.0, "outside_eur": 300.0}
    assert got["value_eur"].sum() + split["outside_eur"] == split["france_eur"]
    assert got.set_index("dept").loc["61", "share_pct"] == pytest.approx(70.0)


@pytest.mark.parametrize("territory", [MAYENNE, PAYS_DE_LA_LOIRE, FRANCE], ids=lambda t: t.level)
@pytest.mark.parametrize("flow", ["export", "import"])
def test_partners_match_pandas(use_dataset, territory, flow) -> None:
    frame = random_trade(3)
    use_dataset(frame)
    got = product_view.partners("C21Z", 2024, flow, territory)
    sel = _rows(frame, "product", "C21Z", 2024, flow)
    if territory.depts is not None:
        sel = sel[sel["dept"].isin(territory.depts)]
    sums = sel.groupby("country")["value_eur"].sum()
    sums = sums[sums != 0]
    want = sums.reset_index().sort_values(["value_eur", "country"], ascending=[False, True])
    assert list(got["country"]) == list(want["country"])
    assert list(got["value_eur"]) == pytest.approx(list(want["value_eur"]))
    assert list(got["share_pct"]) == pytest.approx(list(100 * want["value_eur"] / sums.sum()))
    assert list(got["country_name"]) == [refs.country_name(c) for c in want["country"]]


def test_partners_of_a_cpf4_code(use_dataset) -> None:
    use_dataset(ROWS)
    got = product_view.partners("1011", 2024, "export", MAYENNE)
    assert list(got["country"]) == ["DE"]
    assert list(got["value_eur"]) == [1000.0]  # 100 × (1+2+3+4)
    assert product_view.partners("1012", 2024, "import").empty


@pytest.mark.parametrize("territory", [MAYENNE, PAYS_DE_LA_LOIRE, FRANCE], ids=lambda t: t.level)
def test_evolution_matches_pandas(use_dataset, territory) -> None:
    frame = random_trade(4)
    use_dataset(frame)
    got = product_view.evolution("C10A", territory)
    assert list(zip(got["year"], got["flow"], strict=True)) == [
        (2023, "export"), (2023, "import"), (2024, "export"), (2024, "import"),
    ]  # fmt: skip
    for row in got.itertuples():
        sel = _rows(frame, "product", "C10A", row.year, row.flow)
        france = sel["value_eur"].sum()
        own = sel if territory.depts is None else sel[sel["dept"].isin(territory.depts)]
        assert row.france_eur == pytest.approx(france)
        assert row.territory_eur == pytest.approx(own["value_eur"].sum())
        if france:
            assert row.share_pct == pytest.approx(100 * own["value_eur"].sum() / france)


def test_evolution_of_a_cpf4_code_fills_absent_years_with_zero(use_dataset) -> None:
    use_dataset(ROWS)
    got = product_view.evolution("2110", Territory("dept", "61")).set_index(["year", "flow"])
    # 2024: Orne 700, France 700 + 300 (dept 99); 2025 (T1–T2): Orne 20 × 3 = 60, France 90.
    assert got.loc[(2024, "export"), "territory_eur"] == 700.0
    assert got.loc[(2024, "export"), "france_eur"] == 1000.0
    assert got.loc[(2025, "export"), "share_pct"] == pytest.approx(100 * 60 / 90)
    assert got.loc[(2024, "import"), "france_eur"] == 0.0
    assert pd.isna(got.loc[(2024, "import"), "share_pct"])


def test_unknown_products_never_reach_a_query(use_dataset) -> None:
    use_dataset(ROWS)
    for code in ["C99Z", "9999", "C21Z' OR 1=1 --", ""]:
        with pytest.raises(product_view.InvalidProduct):
            product_view.by_dept(code, 2024, "export")
    assert product_view.check_product("2110") == "2110"


def test_product_labels(use_dataset) -> None:
    use_dataset(ROWS)
    assert product_view.product_label("C21Z") == "Industrie pharmaceutique (C21Z)"
    assert product_view.product_label("2110") == "2110"  # no label file: the code itself
