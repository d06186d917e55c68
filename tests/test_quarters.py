"""The explorer over quarterly data with CPF4 detail: partial years, the map's one-year change on
the same quarters, the CPF4 drill-down, the Données period, labels from the customs' files.

Expected values are computed with plain pandas on the fixture rows.
"""

from __future__ import annotations

import math

import duckdb
import pandas as pd
import pytest

from lib.core import periods, refs
from lib.core.states import DataFilter
from lib.core.territory import FRANCE, Territory
from lib.data import db, queries, store

MAYENNE = Territory("dept", "53")
ORNE = Territory("dept", "61")


def quarterly(records: list[tuple]) -> pd.DataFrame:
    """Rows from (year, quarter, flow, dept, product, cpf4, country, value) tuples."""
    frame = pd.DataFrame(
        records,
        columns=["year", "quarter", "flow", "dept", "product", "cpf4", "country", "value_eur"],
    )
    frame["month"] = pd.array([None] * len(frame), dtype="Int8")
    frame["quarter"] = frame["quarter"].astype("Int8")
    frame["value_eur"] = frame["value_eur"].astype(float)
    frame["mass_kg"] = frame["value_eur"] / 10
    return frame


# 2024 whole (four quarters), 2025 partial (T1–T2); a code outside the 101 départements ("99").
ROWS = quarterly(
    [
        (2024, q, flow, dept, product, cpf4, country, value * q)
        for q in (1, 2, 3, 4)
        for flow, dept, product, cpf4, country, value in [
            ("E", "53", "C10A", "1011", "DE", 100.0),
            ("E", "53", "C10A", "1012", "US", 50.0),
            ("E", "61", "C21Z", "2110", "DE", 70.0),
            ("I", "53", "C10A", "1011", "BE", 40.0),
            ("E", "99", "C21Z", "2110", "CN", 30.0),
        ]
    ]
    + [
        (2025, q, flow, dept, product, cpf4, country, value * q)
        for q in (1, 2)
        for flow, dept, product, cpf4, country, value in [
            ("E", "53", "C10A", "1011", "DE", 130.0),
            ("E", "61", "C21Z", "2110", "DE", 20.0),
            ("I", "53", "C10A", "1011", "BE", 45.0),
            ("E", "99", "C21Z", "2110", "CN", 10.0),
        ]
    ]
)


@pytest.fixture
def dataset(use_dataset) -> pd.DataFrame:
    use_dataset(ROWS)
    return ROWS


def test_partial_years_are_labelled(dataset: pd.DataFrame) -> None:
    assert queries.year_quarters(2024) == (1, 2, 3, 4)
    assert queries.year_quarters(2025) == (1, 2)
    assert queries.year_label(2024) == "2024"
    assert queries.year_label(2025) == "2025 (T1–T2)"
    assert queries.year_slug(2025) == "2025-T1-T2"


def test_period_texts() -> None:
    assert periods.year_label(2025, (1, 2)) == "2025 (T1–T2)"
    assert periods.year_label(2025, (3,)) == "2025 (T3)"
    assert periods.year_label(2025, (1, 3)) == "2025 (T1, T3)"
    assert periods.year_label(2025, (1, 2, 3, 4)) == "2025"
    assert periods.year_label(2025, ()) == "2025"
    assert periods.year_inline(2025, (2, 3)) == "2025, T2–T3"


def test_map_change_compares_the_same_quarters(dataset: pd.DataFrame) -> None:
    frame = queries.map_metrics(2025).set_index("dept")
    rows = dataset[dataset["flow"] == "E"]
    now = rows[rows["year"] == 2025].groupby("dept")["value_eur"].sum()
    before = rows[(rows["year"] == 2024) & rows["quarter"].isin([1, 2])]
    before = before.groupby("dept")["value_eur"].sum()
    for dept in ("53", "61"):
        expected = 100 * (now[dept] - before[dept]) / before[dept]
        assert frame.loc[dept, "exports_change_pct"] == pytest.approx(expected)
    # Shares are of France's total, the rows outside the 101 départements included.
    national = rows[rows["year"] == 2025]["value_eur"].sum()
    assert frame.loc["53", "exports_share_national_pct"] == pytest.approx(
        100 * now["53"] / national
    )
    assert "99" not in frame.index


def test_map_change_is_unavailable_against_annual_data(use_dataset) -> None:
    annual = ROWS[ROWS["year"] == 2024].copy()
    annual["quarter"] = pd.array([None] * len(annual), dtype="Int8")
    use_dataset(pd.concat([annual, ROWS[ROWS["year"] == 2025]], ignore_index=True))
    assert queries.comparable_quarters(2025) is None
    frame = queries.map_metrics(2025)
    assert frame["exports_change_pct"].isna().all()


def test_unassigned_rows_count_in_france_only(dataset: pd.DataFrame) -> None:
    rows = dataset[(dataset["year"] == 2024) & (dataset["flow"] == "E")]
    assert queries.flow_totals(FRANCE, 2024)["E"] == pytest.approx(rows["value_eur"].sum())
    region = Territory("region", "52")
    in_region = rows[rows["dept"].isin(refs.depts_of_region("52"))]["value_eur"].sum()
    assert queries.flow_totals(region, 2024)["E"] == pytest.approx(in_region)


def test_product_details_sum_the_cpf4_rows(dataset: pd.DataFrame) -> None:
    got = queries.product_details(MAYENNE, 2024)
    rows = dataset[(dataset["year"] == 2024) & (dataset["dept"] == "53")]
    expected = rows.groupby(["flow", "product", "cpf4"])["value_eur"].sum()
    assert len(got) == len(expected)
    for row in got.itertuples():
        flow = "E" if row.flow == "export" else "I"
        assert row.value_eur == pytest.approx(expected[flow, row.product, row.cpf4])
    france = queries.product_details(FRANCE, 2024)
    assert france["value_eur"].sum() == pytest.approx(
        dataset[dataset["year"] == 2024]["value_eur"].sum()
    )


def test_product_details_are_empty_without_cpf4(use_dataset) -> None:
    annual = ROWS.drop(columns=["cpf4"])
    use_dataset(annual)
    assert queries.product_details(MAYENNE, 2024).empty
    assert queries.cpf4_codes() == []


def _filter(**changes) -> DataFilter:
    base = {"territory": MAYENNE, "first_year": 2024, "last_year": 2025}
    return DataFilter(**{**base, **changes})


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ((2024, 1), (2025, 4)),
        ((2024, 3), (2025, 1)),
        ((2025, 2), (2025, 2)),
        ((2024, 2), (2024, 3)),
    ],
)
def test_donnees_period_selects_quarters(dataset: pd.DataFrame, first, last) -> None:
    data_filter = _filter(
        first_year=first[0], first_quarter=first[1], last_year=last[0], last_quarter=last[1]
    )
    count, total = queries.row_summary(data_filter)
    rows = dataset[dataset["dept"] == "53"]
    index = rows["year"] * 4 + rows["quarter"].astype(int)
    chosen = rows[(index >= first[0] * 4 + first[1]) & (index <= last[0] * 4 + last[1])]
    assert count == len(chosen)
    assert total == pytest.approx(chosen["value_eur"].sum())


def test_donnees_period_takes_annual_rows_only_for_whole_years(use_dataset) -> None:
    annual = ROWS.copy()
    annual["quarter"] = pd.array([None] * len(annual), dtype="Int8")
    use_dataset(annual)
    whole = queries.row_summary(_filter(first_year=2024, last_year=2024))
    part = queries.row_summary(_filter(first_year=2024, last_year=2024, last_quarter=3))
    rows = annual[(annual["dept"] == "53") & (annual["year"] == 2024)]
    stored = rows.groupby(["flow", "product", "cpf4", "country"]).ngroups  # quarters merged
    assert whole == (stored, pytest.approx(rows["value_eur"].sum()))
    assert part == (0, 0.0)


def test_donnees_filters_on_cpf4_and_carries_codes_and_mass(dataset: pd.DataFrame) -> None:
    data_filter = _filter(cpf4=("1012",))
    preview = queries.rows_preview(data_filter, 100)
    rows = dataset[(dataset["dept"] == "53") & (dataset["cpf4"] == "1012")]
    assert len(preview) == len(rows)
    assert set(preview["cpf4"]) == {"1012"}
    assert list(preview.columns) == [
        "annee", "trimestre", "mois", "flux", "departement", "departement_nom", "produit",
        "produit_nom", "cpf4", "cpf4_nom", "pays", "pays_nom", "valeur_eur", "masse_kg",
    ]  # fmt: skip
    assert preview["masse_kg"].sum() == pytest.approx(rows["mass_kg"].sum())
    assert queries.cpf4_codes() == sorted(dataset["cpf4"].unique())


def test_labels_stored_with_the_dataset_name_unknown_codes(use_dataset) -> None:
    rows = ROWS.copy()
    rows.loc[rows["country"] == "CN", "country"] = "ZZ"  # a code no reference table knows
    data_dir = use_dataset(rows)
    con = duckdb.connect()
    con.register("incoming", rows.iloc[:0])
    con.register(
        "new_labels",
        pd.DataFrame(
            {
                "kind": ["country", "cpf4", "product"],
                "code": ["ZZ", "1011", "C10A"],
                "name": ["Pays ZZ des fichiers", "Viande de boucherie", "Autre nom de C10A"],
            }
        ),
    )
    store.write_years(data_dir, con, "incoming", source="import", labels="new_labels")
    con.close()
    db.reset()
    db.manifest()  # opens the new version, whose labels complete the reference
    assert refs.country_name("ZZ") == "Pays ZZ des fichiers"
    assert refs.cpf4_name("1011") == "Viande de boucherie"
    assert refs.cpf4_name("1012") == "1012"  # known nowhere: shown as its code
    # The committed reference keeps its own name.
    assert refs.product_name("C10A") != "Autre nom de C10A"
    partners = queries.partners(FRANCE, 2024, 10).set_index("country")
    assert partners.loc["ZZ", "country_name"] == "Pays ZZ des fichiers"
    details = queries.product_details(MAYENNE, 2024)
    assert set(details.loc[details["cpf4"] == "1011", "cpf4_name"]) == {"Viande de boucherie"}
    preview = queries.rows_preview(_filter(cpf4=("1011",)), 5)
    assert set(preview["cpf4_nom"]) == {"Viande de boucherie"}


def test_treemap_drills_down_to_cpf4(dataset: pd.DataFrame) -> None:
    from lib.charts import fiche_figures

    products = queries.products(MAYENNE, 2024)
    details = queries.product_details(MAYENNE, 2024)
    nodes = {n.id: n for n in fiche_figures.treemap_nodes(products, details=details)}
    leaves = [n for n in nodes.values() if n.id.count("/") == 3]
    rows = dataset[(dataset["year"] == 2024) & (dataset["dept"] == "53")]
    assert len(leaves) == rows.groupby(["flow", "product", "cpf4"]).ngroups
    for node in nodes.values():  # every parent is the exact sum of its children
        children = [c.value for c in nodes.values() if c.parent == node.id]
        if children:
            assert math.fsum(children) == pytest.approx(node.value)
    fig = fiche_figures.treemap_figure(products, details=details)
    assert fig.data[0].maxdepth == 3
