"""lib/data/db.py: the process's DuckDB connection is bounded in memory and spills beyond it."""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from lib.core import config
from lib.data import db, queries
from lib.web import urlstate
from tests.conftest import rows


def _setting(name: str) -> str:
    return str(db.run("SELECT current_setting(?)", [name], lambda r: r.fetchone())[0])


def _bytes(setting: str) -> float:
    """DuckDB's memory text (`400.0 MiB`, `381.4 MB`…) in bytes."""
    number, unit = setting.split()
    scale = {"KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "KB": 1e3, "MB": 1e6, "GB": 1e9}[unit]
    return float(number) * scale


def test_memory_limit_defaults_to_the_configured_value(use_dataset, monkeypatch) -> None:
    monkeypatch.delenv(config.ENV_DUCKDB_MEMORY_MB, raising=False)
    use_dataset(rows([(2024, "E", "53", "C10A", "US", 1.0)]))
    assert _bytes(_setting("memory_limit")) == pytest.approx(config.DUCKDB_MEMORY_MB * 1e6, 0.01)


def test_memory_limit_follows_the_environment(use_dataset, monkeypatch) -> None:
    monkeypatch.setenv(config.ENV_DUCKDB_MEMORY_MB, "150")
    use_dataset(rows([(2024, "E", "53", "C10A", "US", 1.0)]))
    assert _bytes(_setting("memory_limit")) == pytest.approx(150e6, 0.01)
    assert Path(_setting("temp_directory")).name.startswith("comext-duckdb-")


@pytest.mark.parametrize("raw", ["0", "-5", "beaucoup", "nan"])
def test_a_bad_memory_setting_is_refused_in_french(monkeypatch, raw: str) -> None:
    monkeypatch.setenv(config.ENV_DUCKDB_MEMORY_MB, raw)
    with pytest.raises(ValueError, match="nombre positif attendu"):
        config.duckdb_memory_mb()


def test_every_thread_s_cursor_keeps_the_parquet_footers_in_memory(use_dataset) -> None:
    """The setting is a connection's own unless set GLOBAL: the cursors of the pages' threads
    would otherwise parse the files' footers again at every query."""
    use_dataset(rows([(2024, "E", "53", "C10A", "US", 1.0)]))
    seen: list[str] = []
    thread = threading.Thread(target=lambda: seen.append(_setting("parquet_metadata_cache")))
    thread.start()
    thread.join()
    assert seen == ["True"]
    assert _setting("parquet_metadata_cache") == "True"


def test_a_table_handed_to_a_query_is_read_by_that_query_alone(use_dataset) -> None:
    use_dataset(rows([(2024, "E", "53", "C10A", "US", 1.0)]))
    table = pa.table({"x": [1, 2, 3]})

    def fetch(result: duckdb.DuckDBPyConnection) -> object:
        return result.fetchall()

    seen: list[object] = []

    def other_thread() -> None:  # while this thread's query holds the table
        with pytest.raises(duckdb.CatalogException):
            db.run("SELECT * FROM t", [], fetch)
        seen.append("refused")

    def reading(result: duckdb.DuckDBPyConnection) -> object:
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        return result.fetchall()

    assert db.run("SELECT sum(x) FROM t WHERE x > ?", [1], reading, {"t": table}) == [(5,)]
    assert seen == ["refused"]
    with pytest.raises(duckdb.CatalogException):  # gone after its query
        db.run("SELECT * FROM t", [], fetch)
    with pytest.raises(duckdb.BinderException):  # and after a query that failed
        db.run("SELECT missing FROM t", [], fetch, {"t": table})
    with pytest.raises(duckdb.CatalogException):
        db.run("SELECT * FROM t", [], fetch)


def test_the_donnees_csv_is_written_whole_under_a_small_limit(
    use_dataset, monkeypatch, tmp_path: Path
) -> None:
    """40 000 rows sorted and written with 128 MB for DuckDB: every row, every euro."""
    monkeypatch.setenv(config.ENV_DUCKDB_MEMORY_MB, "128")
    records = [
        (2024, "E", f"{d:02d}", f"C{p:02d}Z", f"P{c:03d}", float(d * p + c))
        for d in range(1, 21)
        for p in range(10, 30)
        for c in range(100)
    ]
    use_dataset(rows(records))
    years = queries.available_years()
    data_filter, notices = urlstate.parse_data_filter({"niveau": ["france"]}, years)
    assert not notices
    path = tmp_path / "rows.csv"
    queries.write_rows_csv(data_filter, str(path))
    written = pd.read_csv(path, dtype=str)
    assert len(written) == len(records)
    assert written["valeur_eur"].astype(float).sum() == pytest.approx(sum(r[-1] for r in records))
