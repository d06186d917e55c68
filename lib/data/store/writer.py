"""Writing the dataset: a new version of its files, then the manifest replaced atomically.

A write builds a complete new version folder (new years written, kept years hard-linked),
then swaps the manifest with `os.replace`. Until that rename nothing the readers see has
changed, so a crash or a SIGKILL at any instant leaves the previous dataset intact. A rollback
swaps back the manifest the last write replaced (its files are kept one generation).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from lib.core import schema
from lib.core.sql import literal
from lib.data.store.durable import (
    fsync_dir,
    fsync_tree,
    link_or_copy,
    path_literal,
    refuse_remote,
    write_durably,
    writer_lock,
)
from lib.data.store.manifest import (
    DATA_FILE,
    DERIVED,
    LABELS_FILE,
    LAYOUT,
    MANIFEST,
    PREVIOUS_MANIFEST,
    Event,
    Manifest,
    Pair,
    Part,
    read_manifest,
    read_previous,
)

Progress = Callable[[int, int, str], None]
HISTORY_MAX = 200  # events kept in the manifest (the oldest are dropped)


def write_years(
    data_dir: str | Path,
    con: duckdb.DuckDBPyConnection,
    table: str,
    *,
    source: str,
    inputs: list[str] | None = None,
    replace_all: bool = False,
    on_progress: Progress | None = None,
    labels: str | None = None,
    part_inputs: dict[Pair, list[str]] | None = None,
    action: str | None = None,
    by: str | None = None,
) -> Manifest:
    """Replace, atomically, the (year, flow) pairs present in `table` (a table, view or
    registered frame in `con` with the canonical columns; optional ones may be absent).

    Other pairs are kept, even the other flow of a replaced year, unless `replace_all`. Rows
    sharing a key are summed, so the stored dataset has one row per key. `labels` names a
    relation (kind, code, name) of labels read from the customs' label files: they are merged
    over the labels already stored. `part_inputs` gives the files each (year, flow) was read
    from (default: all of `inputs`). The change is recorded in the manifest's history as
    `action` (default: "demo" or "import", from `source`) made `by` whom, when known.

    Writers are serialised (a lock on the folder); each bases its version on the manifest it
    reads once it holds the lock. A remote dataset is read-only: ReadOnlyDataset.
    """
    refuse_remote(data_dir)
    data_dir = Path(data_dir)
    with writer_lock(data_dir):
        _remove_leftovers(data_dir)
        previous = read_manifest(data_dir)
        base = None if replace_all else previous
        incoming = _normalized(con, table)
        new_pairs = _pairs_in(con, incoming)
        new_years = sorted({year for year, _ in new_pairs})
        version = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        staging = data_dir / f".tmp-{version}"
        staging.mkdir()
        try:
            return _write_version(
                data_dir, con, incoming, new_pairs, new_years, version, staging, previous,
                base=base, source=source, inputs=inputs, on_progress=on_progress,
                labels=labels, part_inputs=part_inputs, action=action, by=by,
            )  # fmt: skip
        except BaseException as error:
            # A full disk, a file-size limit, an I/O error: nothing the readers see has
            # changed; the partial version goes now, so that it does not fill the disk more.
            shutil.rmtree(staging, ignore_errors=True)
            if isinstance(error, duckdb.IOException | OSError):
                raise WriteFailed(data_dir, error) from error
            raise


def _write_version(
    data_dir: Path,
    con: duckdb.DuckDBPyConnection,
    incoming: str,
    new_pairs: list[Pair],
    new_years: list[int],
    version: str,
    staging: Path,
    previous: Manifest | None,
    *,
    base: Manifest | None,
    source: str,
    inputs: list[str] | None,
    on_progress: Progress | None,
    labels: str | None,
    part_inputs: dict[Pair, list[str]] | None,
    action: str | None,
    by: str | None,
) -> Manifest:
    """write_years' work once it holds the lock: the version folder built in `staging`, then
    the commit (the caller removes `staging` when this fails)."""
    files: dict[int, str] = {}
    parts: dict[int, dict[str, Part]] = {}
    for done, year in enumerate(new_years):
        if on_progress:
            on_progress(done, len(new_years), f"écriture de l'année {year}")
        flows = sorted(f for y, f in new_pairs if y == year)
        kept = _kept_source(con, data_dir, base, year, flows)
        files[year] = _write_year(con, incoming, kept, year, staging, version)
        _derive(con, staging / f"year={year}")
        parts[year] = _parts_of(
            con,
            staging / f"year={year}" / DATA_FILE,
            flows,
            source,
            {f: (part_inputs or {}).get((year, f), inputs or []) for f in flows},
        )
        if kept is not None and base is not None:
            parts[year] |= {f: p for f, p in base.parts.get(year, {}).items() if f not in flows}
    if base is not None:
        for year, rel in base.files.items():
            if year not in files:
                files[year] = _link_year(con, data_dir / rel, staging, version, year, base)
                parts[year] = _kept_parts(con, staging / f"year={year}" / DATA_FILE, base, year)
    if on_progress:
        on_progress(len(new_years), len(new_years), "validation")
    label_file = _write_labels(con, data_dir, base, labels, staging, version)
    rows = _count_rows(con, staging, files, version)
    final = data_dir / f"v-{version}"
    fsync_tree(staging)
    os.rename(staging, final)
    fsync_dir(data_dir)
    created = datetime.now(UTC).isoformat(timespec="seconds")
    written = [parts[y][f] for y, f in new_pairs]
    event = Event(
        version=version,
        created=created,
        action=action or ("demo" if source == "demo" else "import"),
        pairs=tuple(new_pairs),
        files=tuple(inputs or ()),
        rows=sum(p.rows or 0 for p in written),
        value_eur=sum(p.value_eur or 0.0 for p in written),
        by=by,
        based_on=previous.version if previous else None,
    )
    manifest = Manifest(
        version=version,
        created=created,
        files=files,
        parts=parts,
        rows=rows,
        inputs=_merged_inputs(base, inputs or []),
        layout=LAYOUT,
        labels=label_file,
        history=_history(previous, event),
    )
    _commit(data_dir, manifest, previous)
    _collect_garbage(data_dir, keep={manifest.version, previous.version if previous else ""})
    return manifest


def _columns_of(con: duckdb.DuckDBPyConnection, relation: str) -> set[str]:
    return {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()}


def _normalized(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """A view of `table` with every canonical column, typed; the quarter of a monthly row is
    derived from its month, so that quarter ranges select monthly data too."""
    select = schema.select_list(_columns_of(con, table))
    view = f"incoming_{uuid.uuid4().hex[:8]}"
    con.execute(f"CREATE TEMP VIEW {view} AS {_with_quarter(f'SELECT {select} FROM {table}')}")
    return view


def _pairs_in(con: duckdb.DuckDBPyConnection, relation: str) -> list[Pair]:
    rows = con.execute(f"SELECT DISTINCT year, flow FROM {relation} ORDER BY ALL").fetchall()
    return [(int(year), str(flow)) for year, flow in rows]


def _kept_source(
    con: duckdb.DuckDBPyConnection,
    data_dir: Path,
    base: Manifest | None,
    year: int,
    flows: list[str],
) -> str | None:
    """SELECT of the year's stored rows of the flows an import does not bring, if any."""
    if base is None or year not in base.files:
        return None
    others = [f for f in base.parts.get(year, {}) if f not in flows]
    if not others:
        return None
    relation = f"read_parquet({path_literal(data_dir / base.files[year])})"
    select = schema.select_list(_columns_of(con, relation) | {"year"})
    listing = ", ".join(literal(f) for f in others)
    return _with_quarter(
        f"SELECT {select} FROM (SELECT {year} AS year, * FROM {relation}) WHERE flow IN ({listing})"
    )


def _write_year(
    con: duckdb.DuckDBPyConnection,
    incoming: str,
    kept: str | None,
    year: int,
    staging: Path,
    version: str,
) -> str:
    folder = staging / f"year={year}"
    folder.mkdir()
    target = folder / DATA_FILE
    keys = ", ".join(c for c in schema.KEY_COLUMNS if c != "year")
    order = ", ".join(schema.SORT_ORDER)
    measures = ", ".join(f"CAST(sum({m}) AS DOUBLE) AS {m}" for m in schema.MEASURES)
    rows = f"SELECT * FROM {incoming} WHERE year = ?"
    if kept is not None:
        rows += f" UNION ALL BY NAME {kept}"
    # COPY cannot take its target as a bound parameter; the path is ours, not the user's.
    con.execute(
        f"""
        COPY (
            SELECT {keys}, {measures}
            FROM ({rows})
            GROUP BY {keys}
            ORDER BY {order}
        ) TO {path_literal(target)}
        (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {schema.ROW_GROUP_SIZE})
        """,
        [year],
    )
    return f"v-{version}/year={year}/{DATA_FILE}"


def _parts_of(
    con: duckdb.DuckDBPyConnection,
    data_file: Path,
    flows: list[str],
    source: str,
    inputs: dict[str, list[str]] | None,
) -> dict[str, Part]:
    """The parts of the flows just written, read back from the written file; `inputs` gives
    the files each flow was read from."""
    listing = ", ".join(literal(f) for f in flows)
    rows = con.execute(
        f"""
        SELECT flow, count(*), sum(value_eur),
               list_sort(list_distinct(list(quarter))), bool_or(quarter IS NULL)
        FROM read_parquet({path_literal(data_file)})
        WHERE flow IN ({listing})
        GROUP BY flow
        """
    ).fetchall()
    return {
        flow: Part(
            source=source,
            quarters=() if annual else tuple(int(q) for q in quarters),
            rows=int(count),
            value_eur=float(total or 0.0),
            inputs=tuple((inputs or {}).get(flow, ())),
        )
        for flow, count, total, quarters, annual in rows
    }


def _kept_parts(
    con: duckdb.DuckDBPyConnection, data_file: Path, base: Manifest, year: int
) -> dict[str, Part]:
    """A kept year's parts; those of an older layout, which lack counts, are read back."""
    before = base.parts.get(year, {})
    if base.layout >= LAYOUT:
        return dict(before)
    counted = _parts_of(con, data_file, sorted(before), "import", None)
    return {
        flow: replace(part, source=before[flow].source, inputs=before[flow].inputs)
        for flow, part in counted.items()
    }


def _derive(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Write the aggregates of DERIVED from the year's data file (in dependency order)."""
    for name, (keys, source, order) in DERIVED.items():
        con.execute(
            f"""
            COPY (
                SELECT {keys}, CAST(sum(value_eur) AS DOUBLE) AS value_eur
                FROM read_parquet({path_literal(folder / source)})
                GROUP BY {keys} ORDER BY {order}
            ) TO {path_literal(folder / name)}
            (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {schema.ROW_GROUP_SIZE})
            """
        )


def _link_year(
    con: duckdb.DuckDBPyConnection,
    source_file: Path,
    staging: Path,
    version: str,
    year: int,
    base: Manifest,
) -> str:
    """Keep a year unchanged: hard-link its files. A year of an older layout is rewritten with
    the current columns and aggregates (same rows, same values)."""
    folder = staging / f"year={year}"
    folder.mkdir()
    if base.layout < LAYOUT:
        relation = f"read_parquet({path_literal(source_file)})"
        select = schema.select_list(_columns_of(con, relation) | {"year"})
        order = ", ".join(schema.SORT_ORDER)
        con.execute(
            f"""
            COPY (
                SELECT * EXCLUDE (year) FROM (SELECT {select} FROM (SELECT {year} AS year, *
                FROM {relation})) ORDER BY {order}
            ) TO {path_literal(folder / DATA_FILE)}
            (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {schema.ROW_GROUP_SIZE})
            """
        )
        _derive(con, folder)
    else:
        for name in [DATA_FILE, *DERIVED]:
            link_or_copy(source_file.parent / name, folder / name)
    return f"v-{version}/year={year}/{DATA_FILE}"


LABEL_OPEN_END = "9999-12-31"  # a label whose end of validity is empty is still valid


def _label_rows(con: duckdb.DuckDBPyConnection, relation: str, rank: int) -> str:
    """SELECT of (kind, code, name, valid_from, valid_to, rank) from a labels relation; the
    validity dates are "" when the relation lacks them (labels stored without them)."""
    columns = _columns_of(con, relation)
    dates = [
        f"CAST({name} AS VARCHAR) AS {name}" if name in columns else f"'' AS {name}"
        for name in ("valid_from", "valid_to")
    ]
    return f"SELECT kind, code, name, {', '.join(dates)}, {rank} AS rank FROM {relation}"


def _write_labels(
    con: duckdb.DuckDBPyConnection,
    data_dir: Path,
    base: Manifest | None,
    labels: str | None,
    staging: Path,
    version: str,
) -> str | None:
    """The labels file of the new version: per (kind, code), the stored or the new label valid
    last (by end, then start of validity), the new one on a tie. Importing files in any order
    thus gives the same labels."""
    stored = data_dir / base.labels if base is not None and base.labels else None
    target = staging / LABELS_FILE
    if labels is None:
        if stored is None:
            return None
        link_or_copy(stored, target)
        return f"v-{version}/{LABELS_FILE}"
    sources = [_label_rows(con, labels, 1)]
    if stored is not None:
        sources.append(_label_rows(con, f"read_parquet({path_literal(stored)})", 0))
    con.execute(
        f"""
        COPY (
            SELECT kind, code, name, valid_from, valid_to FROM (
                SELECT *, row_number() OVER (
                    PARTITION BY kind, code
                    ORDER BY coalesce(nullif(valid_to, ''), '{LABEL_OPEN_END}') DESC,
                             valid_from DESC, rank DESC
                ) AS n
                FROM ({" UNION ALL ".join(sources)})
            ) WHERE n = 1 ORDER BY kind, code
        ) TO {path_literal(target)} (FORMAT parquet, COMPRESSION zstd)
        """
    )
    return f"v-{version}/{LABELS_FILE}"


def _count_rows(
    con: duckdb.DuckDBPyConnection, staging: Path, files: dict[int, str], version: str
) -> int:
    """Rows of the new version, read back from the written files (also proves they are readable)."""
    if not files:
        return 0
    paths = [staging / rel.removeprefix(f"v-{version}/") for rel in files.values()]
    listing = ", ".join(path_literal(p) for p in paths)
    return int(con.execute(f"SELECT count(*) FROM read_parquet([{listing}])").fetchall()[0][0])


def _merged_inputs(previous: Manifest | None, inputs: list[str]) -> list[str]:
    if previous is None:
        return list(inputs)
    return list(dict.fromkeys([*previous.inputs, *inputs]))


def _history(previous: Manifest | None, event: Event) -> tuple[Event, ...]:
    return ((*(previous.history if previous else ()), event))[-HISTORY_MAX:]


def _commit(data_dir: Path, manifest: Manifest, previous: Manifest | None) -> None:
    """Keep the manifest being replaced (for a rollback), then swap in the new one: the swap of
    `dataset.json` is the commit point."""
    if previous is not None:
        write_durably(data_dir / PREVIOUS_MANIFEST, previous.to_json())
    write_durably(data_dir / MANIFEST, manifest.to_json())
    fsync_dir(data_dir)


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
    (data_dir / f"{PREVIOUS_MANIFEST}.tmp").unlink(missing_ok=True)


def _with_quarter(select: str) -> str:
    """Rows of `select` whose quarter, when missing, is derived from the month."""
    return (
        "SELECT * REPLACE (coalesce(quarter, CAST((month + 2) // 3 AS TINYINT)) AS quarter) "
        f"FROM ({select})"
    )


def upgrade(data_dir: str | Path) -> Manifest | None:
    """Bring a dataset of an older layout to the current one: every year is rewritten with the
    current columns (the new ones empty) and its aggregates, with the same rows and values.
    The swap is as atomic as any write.
    """
    previous = read_manifest(data_dir)
    if previous is None or previous.layout >= LAYOUT:
        return previous
    con = duckdb.connect()
    try:
        con.execute(f"CREATE TEMP TABLE no_rows ({schema.column_definitions()})")
        return write_years(data_dir, con, "no_rows", source="import", inputs=[], action="upgrade")
    finally:
        con.close()


class WriteFailed(OSError):
    """A new version could not be written (a full disk, a file-size limit, an I/O error): the
    partial version was removed and the published one is untouched; the message is French."""

    def __init__(self, data_dir: Path, error: BaseException) -> None:
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        super().__init__(
            f"écriture de la nouvelle version impossible dans « {data_dir} » ({detail}) : disque "
            "plein ou taille de fichier limitée ? Rien n'a été modifié : le jeu de données "
            "publié reste la version précédente, entière."
        )
        self.detail = detail


class NothingToRestore(Exception):
    """No previous version to go back to (French message)."""


def rollback(data_dir: str | Path, by: str | None = None) -> Manifest:
    """Restore the version the last write replaced (its files are kept one generation).

    The restored version becomes current with the whole history plus a rollback event; the
    version it replaces becomes the previous one, so a rollback can itself be undone.
    """
    refuse_remote(data_dir)
    data_dir = Path(data_dir)
    with writer_lock(data_dir):
        _remove_leftovers(data_dir)
        current = read_manifest(data_dir)
        previous = read_previous(data_dir)
        if current is None or previous is None or previous.version == current.version:
            raise NothingToRestore("aucune version précédente à restaurer.")
        event = Event(
            version=previous.version,
            created=datetime.now(UTC).isoformat(timespec="seconds"),
            action="rollback",
            pairs=tuple(previous.pairs),
            files=(),
            rows=previous.rows,
            value_eur=sum(p.value_eur or 0.0 for f in previous.parts.values() for p in f.values()),
            by=by,
            based_on=current.version,
        )
        restored = replace(previous, history=_history(current, event))
        _commit(data_dir, restored, current)
        _collect_garbage(data_dir, keep={restored.version, current.version})
        return restored
