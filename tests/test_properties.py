"""Property-based tests (hypothesis) of the aggregations on random small datasets."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.core import config, refs
from lib.core.territory import FRANCE, Territory
from lib.data import db, queries
from tests.conftest import rows, write_dataset

DEPTS = ["44", "49", "53", "72", "85", "14", "50", "61", "971"]
PRODUCTS = ["C21Z", "C10A", "C29A", "C26A", "C30C", "ZZZZ"]  # ZZZZ: not in the reference table
COUNTRIES = ["DE", "US", "CN", "BE", "ES", "QU", "XK"]

record = st.tuples(
    st.sampled_from([2023, 2024]),
    st.sampled_from(["E", "I"]),
    st.sampled_from(DEPTS),
    st.sampled_from(PRODUCTS),
    st.sampled_from(COUNTRIES),
    st.one_of(
        st.just(0.0),
        st.floats(min_value=0.01, max_value=1e10, allow_nan=False, allow_infinity=False),
    ),
)
datasets = st.lists(record, min_size=1, max_size=60).map(rows)
PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@contextmanager
def dataset(frame: pd.DataFrame) -> Iterator[None]:
    with tempfile.TemporaryDirectory() as tmp:
        write_dataset(frame, Path(tmp))
        previous = os.environ.get(config.ENV_DATA_DIR)
        os.environ[config.ENV_DATA_DIR] = tmp
        db.reset()
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop(config.ENV_DATA_DIR, None)
            else:
                os.environ[config.ENV_DATA_DIR] = previous
            db.reset()


def _territories() -> list[Territory]:
    return [Territory("dept", "53"), Territory("region", "52"), Territory("region", "01"), FRANCE]


@PROPERTY_SETTINGS
@given(frame=datasets, top=st.integers(min_value=1, max_value=8))
def test_sankey_links_sum_to_the_flow_total(frame: pd.DataFrame, top: int) -> None:
    with dataset(frame):
        for territory in _territories():
            totals = queries.flow_totals(territory, 2024)
            for flow in ("E", "I"):
                links = queries.sankey(territory, 2024, flow, top)
                assert links["value_eur"].sum() == pytest.approx(totals[flow], rel=1e-9, abs=1e-6)
                named = links[(links["source"] != "AUTRES") & (links["target"] != "AUTRES")]
                assert links["highlight"].sum() == min(5, len(named))
                assert set(links.loc[links["highlight"] == 1].index) <= set(named.index)
                products = links["source" if flow == "E" else "target"]
                assert products[products != "AUTRES"].nunique() <= top


@PROPERTY_SETTINGS
@given(frame=datasets)
def test_departements_sum_to_their_region_and_regions_to_france(frame: pd.DataFrame) -> None:
    with dataset(frame):
        national = queries.flow_totals(FRANCE, 2024)
        region_sum = {"E": 0.0, "I": 0.0}
        for region in refs.regions()["code"]:
            regional = queries.flow_totals(Territory("region", region), 2024)
            dept_sum = {"E": 0.0, "I": 0.0}
            for dept in refs.depts_of_region(region):
                for flow, value in queries.flow_totals(Territory("dept", dept), 2024).items():
                    dept_sum[flow] += value
            for flow in ("E", "I"):
                assert dept_sum[flow] == pytest.approx(regional[flow], rel=1e-9, abs=1e-6)
                region_sum[flow] += regional[flow]
        for flow in ("E", "I"):
            assert region_sum[flow] == pytest.approx(national[flow], rel=1e-9, abs=1e-6)


@PROPERTY_SETTINGS
@given(frame=datasets, top=st.integers(min_value=1, max_value=8))
def test_shares_lie_between_0_and_100(frame: pd.DataFrame, top: int) -> None:
    with dataset(frame):
        for territory in _territories():
            kpis = queries.kpis(territory, 2024).set_index("indicator")["value"]
            shares = kpis[[name for name in kpis.index if name.endswith("share_national_pct")]]
            shares = pd.concat(
                [shares, kpis[[n for n in kpis.index if n.endswith("share_region_pct")]]]
            )
            assert shares.dropna().between(0, 100 + 1e-9).all()
            products = queries.products(territory, 2024)
            assert products["share_pct"].between(0, 100 + 1e-9).all()
            for flow in ("export", "import"):
                part = products.loc[products["flow"] == flow, "share_pct"]
                if not part.empty:
                    assert part.sum() == pytest.approx(100.0)
            partners = queries.partners(territory, 2024, top)
            assert len(partners) <= top
        metrics = queries.map_metrics(2024)
        for column in ("exports_share_national_pct", "imports_share_national_pct"):
            assert metrics[column].dropna().between(0, 100 + 1e-9).all()


customs_rows = st.lists(
    st.tuples(
        st.sampled_from(["Exportations", "Importations", "E", "I"]),
        st.sampled_from([2023, 2024]),
        st.sampled_from(["1", "53", "2A", "971", "75"]),
        st.sampled_from(PRODUCTS),
        st.sampled_from(COUNTRIES),
        st.integers(min_value=0, max_value=10**9),
        st.integers(min_value=0, max_value=99),
    ),
    min_size=1,
    max_size=40,
)


def _customs_csv(records: list[tuple], path: Path) -> pd.DataFrame:
    """Write records as the customs publish them (French headers, decimal comma); return the
    canonical rows a reader would expect, computed independently with plain pandas."""
    lines = ["Flux;Année;Département;Code A129;Code pays;Valeur (euros)"]
    for flow, year, dept, product, country, units, cents in records:
        lines.append(f"{flow};{year};{dept};{product};{country};{units},{cents:02d}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    frame = pd.DataFrame(records, columns=["flow", "year", "dept", "product", "country", "u", "c"])
    frame["flow"] = frame["flow"].str[0]
    frame["dept"] = frame["dept"].map({"1": "01"}).fillna(frame["dept"])
    frame["value_eur"] = frame["u"] + frame["c"] / 100
    return frame


@PROPERTY_SETTINGS
@given(records=customs_rows)
def test_ingest_then_export_gives_back_the_file_sums(records: list[tuple]) -> None:
    from lib.fiche import files
    from lib.sources import ingest

    with tempfile.TemporaryDirectory() as tmp:
        expected = _customs_csv(records, Path(tmp) / "douanes.csv")
        data_dir = Path(tmp) / "data"
        ingest.ingest_files([Path(tmp) / "douanes.csv"], data_dir)
        os.environ[config.ENV_DATA_DIR] = str(data_dir)
        db.reset()
        try:
            for (year, dept), part in expected.groupby(["year", "dept"]):
                tables = files.tables(Territory("dept", dept), int(year), 5)
                kpis = tables["kpis.csv"].set_index("indicator")["value"]
                for flow, key in (("E", "exports_eur"), ("I", "imports_eur")):
                    want = part.loc[part["flow"] == flow, "value_eur"].sum()
                    assert kpis[key] == pytest.approx(want, rel=1e-12, abs=1e-6)
                products = tables["products.csv"]
                assert products["value_eur"].sum() == pytest.approx(
                    part["value_eur"].sum(), rel=1e-12, abs=1e-6
                )
        finally:
            os.environ.pop(config.ENV_DATA_DIR, None)
            db.reset()
