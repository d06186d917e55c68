"""DuckDB access: one connection per process, one cursor per thread, a `trade` view.

Streamlit serves each browser session from its own thread; a DuckDB connection must not be
shared between threads, but cursors of one connection may each live in one thread. The view
`trade` exposes the canonical columns over the files named by the current manifest and is
rebuilt when the manifest changes (an ingest in this or another process). A remote dataset
(https://, s3://; see lib/remote.py) is checked for a new manifest every few seconds.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from lib import config, remote, store

_lock = threading.Lock()
_local = threading.local()


@dataclass
class _Process:
    con: duckdb.DuckDBPyConnection
    location: str
    stamp: int | None
    manifest: store.Manifest | None


_process: _Process | None = None
REMOTE_REFRESH_S = 10  # how often a remote manifest is re-read (no cheap stat over HTTP)


def _trade_view_sql(location: str, manifest: store.Manifest | None) -> str:
    if manifest is None or not manifest.files:
        # An empty view with the canonical types keeps every query valid before any data.
        return (
            "CREATE OR REPLACE VIEW trade AS SELECT "
            "NULL::SMALLINT AS year, NULL::TINYINT AS month, NULL::VARCHAR AS flow, "
            "NULL::VARCHAR AS dept, NULL::VARCHAR AS product, NULL::VARCHAR AS country, "
            "NULL::DOUBLE AS value_eur WHERE false"
        )
    paths = [_file_path(location, rel).replace("'", "''") for rel in manifest.files.values()]
    listing = ", ".join(f"'{p}'" for p in paths)
    return (
        "CREATE OR REPLACE VIEW trade AS SELECT "
        "year, month, flow, dept, product, country, value_eur "
        f"FROM read_parquet([{listing}], hive_partitioning = true, "
        "hive_types = {'year': SMALLINT})"
    )


def _file_path(location: str, relative: str) -> str:
    if config.is_remote(location):
        return remote.join(location, relative)
    return str(Path(location) / relative)


def _stamp(location: str) -> int | None:
    """Changes when the manifest may have changed: its mtime, or a time slot for remote data."""
    if config.is_remote(location):
        return int(time.monotonic() // REMOTE_REFRESH_S)
    return store.manifest_stamp(location)


def _read_manifest(con: duckdb.DuckDBPyConnection, location: str) -> store.Manifest | None:
    if config.is_remote(location):
        return remote.read_manifest(con, location)
    return store.read_manifest(location)


# Reference tables, loaded once per connection, so that exports can join names in SQL.
REF_TABLES = {
    "ref_departements": "departements.csv",
    "ref_regions": "regions.csv",
    "ref_products": "products.csv",
    "ref_countries": "countries.csv",
}


def _load_reference_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table, file_name in REF_TABLES.items():
        path = str(config.REF_DIR / file_name).replace("'", "''")
        # all_varchar keeps codes such as "01" or "NA" (Namibia) as written.
        con.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_csv('{path}', header = true, "
            "all_varchar = true)"
        )


def _open(location: str) -> _Process:
    con = duckdb.connect(":memory:")
    _load_reference_tables(con)
    if config.is_remote(location):
        remote.load_httpfs(con)
    stamp = _stamp(location)
    manifest = _read_manifest(con, location)
    con.execute(_trade_view_sql(location, manifest))
    return _Process(con, location, stamp, manifest)


def _current() -> _Process:
    """The process-wide connection, (re)opened for the configured location and manifest."""
    global _process
    location = config.data_dir()
    with _lock:
        if _process is None or _process.location != location:
            _process = _open(location)
        else:
            stamp = _stamp(location)
            if stamp != _process.stamp:
                _process.stamp = stamp
                manifest = _read_manifest(_process.con, location)
                if manifest != _process.manifest:
                    _process.manifest = manifest
                    _process.con.execute(_trade_view_sql(location, manifest))
        return _process


def cursor() -> duckdb.DuckDBPyConnection:
    """This thread's cursor on the process connection, with an up-to-date `trade` view."""
    process = _current()
    cur = getattr(_local, "cursor", None)
    if cur is None or getattr(_local, "owner", None) is not process.con:
        cur = process.con.cursor()
        _local.cursor = cur
        _local.owner = process.con
    return cur


def manifest() -> store.Manifest | None:
    """The manifest the `trade` view currently reads."""
    return _current().manifest


def reset() -> None:
    """Forget the process connection (tests switch data folders)."""
    global _process
    with _lock:
        if _process is not None:
            _process.con.close()
        _process = None
