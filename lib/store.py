"""The on-disk dataset: a manifest that names one Parquet file per year, replaced atomically.

Layout (see docs/ARCHITECTURE.md):

    DATA_DIR/dataset.json               the manifest, the single commit point
    DATA_DIR/v-<version>/year=YYYY/data.parquet

A write builds a complete new version folder (new years written, kept years hard-linked),
then swaps the manifest with `os.replace`. Until that rename nothing the readers see has
changed, so a crash or a SIGKILL at any instant leaves the previous dataset intact.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from lib import schema

MANIFEST = "dataset.json"
DATA_FILE = "data.parquet"
# Aggregates derived from each year's data file and stored beside it, in the same version
# folder, so that they are replaced by the same atomic commit and can never disagree with it.
# name -> (SELECT over `src`, the file it reads, sort order). Values are summed over months
# (annual), over départements (national) or over products and countries (totals).
DERIVED: dict[str, tuple[str, str, str]] = {
    "annual.parquet": ("flow, dept, product, country", DATA_FILE, "dept, flow, product, country"),
    "national.parquet": ("flow, product, country", "annual.parquet", "flow, product, country"),
    "totals.parquet": ("flow, dept", "annual.parquet", "dept, flow"),
}
LAYOUT = 2
LOCK = ".lock"
FORMAT_VERSION = 1

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Manifest:
    """What `dataset.json` says: which file holds each year, and where the data came from."""

    version: str
    created: str
    files: dict[int, str]  # year -> path relative to the data folder
    sources: dict[int, str]  # year -> "demo" or "import"
    rows: int
    inputs: list[str] = field(default_factory=list)
    # 1: one data.parquet per year; 2: plus the derived aggregates of DERIVED beside it.
    layout: int = 1

    @property
    def years(self) -> list[int]:
        return sorted(self.files)

    @property
    def source(self) -> str:
        """ "demo", "import", or "mixed" when imported years sit beside demonstration years."""
        kinds = set(self.sources.values())
        if not kinds:
            return "empty"
        return kinds.pop() if len(kinds) == 1 else "mixed"

    @property
    def has_demo(self) -> bool:
        """True while any year holds synthetic demonstration data (the banner must show)."""
        return "demo" in self.sources.values()

    def to_json(self) -> str:
        body = {
            "format": FORMAT_VERSION,
            "version": self.version,
            "source": self.source,
            "created": self.created,
            "years": self.years,
            "rows": self.rows,
            "files": {str(y): self.files[y] for y in self.years},
            "sources": {str(y): self.sources[y] for y in self.years},
            "inputs": self.inputs,
            "layout": self.layout,
        }
        return json.dumps(body, ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        body = json.loads(text)
        return cls(
            version=body["version"],
            created=body["created"],
            files={int(y): f for y, f in body["files"].items()},
            sources={int(y): s for y, s in body["sources"].items()},
            rows=int(body["rows"]),
            inputs=list(body.get("inputs", [])),
            layout=int(body.get("layout", 1)),
        )


def read_manifest(data_dir: str | Path) -> Manifest | None:
    """The current manifest of a local dataset folder, or None when there is no dataset."""
    path = Path(data_dir) / MANIFEST
    try:
        return Manifest.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def manifest_stamp(data_dir: str | Path) -> int | None:
    """A cheap change detector: the manifest's modification time (None when absent)."""
    try:
        return (Path(data_dir) / MANIFEST).stat().st_mtime_ns
    except FileNotFoundError:
        return None


@contextlib.contextmanager
def writer_lock(data_dir: Path) -> Iterator[None]:
    """One writer at a time per dataset folder (readers never take it)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / LOCK, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_years(
    data_dir: str | Path,
    con: duckdb.DuckDBPyConnection,
    table: str,
    *,
    source: str,
    inputs: list[str] | None = None,
    replace_all: bool = False,
    on_progress: Progress | None = None,
) -> Manifest:
    """Replace, atomically, the years present in `table` (a table, view or registered frame in
    `con` with the canonical columns). Other years are kept unless `replace_all`.

    Rows sharing a key are summed, so the stored dataset has one row per key.
    """
    data_dir = Path(data_dir)
    with writer_lock(data_dir):
        _remove_leftovers(data_dir)
        previous = read_manifest(data_dir)
        new_years = _years_in(con, table)
        version = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        staging = data_dir / f".tmp-{version}"
        staging.mkdir()
        files: dict[int, str] = {}
        sources: dict[int, str] = {}
        for done, year in enumerate(new_years):
            if on_progress:
                on_progress(done, len(new_years), f"écriture de l'année {year}")
            files[year] = _write_year(con, table, year, staging, version)
            _derive(con, staging / f"year={year}")
            sources[year] = source
        if previous and not replace_all:
            for year, rel in previous.files.items():
                if year not in files:
                    files[year] = _link_year(con, data_dir / rel, staging, version, year)
                    sources[year] = previous.sources[year]
        if on_progress:
            on_progress(len(new_years), len(new_years), "validation")
        rows = _count_rows(con, staging, files, version)
        final = data_dir / f"v-{version}"
        _fsync_tree(staging)
        os.rename(staging, final)
        _fsync_dir(data_dir)
        manifest = Manifest(
            version=version,
            created=datetime.now(UTC).isoformat(timespec="seconds"),
            files=files,
            sources=sources,
            rows=rows,
            inputs=_merged_inputs(previous, inputs or [], replace_all),
            layout=LAYOUT,
        )
        _commit(data_dir, manifest)
        _collect_garbage(data_dir, keep={manifest.version, previous.version if previous else ""})
        return manifest


def _years_in(con: duckdb.DuckDBPyConnection, table: str) -> list[int]:
    rows = con.execute(f"SELECT DISTINCT year FROM {table} ORDER BY year").fetchall()
    return [int(r[0]) for r in rows]


def _write_year(
    con: duckdb.DuckDBPyConnection, table: str, year: int, staging: Path, version: str
) -> str:
    folder = staging / f"year={year}"
    folder.mkdir()
    target = folder / DATA_FILE
    keys = ", ".join(c for c in schema.KEY_COLUMNS if c != "year")
    order = ", ".join(schema.SORT_ORDER)
    # COPY cannot take its target as a bound parameter; the path is ours, not the user's.
    con.execute(
        f"""
        COPY (
            SELECT CAST(month AS TINYINT) AS month, flow, dept, product, country,
                   CAST(sum(value_eur) AS DOUBLE) AS value_eur
            FROM {table}
            WHERE year = ?
            GROUP BY {keys}
            ORDER BY {order}
        ) TO '{_sql_path(target)}'
        (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {schema.ROW_GROUP_SIZE})
        """,
        [year],
    )
    return f"v-{version}/year={year}/data.parquet"


def _derive(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Write the aggregates of DERIVED from the year's data file (in dependency order)."""
    for name, (keys, source, order) in DERIVED.items():
        con.execute(
            f"""
            COPY (
                SELECT {keys}, CAST(sum(value_eur) AS DOUBLE) AS value_eur
                FROM read_parquet('{_sql_path(folder / source)}')
                GROUP BY {keys} ORDER BY {order}
            ) TO '{_sql_path(folder / name)}'
            (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {schema.ROW_GROUP_SIZE})
            """
        )


def _link_year(
    con: duckdb.DuckDBPyConnection, source_file: Path, staging: Path, version: str, year: int
) -> str:
    """Keep a year unchanged: hard-link its files (and derive aggregates an old layout lacks)."""
    folder = staging / f"year={year}"
    folder.mkdir()
    names = [DATA_FILE, *DERIVED]
    for name in names:
        origin = source_file.parent / name
        if origin.exists():
            _link_or_copy(origin, folder / name)
    if not all((folder / name).exists() for name in names):
        _derive(con, folder)
    return f"v-{version}/year={year}/{DATA_FILE}"


def _link_or_copy(origin: Path, target: Path) -> None:
    try:
        os.link(origin, target)
    except OSError:
        shutil.copy2(origin, target)


def _count_rows(
    con: duckdb.DuckDBPyConnection, staging: Path, files: dict[int, str], version: str
) -> int:
    """Rows of the new version, read back from the written files (also proves they are readable)."""
    if not files:
        return 0
    paths = [staging / rel.removeprefix(f"v-{version}/") for rel in files.values()]
    listing = ", ".join(f"'{_sql_path(p)}'" for p in paths)
    return int(con.execute(f"SELECT count(*) FROM read_parquet([{listing}])").fetchall()[0][0])


def _merged_inputs(previous: Manifest | None, inputs: list[str], replace_all: bool) -> list[str]:
    if previous is None or replace_all:
        return list(inputs)
    return list(dict.fromkeys([*previous.inputs, *inputs]))


def _commit(data_dir: Path, manifest: Manifest) -> None:
    tmp = data_dir / f"{MANIFEST}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(manifest.to_json())
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, data_dir / MANIFEST)
    _fsync_dir(data_dir)


def _collect_garbage(data_dir: Path, keep: set[str]) -> None:
    """Delete version folders other than the current and the previous one.

    The previous one is kept so that a reader who read the old manifest a moment ago can
    still finish its query.
    """
    for entry in data_dir.iterdir():
        if entry.name.startswith("v-") and entry.name[2:] not in keep:
            shutil.rmtree(entry, ignore_errors=True)


def _remove_leftovers(data_dir: Path) -> None:
    """Staging folders and manifest drafts left by a writer that was killed (we hold the lock).

    A writer killed between renaming its staging folder to `v-<id>` and replacing the manifest
    leaves that folder behind unreferenced; `_collect_garbage` deletes it after the next commit.
    """
    for entry in data_dir.glob(".tmp-*"):
        shutil.rmtree(entry, ignore_errors=True)
    (data_dir / f"{MANIFEST}.tmp").unlink(missing_ok=True)


def _fsync_tree(root: Path) -> None:
    for path in sorted(root.rglob("*"), reverse=True):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
        else:
            _fsync_dir(path)
    _fsync_dir(root)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def upgrade(data_dir: str | Path) -> Manifest | None:
    """Rewrite the manifest of an older layout, deriving the missing aggregates of every year.

    Nothing is replaced: all years are kept (hard-linked) and the swap is as atomic as any write.
    """
    previous = read_manifest(data_dir)
    if previous is None or previous.layout >= LAYOUT:
        return previous
    con = duckdb.connect()
    try:
        con.execute(
            "CREATE TEMP TABLE no_rows (year SMALLINT, month TINYINT, flow VARCHAR, "
            "dept VARCHAR, product VARCHAR, country VARCHAR, value_eur DOUBLE)"
        )
        return write_years(data_dir, con, "no_rows", source="import", inputs=[])
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    """`python -m lib.store upgrade [--data-dir DIR]`: bring a dataset to the current layout."""
    import argparse

    from lib import config

    parser = argparse.ArgumentParser(prog="python -m lib.store")
    parser.add_argument("command", choices=["upgrade"])
    parser.add_argument("--data-dir")
    args = parser.parse_args(argv)
    manifest = upgrade(config.data_dir(args.data_dir))
    if manifest is None:
        print("Aucun jeu de données à mettre à jour.")
    else:
        print(f"Jeu de données au format {manifest.layout} : {manifest.rows} lignes.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
