"""Issue 7's bar: the published ZIPs of several years, imported one by one or together, give
fiches, maps and CSVs equal to an independent computation on the same rows.

The rows are drawn by tests/customs_files.py, written in the customs' published layout
(headerless ZIPs with label files, both column orders, a partial year), imported with the
project's CLI path, and every view is compared with tests/oracle.py (plain pandas).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from lib.core import config, refs
from lib.core.territory import FRANCE, Territory
from lib.data import db, queries
from lib.fiche import files
from lib.sources import ingest
from tests import customs_files, oracle

YEARS = (2023, 2024)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, list[Path]]:
    """Rows of 2023 (whole) and 2024 (T1–T3), and their four published ZIPs."""
    rows = pd.concat(
        [
            customs_files.sample_rows(seed=11, years=(2023,), n=500),
            customs_files.sample_rows(seed=12, years=(2024,), quarters=(1, 2, 3), n=400),
        ],
        ignore_index=True,
    )
    folder = tmp_path_factory.mktemp("published")
    zips = [
        customs_files.write_published_zip(
            folder / customs_files.published_zip_name(year, flow),
            part,
            year=year,
            flow=flow,
            cpf4_first=flow == "I",
            labels_encoding="cp1252" if year == 2023 else "utf-8",
        )
        for (year, flow), part in customs_files.split_by_year_flow(rows).items()
    ]
    return customs_files.expected_canonical(rows), zips


def _use(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(config.ENV_DATA_DIR, str(data_dir))
    db.reset()


def _territories(frame: pd.DataFrame) -> list[tuple[Territory, list[str] | None, list | None]]:
    dept = str(frame["dept"].mode()[0])
    region = refs.region_of_dept(dept)
    region_depts = refs.depts_of_region(region)
    return [
        (Territory("dept", dept), [dept], region_depts),
        (Territory("region", region), region_depts, region_depts),
        (FRANCE, None, None),
    ]


def _assert_views_match(frame: pd.DataFrame) -> None:
    for year in YEARS:
        for territory, depts, region_depts in _territories(frame):
            kpis = queries.kpis(territory, year).set_index("indicator")["value"]
            for name, want in oracle.kpis(frame, depts, region_depts, year).items():
                got = kpis[name]
                assert (math.isnan(got) and math.isnan(want)) or got == pytest.approx(want)
            partners = queries.partners(territory, year, 5)
            want = oracle.partners(frame, depts, year, 5)
            assert list(partners["country"]) == list(want["country"])
            assert partners["balance_eur"].to_numpy() == pytest.approx(want["balance_eur"])
            products = queries.products(territory, year)
            want = oracle.products(frame, depts, year)
            assert list(products["product"]) == list(want["product"])
            assert products["value_eur"].to_numpy() == pytest.approx(want["value_eur"])
            for flow in ("E", "I"):
                links = queries.sankey(territory, year, flow, 4)
                pd.testing.assert_frame_equal(
                    links, oracle.sankey(frame, depts, year, flow, 4), check_dtype=False
                )
        metrics = queries.map_metrics(year).set_index("dept")
        by_dept = frame[(frame["year"] == year) & (frame["flow"] == "E")]
        by_dept = by_dept.groupby("dept")["value_eur"].sum()
        for dept, value in by_dept.items():
            assert metrics.loc[dept, "exports_eur"] == pytest.approx(value)


def test_imported_one_by_one_or_together_views_equal_pandas(
    published, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame, zips = published
    together = tmp_path / "together"
    ingest.ingest_files(zips, together)
    one_by_one = tmp_path / "one_by_one"
    for path in reversed(zips):  # import ZIPs before export ZIPs, 2024 before 2023
        ingest.ingest_files([path], one_by_one)
    for data_dir in (together, one_by_one):
        _use(data_dir, monkeypatch)
        assert queries.available_years() == list(YEARS)
        assert queries.year_label(2024) == "2024 (T1–T3)"
        assert queries.year_label(2023) == "2023"
        _assert_views_match(frame)
    db.reset()


def test_csv_exports_equal_pandas_and_carry_codes_and_mass(
    published, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame, zips = published
    data_dir = tmp_path / "data"
    ingest.ingest_files(zips, data_dir)
    _use(data_dir, monkeypatch)
    territory, depts, _ = _territories(frame)[0]
    tables = files.tables(territory, 2024, 5)
    details = tables["products_cpf4.csv"]
    rows = oracle.select(frame, depts, 2024)
    want = rows.groupby(["flow", "product", "cpf4"])["value_eur"].sum()
    assert len(details) == len(want)
    for row in details.itertuples():
        key = ("E" if row.flow == "export" else "I", row.product, row.cpf4)
        assert row.value_eur == pytest.approx(want[key])
    # The Données CSV: both codes, the quarter and the mass, row for row.
    from lib.core.states import DataFilter

    csv_path = tmp_path / "donnees.csv"
    queries.write_rows_csv(DataFilter(territory, 2023, 2024), str(csv_path))
    got = pd.read_csv(csv_path, dtype={"cpf4": str, "pays": str, "departement": str},
                      keep_default_na=False, na_values=[""])  # fmt: skip
    mine = frame[frame["dept"].isin(depts)]
    assert len(got) == len(mine)
    assert got["valeur_eur"].sum() == pytest.approx(mine["value_eur"].sum())
    assert got["masse_kg"].sum() == pytest.approx(mine["mass_kg"].sum())
    assert set(got["trimestre"]) == set(mine["quarter"])
    assert set(got["cpf4"]) == set(mine["cpf4"])
    db.reset()
