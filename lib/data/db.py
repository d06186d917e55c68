"""DuckDB access: one connection per process, one cursor per thread, a `trade` view.

Streamlit serves each browser session from its own thread; a DuckDB connection must not be
shared between threads, but cursors of one connection may each live in one thread. The view
`trade` exposes the canonical columns over the files named by the current manifest and is
rebuilt when the manifest changes (an ingest in this or another process). A remote dataset
(https://, s3://; see lib/data/remote.py) is checked for a new manifest every few seconds.

Queries run through `run()`, which bounds their time: after QUERY_TIMEOUT_S a timer thread
interrupts the thread's cursor (DuckDB's `interrupt()`, which stops only what that cursor runs)
and `run()` raises QueryTimeout, whose French message the pages show. A Parquet file that
cannot be read (truncated, corrupted: DamagedData) or a remote store that fails (RemoteUnavailable)
is reported the same way, in French, naming the file, instead of DuckDB's own error; the other
pages keep working. A failed refresh of a remote manifest keeps the version already read.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import duckdb
import pyarrow

from lib.core import config, refs, schema
from lib.core.sql import literal
from lib.data import remote, store

_LOG = logging.getLogger(__name__)
_lock = threading.Lock()
_local = threading.local()


@dataclass
class _Process:
    con: duckdb.DuckDBPyConnection
    location: str
    stamp: int | None
    manifest: store.Manifest | None
    generation: int  # changes whenever the views are rebuilt over another manifest
    refreshing: bool = False  # a thread is reading the remote manifest (outside the lock)
    reader: threading.Thread | None = None  # that thread: reset() waits for it


@dataclass(frozen=True)
class DatasetKey:
    """What the views of this process read: results computed under one key are valid for it
    only (lib/data/cache.py keys on it). The version names the dataset's files; the generation also
    tells apart two manifests of one version (a layout rewritten in place, a reopened
    connection), which could give different answers while the version is the same."""

    location: str
    version: str | None
    generation: int


_process: _Process | None = None
_generations = itertools.count(1)  # process-wide, so that a reopened connection never reuses one
REMOTE_REFRESH_S = 10  # how often a remote manifest is re-read (no cheap stat over HTTP)
# A remote store that stops answering: each HTTP request is given up after this long, tried
# twice in all, so that a query fails (in French) near QUERY_TIMEOUT_S: DuckDB's interrupt
# does not stop a request waiting for its answer (its defaults: 30 s, 4 tries, 2 minutes).
REMOTE_HTTP_TIMEOUT_S = 4
REMOTE_HTTP_RETRIES = 1
REMOTE_REFRESH_WAIT_S = 1.0  # how long a page waits for the manifest's refresh it triggered


# The canonical columns of `trade`; older layouts lack quarter, cpf4 and mass_kg (read as NULL).
TRADE_COLUMNS = ", ".join(schema.COLUMNS)
EMPTY_TRADE = (
    "SELECT "
    + ", ".join(f"NULL::{kind} AS {name}" for name, kind in schema.COLUMNS.items())
    + " WHERE false"
)
# The aggregate views (see store.DERIVED): view name -> the file it reads, and the same
# aggregate computed from `trade` for datasets written before it existed, or empty ones.
AGGREGATE_VIEWS = {
    "trade_" + file_name.removesuffix(".parquet"): (
        file_name,
        f"SELECT year, {keys}, sum(value_eur) AS value_eur FROM trade GROUP BY year, {keys}",
    )
    for file_name, (keys, _, _) in store.DERIVED.items()
}
# Labels read from the customs' label files, stored with the dataset (see store.LABELS_FILE).
EMPTY_LABELS = (
    "SELECT NULL::VARCHAR AS kind, NULL::VARCHAR AS code, NULL::VARCHAR AS name WHERE false"
)


# The year of a data file comes from its hive path, typed as schema.COLUMNS types it.
_HIVE_TYPES = f"{{'year': {schema.COLUMNS['year']}}}"


def _parquet_source(paths: list[str]) -> str:
    listing = ", ".join(literal(p) for p in paths)
    return (
        f"SELECT * FROM read_parquet([{listing}], hive_partitioning = true, "
        f"hive_types = {_HIVE_TYPES})"
    )


def _trade_sql(data_files: list[str], layout: int) -> str:
    if not data_files:
        return EMPTY_TRADE
    present = set(schema.COLUMNS)
    if layout < 3:
        present -= set(store.LAYOUT_3_COLUMNS)
    return f"SELECT {schema.select_list(present)} FROM ({_parquet_source(data_files)})"


def _views_sql(location: str, manifest: store.Manifest | None) -> list[str]:
    """CREATE VIEW statements for `trade`, its aggregates and the labels over the manifest."""
    manifest_files = manifest.files if manifest is not None else {}
    has_data = bool(manifest_files)
    data_files = [_file_path(location, rel) for rel in manifest_files.values()]
    layout = manifest.layout if manifest is not None else store.LAYOUT
    statements = [f"CREATE OR REPLACE VIEW trade AS {_trade_sql(data_files, layout)}"]
    for view, (file_name, fallback) in AGGREGATE_VIEWS.items():
        if has_data and layout >= store.LAYOUT:
            files = [path.removesuffix(store.DATA_FILE) + file_name for path in data_files]
            body = _parquet_source(files)
        else:
            body = fallback
        statements.append(f"CREATE OR REPLACE VIEW {view} AS {body}")
    labels = EMPTY_LABELS
    if manifest is not None and manifest.labels:
        path = literal(_file_path(location, manifest.labels))
        labels = f"SELECT kind, code, name FROM read_parquet({path})"
    statements.append(f"CREATE OR REPLACE VIEW dataset_labels AS {labels}")
    return statements


def _create_views(
    con: duckdb.DuckDBPyConnection, location: str, manifest: store.Manifest | None
) -> None:
    for statement in _views_sql(location, manifest):
        con.execute(statement)
    labels: dict[str, dict[str, str]] = {}
    for kind, code, name in con.execute("SELECT kind, code, name FROM dataset_labels").fetchall():
        labels.setdefault(kind, {})[code] = name
    refs.use_dataset_labels(labels)


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
        path = literal(str(config.REF_DIR / file_name))
        # all_varchar keeps codes such as "01" or "NA" (Namibia) as written.
        con.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_csv({path}, header = true, "
            "all_varchar = true)"
        )


# Names of codes: the committed reference first, then the labels of the customs' files for the
# codes it lacks (CPF4 codes have no committed table). kind -> reference table or None.
NAME_VIEWS = {"product": "ref_products", "country": "ref_countries", "cpf4": None}


def _create_name_views(con: duckdb.DuckDBPyConnection) -> None:
    for kind, table in NAME_VIEWS.items():
        labels = f"SELECT code, name FROM dataset_labels WHERE kind = {literal(kind)}"
        body = (
            labels
            if table is None
            else f"SELECT code, name FROM {table} UNION ALL ({labels} AND code NOT IN "
            f"(SELECT code FROM {table}))"
        )
        con.execute(f"CREATE OR REPLACE VIEW names_{kind} AS {body}")


def _spill_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"comext-duckdb-{os.getpid()}"


def _open(location: str) -> _Process:
    con = duckdb.connect(":memory:")
    # Every query opens the same few Parquet files: keep their footers in memory. GLOBAL: the
    # setting is the connection's own otherwise, and the threads' cursors would parse the
    # footers again at every query (about 6 ms a query on the benchmark dataset).
    con.execute("SET GLOBAL parquet_metadata_cache = true")
    # Bounded, spilling to a folder of its own beyond (see config.duckdb_memory_mb).
    con.execute(f"SET memory_limit = '{config.duckdb_memory_mb():.0f}MB'")
    con.execute(f"SET temp_directory = {literal(str(_spill_dir()))}")
    _load_reference_tables(con)
    if config.is_remote(location):
        remote.load_httpfs(con)
        # GLOBAL: the settings of the connection itself would not reach the threads' cursors.
        con.execute(f"SET GLOBAL http_timeout = {REMOTE_HTTP_TIMEOUT_S}")
        con.execute(f"SET GLOBAL http_retries = {REMOTE_HTTP_RETRIES}")
    stamp = _stamp(location)
    manifest = _read_manifest(con, location)
    _create_views(con, location, manifest)
    _create_name_views(con)
    return _Process(con, location, stamp, manifest, next(_generations))


def _current() -> _Process:
    """The process-wide connection, (re)opened for the configured location and manifest.

    A local manifest is re-read under the lock (a stat, then a small file). A remote one is read
    by one thread at a time, outside the lock; the thread that asked waits for it at most
    REMOTE_REFRESH_WAIT_S, then goes on with the version already read, as every other thread
    does meanwhile: a slow store never holds the sessions behind one request. When the read
    fails, that version stays, and the read is tried again in the next REMOTE_REFRESH_S slot.
    """
    global _process
    location = config.data_dir()
    with _lock:
        if _process is None or _process.location != location:
            _process = _open(location)
            return _process
        process = _process
        stamp = _stamp(location)
        if stamp == process.stamp:
            return process
        if not config.is_remote(location):
            process.stamp = stamp
            _use_manifest(process, location, store.read_manifest(location))
            return process
        if process.refreshing:
            return process
        process.refreshing = True
        reader = threading.Thread(
            target=_refresh_remote, args=(process, location, stamp), name="manifest", daemon=True
        )
        process.reader = reader
        reader.start()  # under the lock: reset() never sees a thread not yet started
    reader.join(REMOTE_REFRESH_WAIT_S)
    return process


def _refresh_remote(process: _Process, location: str, stamp: int | None) -> None:
    """Read the remote manifest (in its own thread) and use it when it could be read."""
    manifest: store.Manifest | None = None
    read = False
    try:
        reader = process.con.cursor()
        try:
            manifest = remote.read_manifest(reader, location)
            read = True
        finally:
            reader.close()
    except (remote.RemoteError, duckdb.Error, ValueError, KeyError) as error:
        # a failing store, or a manifest being uploaded (not yet whole JSON)
        _LOG.warning("remote manifest not refreshed: %s", error)
    finally:
        with _lock:
            process.refreshing = False
            process.stamp = stamp
            if read and _process is process:
                _use_manifest(process, location, manifest)


def _use_manifest(process: _Process, location: str, manifest: store.Manifest | None) -> None:
    """Rebuild the views over `manifest` when it differs from the one they read (under _lock)."""
    if manifest != process.manifest:
        process.manifest = manifest
        process.generation = next(_generations)
        _create_views(process.con, location, manifest)


def cursor() -> duckdb.DuckDBPyConnection:
    """This thread's cursor on the process connection, with an up-to-date `trade` view."""
    process = _current()
    cur = getattr(_local, "cursor", None)
    if cur is None or getattr(_local, "owner", None) is not process.con:
        cur = process.con.cursor()
        _local.cursor = cur
        _local.owner = process.con
    return cur


QUERY_TIMEOUT_S = 10.0  # a query running longer is interrupted
T = TypeVar("T")


class QueryTimeout(RuntimeError):
    """A query ran longer than QUERY_TIMEOUT_S and was interrupted; the message is French."""

    def __init__(self, seconds: float) -> None:
        shown = f"{seconds:g}".replace(".", ",")
        super().__init__(
            f"La requête a dépassé {shown} s et a été interrompue. Réduisez la sélection "
            "(territoire, période, produits, pays) ou réessayez dans un instant."
        )
        self.seconds = seconds


class DataUnavailable(RuntimeError):
    """Data a query needs could not be read; the message is French, for the pages."""


class DamagedData(DataUnavailable):
    """A Parquet file of the dataset is unreadable (truncated, corrupted, missing): the pages
    that need it say so; `path` names it (relative to the dataset folder when inside it)."""

    def __init__(self, path: str, detail: str = "") -> None:
        self.path = path
        self.detail = detail
        super().__init__(
            f"Données endommagées : le fichier « {path} » du jeu de données est illisible, "
            "cette partie de la page ne peut pas s'afficher (les autres pages restent "
            "disponibles). L'administrateur peut vérifier le jeu de données "
            "(python -m lib.data.store check) et restaurer la version précédente "
            "(python -m lib.data.store rollback)."
        )


class RemoteUnavailable(DataUnavailable):
    """The remote store holding the dataset failed to answer (an HTTP error, a dropped
    connection): a passing failure, worth a retry."""

    def __init__(self, detail: str = "") -> None:
        self.detail = detail
        how = "dans les délais" if "timeout" in detail.lower() else "correctement"
        super().__init__(
            f"Le serveur qui héberge les données ne répond pas {how} pour le moment ; "
            "cette partie de la page ne peut pas s'afficher. Réessayez dans un instant."
        )


# A file named in DuckDB's message: 'path' or "path" ending in .parquet.
_PARQUET_IN_MESSAGE = re.compile(r"""['"]([^'"]+?\.parquet)['"]""")


def unreadable_data(error: BaseException) -> DataUnavailable | None:
    """The French DataUnavailable for DuckDB's error when a data file could not be read (a
    damaged Parquet file, a failing remote store), else None (a bug, not the data: raised)."""
    if not isinstance(error, duckdb.IOException | duckdb.InvalidInputException):
        return None
    message = str(error)
    found = _PARQUET_IN_MESSAGE.search(message)
    remote_error = isinstance(error, duckdb.HTTPException) or "HTTP" in message
    if found is None:
        return RemoteUnavailable(message) if remote_error else None
    path = found.group(1)
    if config.is_remote(path) or remote_error:
        return RemoteUnavailable(message)
    return DamagedData(_shown_path(path), message.splitlines()[0])


# DuckDB's errors as Arrow's stream reports them (OSError, DuckDB's message kept): the prefix of
# the message names DuckDB's exception.
_STREAM_ERRORS: tuple[tuple[str, type[duckdb.Error]], ...] = (
    ("INTERRUPT Error:", duckdb.InterruptException),
    ("IO Error:", duckdb.IOException),
    ("Invalid Input Error:", duckdb.InvalidInputException),
    ("HTTP Error:", duckdb.IOException),  # an HTTP failure of the remote store: its message
    ("Out of Memory Error:", duckdb.OutOfMemoryException),
)


def arrow_batches(result: duckdb.DuckDBPyConnection, rows: int) -> Iterator[pyarrow.RecordBatch]:
    """The result's rows in Arrow batches of about `rows`, computed as they are read (DuckDB's
    streaming result). Arrow's stream reports DuckDB's errors as OSError: they are raised as
    DuckDB's own here, so that run() still tells an interrupted query (QueryTimeout) and a
    damaged file (DamagedData) from a bug."""
    reader = result.to_arrow_reader(rows)
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except OSError as error:
            message = str(error)
            kind = next((k for prefix, k in _STREAM_ERRORS if message.startswith(prefix)), None)
            if kind is None:
                raise
            raise kind(message) from error
        yield batch


def _shown_path(path: str) -> str:
    """A data file as the pages name it: relative to the dataset folder (no server path)."""
    try:
        return str(Path(path).resolve().relative_to(Path(config.data_dir()).resolve()))
    except (ValueError, OSError):
        return Path(path).name


class _Watch:
    """Interrupts a cursor once, unless the query it watches has finished first."""

    def __init__(self, cur: duckdb.DuckDBPyConnection) -> None:
        self._cur = cur
        self._lock = threading.Lock()
        self._finished = False
        self.fired = False

    def fire(self) -> None:
        with self._lock:
            if not self._finished:
                self.fired = True
                self._cur.interrupt()

    def finish(self) -> None:
        with self._lock:
            self._finished = True


def run(
    sql: str,
    params: Sequence[object],
    fetch: Callable[[duckdb.DuckDBPyConnection], T],
    tables: Mapping[str, pyarrow.Table] | None = None,
) -> T:
    """`fetch(cursor.execute(sql, params))` on this thread's cursor, in at most QUERY_TIMEOUT_S.

    `tables` (name → Arrow table) are readable by `sql` under their names for this query only:
    a view of this thread's cursor, which no other thread sees (a result already computed and
    kept, read again by another query: lib.data.queries.sankey's cells).

    The timer covers the fetch too (a result may be computed as it is fetched). An interrupt
    that lands just after the query finished hits an idle cursor, which DuckDB ignores.
    Raises QueryTimeout when the timer interrupted the query, DamagedData when a data file is
    unreadable, RemoteUnavailable when the remote store failed (French messages).
    """
    cur = cursor()
    seconds = QUERY_TIMEOUT_S
    watch = _Watch(cur)
    timer = threading.Timer(seconds, watch.fire)
    timer.daemon = True
    timer.start()
    registered: list[str] = []
    try:
        for name, table in (tables or {}).items():
            cur.register(name, table)
            registered.append(name)
        return fetch(cur.execute(sql, list(params)))
    except duckdb.Error as error:
        if watch.fired:
            raise QueryTimeout(seconds) from error
        unreadable = unreadable_data(error)
        if unreadable is not None:
            raise unreadable from error
        raise
    finally:
        watch.finish()
        timer.cancel()
        for name in registered:
            cur.unregister(name)


def manifest() -> store.Manifest | None:
    """The manifest the `trade` view currently reads."""
    return _current().manifest


def dataset_key() -> DatasetKey:
    """The dataset the views read now (a new version written by any process is noticed as
    `cursor()` notices it: the manifest's mtime, or every REMOTE_REFRESH_S for remote data)."""
    process = _current()
    with _lock:  # the manifest and its generation change together, under this lock
        version = process.manifest.version if process.manifest is not None else None
        return DatasetKey(process.location, version, process.generation)


# How long reset() waits for a manifest being read: its requests' time limit, each try.
RESET_WAIT_S = REMOTE_HTTP_TIMEOUT_S * (REMOTE_HTTP_RETRIES + 1) + 1


def reset() -> None:
    """Forget the process connection (tests switch data folders).

    A remote manifest being read uses a cursor of the connection in its own thread: the
    connection is closed once that read has ended (at most RESET_WAIT_S), never under it (a
    DuckDB connection closed under a running cursor could end the process)."""
    global _process
    with _lock:
        process, _process = _process, None
    if process is None:
        return
    if process.reader is not None:
        process.reader.join(RESET_WAIT_S)
    process.con.close()
