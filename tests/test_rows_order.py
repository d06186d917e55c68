"""lib/data/queries.py: the Données rows come in their documented order without an ORDER BY.

The CSV and the Parquet of the Données page are written as DuckDB reads the files (nothing is
joined or sorted, so the first byte leaves before the last row is read). Their order must still
be the documented one (year, département, flow, product, CPF4, country, quarter, month; missing
values last), the same at every download. The fixture is large enough for several row groups per
year and DuckDB runs four threads, so a join or a parallel step that reorders rows shows here.
The expected rows are the fixture's, filtered and sorted by pandas.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lib.core import config, refs
from lib.core.states import DataFilter
from lib.core.territory import FRANCE, Territory
from lib.data import db, queries
from tests.conftest import write_dataset

KEYS = ["year", "dept", "flow", "product", "cpf4", "country", "quarter", "month"]
CSV_KEYS = ["annee", "departement", "flux", "produit", "cpf4", "pays", "trimestre", "mois"]
FLOW_NAMES = {"E": "export", "I": "import"}
AUVERGNE_RHONE_ALPES = Territory("region", "84")  # twelve départements
PRODUCTS = [*sorted(refs.products()["code"])[:10], "Z99Z"]  # Z99Z: no name anywhere
COUNTRIES = [*sorted(refs.countries()["code"])[:24], "QQ"]  # QQ: no name either


def _fixture_rows(seed: int = 20261206) -> pd.DataFrame:
    """About 150 000 rows over three years: annual, quarterly and monthly rows, CPF4 codes or
    none, products and countries with and without a name, shuffled (the store sorts them)."""
    rng = np.random.default_rng(seed)
    depts = [*sorted(AUVERGNE_RHONE_ALPES.depts or ()), "2A", "2B", "53", "75", "971"]
    periods = [(None, None), (1, None), (2, None), (3, 7), (3, 8), (4, 12)]
    frames = []
    for year in (2022, 2023, 2024):
        n = 50_000
        period = rng.integers(len(periods), size=n)
        frames.append(
            pd.DataFrame(
                {
                    "year": year,
                    "quarter": pd.array([periods[i][0] for i in period], dtype="Int8"),
                    "month": pd.array([periods[i][1] for i in period], dtype="Int8"),
                    "flow": rng.choice(["E", "I"], size=n),
                    "dept": rng.choice(depts, size=n),
                    "product": rng.choice(PRODUCTS, size=n),
                    "cpf4": rng.choice(["", "1011", "2110", "2511"], size=n),
                    "country": rng.choice(COUNTRIES, size=n),
                    "value_eur": rng.integers(1, 10**6, size=n).astype(float),
                    "mass_kg": rng.integers(1, 10**5, size=n).astype(float),
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    frame["cpf4"] = frame["cpf4"].replace("", None)
    # One row per key: the store would add duplicates up, the expectation below would not.
    return frame.drop_duplicates(subset=KEYS).sample(frac=1, random_state=7)


def test_the_files_order_is_the_documented_one() -> None:
    """The rows are not sorted by the query: their order is the store's, year after year."""
    assert list(queries.ROWS_ORDER) == KEYS


@pytest.fixture(scope="module")
def fixture_rows() -> pd.DataFrame:
    return _fixture_rows()


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory, fixture_rows) -> Iterator[None]:
    data_dir = tmp_path_factory.mktemp("rows-order")
    write_dataset(fixture_rows, data_dir)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(config.ENV_DATA_DIR, str(data_dir))
        db.reset()
        db.run("SET threads = 4", [], lambda result: None)
        yield
    db.reset()


def _expected(frame: pd.DataFrame, data_filter: DataFilter) -> pd.DataFrame:
    """The filter applied by pandas, sorted in the documented order (missing values last)."""
    first = data_filter.first_year * 4 + data_filter.first_quarter
    last = data_filter.last_year * 4 + data_filter.last_quarter
    whole_years = (frame["year"] > data_filter.first_year) | (data_filter.first_quarter == 1)
    whole_years &= (frame["year"] < data_filter.last_year) | (data_filter.last_quarter == 4)
    quarter_index = frame["year"] * 4 + frame["quarter"].astype("float")
    keep = frame["year"].between(data_filter.first_year, data_filter.last_year) & np.where(
        frame["quarter"].isna(), whole_years, quarter_index.between(first, last)
    )
    for column, codes in (
        ("dept", data_filter.territory.depts),
        ("product", data_filter.products or None),
        ("country", data_filter.countries or None),
        ("flow", None if data_filter.flux == "tous" else [data_filter.flux[0].upper()]),
    ):
        if codes is not None:
            keep &= frame[column].isin(list(codes))
    return frame[keep].sort_values(KEYS, na_position="last", kind="stable")


def _keys(frame: pd.DataFrame) -> list[tuple[str, ...]]:
    """Each row's keys and value as text, missing values as ''."""
    return [
        tuple("" if pd.isna(v) else str(int(v)) if isinstance(v, float) else str(v) for v in row)
        for row in frame.itertuples(index=False)
    ]


def _as_written(frame: pd.DataFrame) -> list[tuple[str, ...]]:
    """The expectation in the written file's columns: flow names, values as integers."""
    shown = frame[[*KEYS, "value_eur"]].copy()
    shown["flow"] = shown["flow"].map(FLOW_NAMES)
    return _keys(shown)


FILTERS = {
    "France, one year": DataFilter(FRANCE, 2024, 2024),
    "France, three years": DataFilter(FRANCE, 2022, 2024),
    "a région of twelve départements": DataFilter(AUVERGNE_RHONE_ALPES, 2023, 2024),
    "one département, exports, Q2 2022 to Q3 2023": DataFilter(
        Territory("dept", "2B"), 2022, 2023, flux="export", first_quarter=2, last_quarter=3
    ),
    "six products and six countries": DataFilter(
        FRANCE, 2023, 2024, products=(*PRODUCTS[-6:],), countries=("QQ", *COUNTRIES[:5])
    ),
}


@pytest.mark.parametrize("label", FILTERS)
def test_the_csv_rows_come_in_the_documented_order(
    dataset, fixture_rows, tmp_path: Path, label: str
) -> None:
    data_filter = FILTERS[label]
    expected = _expected(fixture_rows, data_filter)
    assert len(expected) > 1000  # enough rows to be out of order
    path = tmp_path / "rows.csv"
    queries.write_rows_csv(data_filter, str(path))
    written = pd.read_csv(path, dtype=str, keep_default_na=False)
    got = [
        (*row[:-1], str(int(float(row[-1]))))
        for row in written[[*CSV_KEYS, "valeur_eur"]].itertuples(index=False)
    ]
    assert got == _as_written(expected)


def test_the_parquet_rows_come_in_the_csv_s_order(dataset, fixture_rows, tmp_path: Path) -> None:
    """The Excel workbook of the Données page is written from this file, row after row."""
    data_filter = FILTERS["a région of twelve départements"]
    path = tmp_path / "rows.parquet"
    queries.write_rows_parquet(data_filter, str(path))
    written = pd.read_parquet(path)
    columns = dict(zip(CSV_KEYS, KEYS, strict=True))
    shown = written.rename(columns=columns)[[*KEYS, "valeur_eur"]]
    assert _keys(shown) == _as_written(_expected(fixture_rows, data_filter))


def test_a_name_missing_from_the_tables_is_its_code(dataset, tmp_path: Path) -> None:
    """Names come from maps now, not joins: a code without a name still gets a row, named by
    its code, and a named one gets its reference name."""
    path = tmp_path / "rows.csv"
    queries.write_rows_csv(FILTERS["six products and six countries"], str(path))
    written = pd.read_csv(path, dtype=str, keep_default_na=False)
    unnamed = written[written["produit"] == "Z99Z"]
    assert len(unnamed) > 0 and set(unnamed["produit_nom"]) == {"Z99Z"}
    named = written[written["produit"] == PRODUCTS[-2]]
    reference = refs.products().set_index("code")["name"]
    assert set(named["produit_nom"].str.strip('"')) == {reference[PRODUCTS[-2]]}
