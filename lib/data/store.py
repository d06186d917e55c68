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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from lib.core import schema
from lib.core.flows import CODES as FLOW_CODES
from lib.core.schema import QUARTERS
from lib.core.sql import literal

MANIFEST = "dataset.json"
PREVIOUS_MANIFEST = "dataset.previous.json"  # the manifest replaced by the last write
DATA_FILE = "data.parquet"
LABELS_FILE = "labels.parquet"
# Aggregates derived from each year's data file and stored beside it, in the same version
# folder, so that they are replaced by the same atomic commit and can never disagree with it.
# name -> (grouping keys, the file it reads, sort order). Values are summed over the periods
# and CPF4 detail (annual), over départements too (national), over products and countries but
# per quarter (totals: the map compares the same quarters of two years), over countries
# (detail: the CPF4 drill-down of the activities treemap).
DERIVED: dict[str, tuple[str, str, str]] = {
    "annual.parquet": ("flow, dept, product, country", DATA_FILE, "dept, flow, product, country"),
    "national.parquet": ("flow, product, country", "annual.parquet", "flow, product, country"),
    "totals.parquet": ("flow, dept, quarter", DATA_FILE, "dept, flow, quarter"),
    "detail.parquet": ("flow, dept, product, cpf4", DATA_FILE, "dept, flow, product, cpf4"),
}
# 1: one data.parquet per year; 2: plus derived aggregates; 3: quarter, cpf4 and mass_kg
# columns, per-(year, flow) parts in the manifest, the CPF4 aggregate, labels from the files.
LAYOUT = 3
LAYOUT_3_COLUMNS = ("quarter", "cpf4", "mass_kg")  # absent from the files of older layouts
LOCK = ".lock"
FORMAT_VERSION = 2

Progress = Callable[[int, int, str], None]
Pair = tuple[int, str]  # (year, flow)
_Number = TypeVar("_Number", int, float)


@dataclass(frozen=True)
class Part:
    """One (year, flow) of the dataset: where it came from and the period it covers."""

    source: str  # "demo" or "import"
    quarters: tuple[int, ...] = ()  # the quarters present; () for annual data (a whole year)
    rows: int | None = None
    value_eur: float | None = None
    inputs: tuple[str, ...] = ()  # the files it was read from

    def to_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "quarters": list(self.quarters),
            "rows": self.rows,
            "value_eur": self.value_eur,
            "inputs": list(self.inputs),
        }

    @classmethod
    def from_json(cls, body: dict[str, object]) -> Part:
        return cls(
            source=str(body["source"]),
            quarters=tuple(int(q) for q in _json_list(body.get("quarters"))),
            rows=_json_number(body.get("rows"), int),
            value_eur=_json_number(body.get("value_eur"), float),
            inputs=tuple(str(i) for i in _json_list(body.get("inputs"))),
        )


def _json_list(value: object) -> list[Any]:
    """A manifest list (absent or null: empty)."""
    return list(value) if isinstance(value, list | tuple) else []


def _json_number(value: object, kind: Callable[[Any], _Number]) -> _Number | None:
    """A manifest number (absent or null: None)."""
    return None if value is None else kind(value)


HISTORY_MAX = 200  # events kept in the manifest (the oldest are dropped)
ACTIONS = {
    "import": "import",
    "demo": "jeu de démonstration",
    "rollback": "retour à la version précédente",
    "upgrade": "mise à jour du format",
}


@dataclass(frozen=True)
class Event:
    """One change of the dataset: when, what, from which files, by whom, over which version."""

    version: str  # the version it produced
    created: str
    action: str  # a key of ACTIONS
    pairs: tuple[Pair, ...] = ()  # the (year, flow) pairs written
    files: tuple[str, ...] = ()
    rows: int = 0  # rows of the pairs written
    value_eur: float = 0.0
    by: str | None = None  # who, when known
    based_on: str | None = None  # the version it replaced

    def to_json(self) -> dict[str, object]:
        return {
            "version": self.version,
            "created": self.created,
            "action": self.action,
            "pairs": [[year, flow] for year, flow in self.pairs],
            "files": list(self.files),
            "rows": self.rows,
            "value_eur": self.value_eur,
            "by": self.by,
            "based_on": self.based_on,
        }

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Event:
        return cls(
            version=str(body["version"]),
            created=str(body["created"]),
            action=str(body["action"]),
            pairs=tuple((int(y), str(f)) for y, f in body.get("pairs") or ()),
            files=tuple(str(f) for f in body.get("files") or ()),
            rows=int(body.get("rows") or 0),
            value_eur=float(body.get("value_eur") or 0.0),
            by=body.get("by"),
            based_on=body.get("based_on"),
        )


@dataclass(frozen=True)
class Manifest:
    """What `dataset.json` says: which file holds each year, and each (year, flow)'s origin."""

    version: str
    created: str
    files: dict[int, str]  # year -> path relative to the data folder
    parts: dict[int, dict[str, Part]]  # year -> flow -> part
    rows: int
    inputs: list[str] = field(default_factory=list)
    layout: int = 1
    labels: str | None = None  # labels read from the customs' label files, relative path
    history: tuple[Event, ...] = ()  # every change, oldest first (the last is this version's)

    @property
    def based_on(self) -> str | None:
        """The version this one replaced (None for a first write)."""
        return self.history[-1].based_on if self.history else None

    @property
    def years(self) -> list[int]:
        return sorted(self.files)

    @property
    def pairs(self) -> list[Pair]:
        return sorted((year, flow) for year, flows in self.parts.items() for flow in flows)

    def part(self, year: int, flow: str) -> Part | None:
        return self.parts.get(year, {}).get(flow)

    @property
    def sources(self) -> dict[int, str]:
        """year -> "demo", "import", or "mixed" when its two flows came from different places."""
        return {year: _combined(p.source for p in self.parts[year].values()) for year in self.years}

    @property
    def source(self) -> str:
        """ "demo", "import", or "mixed" when imported data sits beside demonstration data."""
        return _combined(p.source for flows in self.parts.values() for p in flows.values())

    @property
    def has_demo(self) -> bool:
        """True while any part holds synthetic demonstration data (the banner must show)."""
        return any(p.source == "demo" for flows in self.parts.values() for p in flows.values())

    def quarters(self, year: int) -> tuple[int, ...]:
        """The quarters a year covers: all four unless every flow of it is quarterly and some
        quarter is missing (the customs' rolling « 5 derniers trimestres » files)."""
        parts = self.parts.get(year, {}).values()
        if not parts or any(not p.quarters for p in parts):
            return QUARTERS
        return tuple(sorted({q for p in parts for q in p.quarters}))

    def is_partial(self, year: int) -> bool:
        return self.quarters(year) != QUARTERS

    def comparable_quarters(self, year: int, earlier: int) -> tuple[int, ...] | None:
        """The quarters on which `year` can be compared with `earlier`: all four when both are
        whole years, the quarters of a partial `year` when `earlier` holds them quarter by
        quarter; None when the two cannot be compared (absent, or annual data against a
        partial year)."""
        if year not in self.parts or earlier not in self.parts:
            return None
        quarters = self.quarters(year)
        if quarters == QUARTERS:
            return QUARTERS if not self.is_partial(earlier) else None
        detailed = all(p.quarters for p in self.parts[earlier].values())
        return quarters if detailed and set(quarters) <= set(self.quarters(earlier)) else None

    def to_json(self) -> str:
        body = {
            "format": FORMAT_VERSION,
            "version": self.version,
            "source": self.source,
            "created": self.created,
            "years": self.years,
            "rows": self.rows,
            "files": {str(y): self.files[y] for y in self.years},
            "sources": {str(y): s for y, s in self.sources.items()},
            "parts": {
                str(y): {f: p.to_json() for f, p in sorted(self.parts[y].items())}
                for y in sorted(self.parts)
            },
            "inputs": self.inputs,
            "layout": self.layout,
            "labels": self.labels,
            "history": [event.to_json() for event in self.history],
        }
        return json.dumps(body, ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        body = json.loads(text)
        if "parts" in body:
            parts = {
                int(y): {f: Part.from_json(p) for f, p in flows.items()}
                for y, flows in body["parts"].items()
            }
        else:  # format 1: one source per year, both flows
            parts = {int(y): {f: Part(s) for f in FLOW_CODES} for y, s in body["sources"].items()}
        return cls(
            version=body["version"],
            created=body["created"],
            files={int(y): f for y, f in body["files"].items()},
            parts=parts,
            rows=int(body["rows"]),
            inputs=list(body.get("inputs", [])),
            layout=int(body.get("layout", 1)),
            labels=body.get("labels"),
            history=tuple(Event.from_json(e) for e in body.get("history") or ()),
        )


def _combined(sources: Iterable[str]) -> str:
    kinds = set(sources)
    if not kinds:
        return "empty"
    return kinds.pop() if len(kinds) == 1 else "mixed"


@dataclass(frozen=True)
class Change:
    """What a write does to one (year, flow): `before` is None when the pair is new."""

    year: int
    flow: str
    before: Part | None


def plan(previous: Manifest | None, incoming: Iterable[Pair]) -> tuple[list[Change], list[Pair]]:
    """The (year, flow) pairs an import replaces or adds, and the pairs it keeps as they are."""
    incoming = sorted(set(incoming))
    changes = [Change(y, f, previous.part(y, f) if previous else None) for y, f in incoming]
    kept = [pair for pair in (previous.pairs if previous else []) if pair not in incoming]
    return changes, kept


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
    _refuse_remote(data_dir)
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
    _fsync_tree(staging)
    os.rename(staging, final)
    _fsync_dir(data_dir)
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
    relation = f"read_parquet({_path_literal(data_dir / base.files[year])})"
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
        ) TO {_path_literal(target)}
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
        FROM read_parquet({_path_literal(data_file)})
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
                FROM read_parquet({_path_literal(folder / source)})
                GROUP BY {keys} ORDER BY {order}
            ) TO {_path_literal(folder / name)}
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
        relation = f"read_parquet({_path_literal(source_file)})"
        select = schema.select_list(_columns_of(con, relation) | {"year"})
        order = ", ".join(schema.SORT_ORDER)
        con.execute(
            f"""
            COPY (
                SELECT * EXCLUDE (year) FROM (SELECT {select} FROM (SELECT {year} AS year, *
                FROM {relation})) ORDER BY {order}
            ) TO {_path_literal(folder / DATA_FILE)}
            (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {schema.ROW_GROUP_SIZE})
            """
        )
        _derive(con, folder)
    else:
        for name in [DATA_FILE, *DERIVED]:
            _link_or_copy(source_file.parent / name, folder / name)
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
        _link_or_copy(stored, target)
        return f"v-{version}/{LABELS_FILE}"
    sources = [_label_rows(con, labels, 1)]
    if stored is not None:
        sources.append(_label_rows(con, f"read_parquet({_path_literal(stored)})", 0))
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
        ) TO {_path_literal(target)} (FORMAT parquet, COMPRESSION zstd)
        """
    )
    return f"v-{version}/{LABELS_FILE}"


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
    listing = ", ".join(_path_literal(p) for p in paths)
    return int(con.execute(f"SELECT count(*) FROM read_parquet([{listing}])").fetchall()[0][0])


def _merged_inputs(previous: Manifest | None, inputs: list[str]) -> list[str]:
    if previous is None:
        return list(inputs)
    return list(dict.fromkeys([*previous.inputs, *inputs]))


def _history(previous: Manifest | None, event: Event) -> tuple[Event, ...]:
    return ((*(previous.history if previous else ()), event))[-HISTORY_MAX:]


def _write_durably(path: Path, text: str) -> None:
    """Write `text` to `path` through a fsynced temporary file and an atomic rename."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _commit(data_dir: Path, manifest: Manifest, previous: Manifest | None) -> None:
    """Keep the manifest being replaced (for a rollback), then swap in the new one: the swap of
    `dataset.json` is the commit point."""
    if previous is not None:
        _write_durably(data_dir / PREVIOUS_MANIFEST, previous.to_json())
    _write_durably(data_dir / MANIFEST, manifest.to_json())
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
    (data_dir / f"{PREVIOUS_MANIFEST}.tmp").unlink(missing_ok=True)


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


def _path_literal(path: Path) -> str:
    """A file of the dataset in SQL (COPY … TO and read_parquet take no bound parameters)."""
    return literal(str(path))


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


class ReadOnlyDataset(Exception):
    """A write was asked of a dataset that cannot be written here (French message)."""


class NothingToRestore(Exception):
    """No previous version to go back to (French message)."""


def _refuse_remote(data_dir: str | Path) -> None:
    from lib.core import config

    if config.is_remote(str(data_dir)):
        raise ReadOnlyDataset(
            f"le jeu de données « {data_dir} » est distant, donc en lecture seule : on importe "
            "dans un dossier local, que l'on publie ensuite."
        )


def read_previous(data_dir: str | Path) -> Manifest | None:
    """The manifest the last write replaced, while its files are still kept (else None)."""
    path = Path(data_dir) / PREVIOUS_MANIFEST
    try:
        manifest = Manifest.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    files = [Path(data_dir) / rel for rel in manifest.files.values()]
    return manifest if all(f.exists() for f in files) else None


def rollback(data_dir: str | Path, by: str | None = None) -> Manifest:
    """Restore the version the last write replaced (its files are kept one generation).

    The restored version becomes current with the whole history plus a rollback event; the
    version it replaces becomes the previous one, so a rollback can itself be undone.
    """
    _refuse_remote(data_dir)
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


@dataclass(frozen=True)
class Damage:
    """A file of a version that cannot be trusted: its path (relative to the data folder) and
    what is wrong with it, in French."""

    path: str
    problem: str


def version_files(manifest: Manifest) -> list[str]:
    """Every file a version's readers open (relative paths): each year's data file, its
    aggregates (current layout), the labels."""
    found = []
    for year in manifest.years:
        rel = manifest.files[year]
        found.append(rel)
        if manifest.layout >= LAYOUT:
            folder = rel.removesuffix(DATA_FILE)
            found += [folder + name for name in DERIVED]
    if manifest.labels:
        found.append(manifest.labels)
    return found


def check(data_dir: str | Path, manifest: Manifest | None = None) -> list[Damage]:
    """The damaged files of a version (default: the current one) of a local dataset: missing,
    unreadable (footer, or any page of any column: everything is decoded), or a data file
    whose rows or per-flow totals differ from what the manifest recorded when it was written.
    Empty when every file is whole. Reads only; safe beside the running app."""
    data_dir = Path(data_dir)
    manifest = read_manifest(data_dir) if manifest is None else manifest
    if manifest is None:
        return []
    con = duckdb.connect()
    damaged = []
    try:
        for rel in version_files(manifest):
            problem = _file_problem(con, data_dir / rel, rel, manifest)
            if problem:
                damaged.append(Damage(rel, problem))
    finally:
        con.close()
    return damaged


def _file_problem(
    con: duckdb.DuckDBPyConnection, path: Path, rel: str, manifest: Manifest
) -> str | None:
    if not path.is_file():
        return "fichier absent"
    source = f"read_parquet({_path_literal(path)})"
    try:
        footer_rows = con.execute(
            f"SELECT sum(num_rows) FROM parquet_file_metadata({_path_literal(path)})"
        ).fetchall()[0][0]
        columns = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
        # min() of every column decodes every page of the file (count(*) would not).
        decode = ", ".join(f'min("{c}")' for c in columns)
        con.execute(f"SELECT count(*), {decode} FROM {source}").fetchall()
        totals = (
            con.execute(
                f"SELECT flow, count(*), sum(value_eur) FROM {source} GROUP BY flow"
            ).fetchall()
            if rel.endswith("/" + DATA_FILE) and {"flow", "value_eur"} <= set(columns)
            else []
        )
    except duckdb.Error as error:
        return f"illisible ({str(error).splitlines()[0]})"
    year = next((y for y, f in manifest.files.items() if f == rel), None)
    if year is None or manifest.layout < LAYOUT:
        return None
    parts = manifest.parts.get(year, {})
    counted = [p.rows for p in parts.values() if p.rows is not None]
    if parts and len(counted) == len(parts) and sum(counted) != footer_rows:
        return f"{footer_rows} lignes, le manifeste en annonce {sum(counted)}"
    for flow, count, total in totals:
        part = parts.get(flow)
        if part is None:
            return f"flux {flow} absent du manifeste"
        if part.rows is not None and part.rows != count:
            return f"flux {flow} : {count} lignes, le manifeste en annonce {part.rows}"
        if part.value_eur is not None and abs((total or 0.0) - part.value_eur) > max(
            1.0, 1e-9 * abs(part.value_eur)
        ):
            return f"flux {flow} : total {total:.0f} €, le manifeste annonce {part.value_eur:.0f} €"
    return None


def check_report(data_dir: str | Path) -> tuple[int, str]:
    """(exit status, French text) of `python -m lib.data.store check`: 0 when the current version
    is whole, 1 when a file is damaged (named, with whether a rollback would mend it)."""
    current = read_manifest(data_dir)
    if current is None:
        return 0, f"Aucun jeu de données dans « {data_dir} »."
    files = version_files(current)
    damaged = check(data_dir, current)
    head = (
        f"Jeu de données « {data_dir} », version {current.version} : {len(files)} fichiers vérifiés"
    )
    if not damaged:
        return 0, f"{head}, aucun n'est endommagé."
    lines = [f"{head}, {len(damaged)} endommagé{'s' if len(damaged) > 1 else ''} :"]
    lines += [f"  {d.path} : {d.problem}" for d in damaged]
    previous = read_previous(data_dir)
    if previous is not None and previous.version != current.version:
        if check(data_dir, previous):
            lines.append(
                f"La version précédente ({previous.version}) est endommagée elle aussi : "
                "réimportez les fichiers des Douanes."
            )
        else:
            lines.append(
                f"La version précédente ({previous.version}) est intacte : "
                "« python -m lib.data.store rollback » la rétablit."
            )
    else:
        lines.append(
            "Aucune version précédente n'est conservée : réimportez les fichiers des Douanes."
        )
    return 1, "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`python -m lib.data.store upgrade|rollback|history|check [--data-dir DIR]`."""
    import argparse
    import getpass
    import sys

    from lib.core import config

    parser = argparse.ArgumentParser(
        prog="python -m lib.data.store",
        description="upgrade : met le jeu de données au format courant ; rollback : restaure la "
        "version précédente ; history : liste les changements ; check : vérifie que chaque "
        "fichier de la version courante est lisible et conforme au manifeste (code de sortie 1 "
        "sinon, en nommant les fichiers endommagés).",
    )
    parser.add_argument("command", choices=["upgrade", "rollback", "history", "check"])
    parser.add_argument("--data-dir")
    args = parser.parse_args(argv)
    location = config.data_dir(args.data_dir)
    try:
        if args.command == "rollback":
            restored = rollback(location, by=getpass.getuser())
            print(f"Version {restored.version} restaurée : {restored.rows} lignes.")
            return 0
        if args.command == "check":
            if config.is_remote(location):
                raise ReadOnlyDataset(
                    f"le jeu de données « {location} » est distant : vérifiez le dossier local "
                    "publié (--data-dir)."
                )
            status, text = check_report(location)
            print(text, file=sys.stderr if status else sys.stdout)
            return status
        if args.command == "history":
            current = read_manifest(location)
            for event in current.history if current else ():
                print(event_line(event))
            return 0
        upgraded = upgrade(location)
    except (ReadOnlyDataset, NothingToRestore) as error:
        print(f"Erreur : {error}", file=sys.stderr)
        return 2
    if upgraded is None:
        print("Aucun jeu de données à mettre à jour.")
    else:
        print(f"Jeu de données au format {upgraded.layout} : {upgraded.rows} lignes.")
    return 0


def event_line(event: Event) -> str:
    """`2026-11-29T23:38:04+00:00 import 2025 E, 2025 I (a.zip) par alice, sur 2026…`."""
    pairs = ", ".join(f"{y} {f}" for y, f in event.pairs)
    files = f" ({', '.join(event.files)})" if event.files else ""
    by = f" par {event.by}" if event.by else ""
    base = f", sur {event.based_on}" if event.based_on else ""
    return f"{event.created} {ACTIONS.get(event.action, event.action)} {pairs}{files}{by}{base}"


if __name__ == "__main__":
    raise SystemExit(main())
