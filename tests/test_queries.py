"""Oracle tests: every query of lib.data.queries against plain pandas on small hand-made
fixtures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from lib.core import refs
from lib.core.territory import FRANCE, Territory
from lib.data import queries
from tests import oracle
from tests.conftest import downgrade_to_layout_1, rows, view_answers

# A hand-made year with ties, duplicate keys, a one-partner DROM and two régions.
HAND_MADE = rows(
    [
        (2024, "E", "53", "C21Z", "DE", 100),
        (2024, "E", "53", "C21Z", "DE", 20),  # same key: summed
        (2024, "E", "53", "C10A", "DE", 50),
        (2024, "E", "53", "C21Z", "US", 30),
        (2024, "E", "53", "C10A", "BE", 30),
        (2024, "E", "53", "C10A", "ES", 30),  # ties BE on every ranking
        (2024, "I", "53", "C26A", "CN", 80),
        (2024, "I", "53", "C21Z", "DE", 25),
        (2024, "E", "72", "C29A", "DE", 400),
        (2024, "I", "72", "C29A", "ES", 150),
        (2024, "E", "61", "C10E", "GB", 70),
        (2024, "I", "971", "C10A", "FR", 5),
        (2023, "E", "53", "C21Z", "DE", 60),
        (2023, "I", "53", "C26A", "CN", 100),
        (2023, "E", "72", "C29A", "DE", 0),
    ]
)

MAYENNE = Territory("dept", "53")
PAYS_DE_LA_LOIRE = Territory("region", "52")
GUADELOUPE = Territory("dept", "971")


def random_trade(seed: int, n: int = 600) -> pd.DataFrame:
    """A random but reproducible frame over a few départements of three régions."""
    rng = np.random.default_rng(seed)
    depts = ["44", "49", "53", "72", "85", "14", "61", "75", "92"]
    products = ["C21Z", "C10A", "C29A", "C26A", "C30A", "A01Z", "B06Z", "C20A"]
    countries = ["DE", "US", "CN", "BE", "ES", "IT", "GB", "CH", "NL", "JP", "MA", "ZZ"]
    frame = rows(
        [
            (
                int(rng.choice([2023, 2024])),
                str(rng.choice(["E", "I"])),
                str(rng.choice(depts)),
                str(rng.choice(products)),
                str(rng.choice(countries)),
                float(rng.choice([1.0, 2.0, 5.0, 10.0]) * rng.integers(0, 50)),
            )
            for _ in range(n)
        ]
    )
    return frame


def _region_depts(territory: Territory) -> list[str] | None:
    region = territory.region
    return None if region is None else region.depts


def assert_tables_equal(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        actual.reset_index(drop=True)[list(expected.columns)],
        expected.reset_index(drop=True),
        check_dtype=False,
        rtol=1e-9,
    )


TERRITORIES = [MAYENNE, PAYS_DE_LA_LOIRE, FRANCE, GUADELOUPE, Territory("region", "28")]


@pytest.fixture(params=["hand-made", "random-1", "random-2"])
def trade(request: pytest.FixtureRequest, use_dataset) -> pd.DataFrame:
    frame = {
        "hand-made": HAND_MADE,
        "random-1": random_trade(1),
        "random-2": random_trade(2),
    }[request.param]
    use_dataset(frame)
    return frame


@pytest.mark.parametrize("territory", TERRITORIES, ids=lambda t: f"{t.level}-{t.code}")
def test_kpis_match_pandas(trade: pd.DataFrame, territory: Territory) -> None:
    actual = queries.kpis(territory, 2024).set_index("indicator")["value"].to_dict()
    expected = oracle.kpis(trade, territory.depts, _region_depts(territory), 2024)
    assert list(actual) == list(expected)
    for key, value in expected.items():
        if math.isnan(value):
            assert math.isnan(actual[key]), key
        else:
            assert actual[key] == pytest.approx(value, rel=1e-12), key


@pytest.mark.parametrize("territory", TERRITORIES, ids=lambda t: f"{t.level}-{t.code}")
@pytest.mark.parametrize("top", [1, 3, 10])
def test_partners_match_pandas(trade: pd.DataFrame, territory: Territory, top: int) -> None:
    expected = oracle.partners(trade, territory.depts, 2024, top)
    actual = queries.partners(territory, 2024, top)
    assert_tables_equal(actual, expected)
    assert list(actual["country_name"]) == [refs.country_name(c) for c in expected["country"]]


@pytest.mark.parametrize("territory", TERRITORIES, ids=lambda t: f"{t.level}-{t.code}")
def test_products_match_pandas(trade: pd.DataFrame, territory: Territory) -> None:
    expected = oracle.products(trade, territory.depts, 2024)
    actual = queries.products(territory, 2024)
    assert_tables_equal(actual, expected)
    assert list(actual.columns) == ["flow", "product", "product_name", "value_eur", "share_pct"]


@pytest.mark.parametrize("territory", TERRITORIES, ids=lambda t: f"{t.level}-{t.code}")
@pytest.mark.parametrize("flow", ["E", "I"])
@pytest.mark.parametrize("top", [1, 2, 10])
def test_sankey_matches_pandas(
    trade: pd.DataFrame, territory: Territory, flow: str, top: int
) -> None:
    expected = oracle.sankey(trade, territory.depts, 2024, flow, top)
    actual = queries.sankey(territory, 2024, flow, top)
    assert_tables_equal(actual, expected)


@pytest.mark.parametrize("territory", TERRITORIES, ids=lambda t: f"{t.level}-{t.code}")
def test_a_new_top_n_is_cut_from_what_the_first_one_read(
    trade: pd.DataFrame, territory: Territory, counted_queries: list[str]
) -> None:
    # A step of the top-N slider: its partners and Sankeys read no file of the dataset.
    for top in (10, 3, 1, 7):
        before = len(counted_queries)
        expected = oracle.partners(trade, territory.depts, 2024, top)
        assert_tables_equal(queries.partners(territory, 2024, top), expected)
        for flow in ("E", "I"):
            expected = oracle.sankey(trade, territory.depts, 2024, flow, top)
            assert_tables_equal(queries.sankey(territory, 2024, flow, top), expected)
        asked = counted_queries[before:]
        if top != 10:
            assert len(asked) == 2 and not any("trade_" in sql for sql in asked), asked


def test_a_negative_top_n_is_refused(trade: pd.DataFrame) -> None:
    with pytest.raises(ValueError):
        queries.partners(MAYENNE, 2024, -1)


def test_hand_made_partners_break_ties_by_code(use_dataset) -> None:
    use_dataset(HAND_MADE)
    table = queries.partners(MAYENNE, 2024, 10)
    # DE 170 exports + 25 imports; CN 80; then BE, ES and US all at 30, in code order.
    assert list(table["country"]) == ["DE", "CN", "BE", "ES", "US"]
    assert list(table["balance_eur"]) == [145.0, -80.0, 30.0, 30.0, 30.0]
    assert list(queries.partners(MAYENNE, 2024, 3)["country"]) == ["DE", "CN", "BE"]


def test_hand_made_sankey_merges_the_rest_into_autres(use_dataset) -> None:
    use_dataset(HAND_MADE)
    links = queries.sankey(MAYENNE, 2024, "E", 1)
    # Top product C21Z (150 > C10A 110); top country DE (170).
    assert links.to_dict("records") == [
        {"source": "C21Z", "target": "DE", "value_eur": 120.0, "highlight": 1},
        {"source": "AUTRES", "target": "AUTRES", "value_eur": 60.0, "highlight": 0},
        {"source": "AUTRES", "target": "DE", "value_eur": 50.0, "highlight": 0},
        {"source": "C21Z", "target": "AUTRES", "value_eur": 30.0, "highlight": 0},
    ]


def test_import_sankey_runs_from_countries_to_products(use_dataset) -> None:
    use_dataset(HAND_MADE)
    links = queries.sankey(MAYENNE, 2024, "I", 10)
    assert set(links["source"]) == {"CN", "DE"}
    assert set(links["target"]) == {"C26A", "C21Z"}
    assert links["highlight"].tolist() == [1, 1]


def test_territory_with_a_single_partner_has_no_autres(use_dataset) -> None:
    use_dataset(HAND_MADE)
    assert queries.partners(GUADELOUPE, 2024, 10)["country"].tolist() == ["FR"]
    links = queries.sankey(GUADELOUPE, 2024, "I", 10)
    assert links.to_dict("records") == [
        {"source": "FR", "target": "C10A", "value_eur": 5.0, "highlight": 1}
    ]
    assert queries.sankey(GUADELOUPE, 2024, "E", 10).empty
    kpis = queries.kpis(GUADELOUPE, 2024).set_index("indicator")["value"]
    assert kpis["exports_eur"] == 0 and kpis["coverage_pct"] == 0
    assert kpis["region_imports_eur"] == 5


def test_year_without_data_gives_zeros_and_empty_tables(use_dataset) -> None:
    use_dataset(HAND_MADE)
    kpis = queries.kpis(MAYENNE, 2019).set_index("indicator")["value"]
    assert kpis["exports_eur"] == 0 and math.isnan(kpis["coverage_pct"])
    assert queries.partners(MAYENNE, 2019, 10).empty
    assert queries.products(MAYENNE, 2019).empty


def test_available_years(use_dataset) -> None:
    use_dataset(HAND_MADE)
    assert queries.available_years() == [2023, 2024]


def test_map_metrics_match_pandas(trade: pd.DataFrame) -> None:
    metrics = queries.map_metrics(2024).set_index("dept")
    assert len(metrics) == len(refs.departements())
    nat_e, nat_i = oracle.totals(trade, None, 2024)
    for dept in sorted(set(trade["dept"])):
        exp, imp = oracle.totals(trade, [dept], 2024)
        prev_e, prev_i = oracle.totals(trade, [dept], 2023)
        row = metrics.loc[dept]
        assert row["exports_eur"] == pytest.approx(exp)
        assert row["imports_eur"] == pytest.approx(imp)
        assert row["balance_eur"] == pytest.approx(exp - imp)
        _assert_pct(row["coverage_pct"], oracle.pct(exp, imp))
        _assert_pct(row["exports_share_national_pct"], oracle.pct(exp, nat_e))
        _assert_pct(row["imports_share_national_pct"], oracle.pct(imp, nat_i))
        _assert_pct(row["exports_change_pct"], oracle.pct(exp - prev_e, prev_e))
        _assert_pct(row["imports_change_pct"], oracle.pct(imp - prev_i, prev_i))
    absent = metrics.loc["2A"]
    assert absent["exports_eur"] == 0 and math.isnan(absent["coverage_pct"])


def _assert_pct(actual: float, expected: float) -> None:
    if math.isnan(expected):
        assert math.isnan(actual)
    else:
        assert actual == pytest.approx(expected, rel=1e-9)


def test_sankey_rejects_an_unknown_flow(use_dataset) -> None:
    use_dataset(HAND_MADE)
    with pytest.raises(ValueError):
        queries.sankey(MAYENNE, 2024, "X", 10)


def test_datasets_without_aggregate_files_give_the_same_answers(use_dataset) -> None:
    """A dataset written before the aggregates existed (layout 1) is read through views that
    compute them from the data files: same answers."""
    from lib.data import db

    data_dir = use_dataset(random_trade(11))
    with_files = view_answers(TERRITORIES)
    downgrade_to_layout_1(data_dir)
    db.reset()
    for mine, theirs in zip(view_answers(TERRITORIES), with_files, strict=True):
        pd.testing.assert_frame_equal(mine, theirs, check_exact=False, rtol=1e-12)
