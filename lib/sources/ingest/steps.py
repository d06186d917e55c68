"""An import of customs files, in two steps so that the Importer page can show what it will do
before doing it:

1. `prepare`: every file is read and validated (`lib.sources.readers`), its rows staged in one
   Parquet file, and a preview drawn up: per file the years, flows, quarters, rows and totals;
   what each (year, flow) will replace; the checks of `lib.sources.checks` (probable unit errors,
   unknown codes, départements outside the reference). Bad input raises IngestError: nothing is
   staged.
2. `commit`: the staged rows replace exactly their (year, flow) pairs in the dataset
   (`store.write_years`, atomic); the other pairs, the other flow of a year included, are kept.

`ingest_files` does both in one go (the command line, lib/sources/ingest/cli.py).

Limits: the ZIP limits (`config.ZipLimits`: uncompressed size, compression ratio, entries) hold
for all the files of one `prepare` together, nested archives included. The Importer page also
bounds each file and their total (`config.UploadLimits`): `save_uploads` writes the uploaded
files to disk by chunks within them, and `prepare(limits=…)` checks them again before reading.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from lib.core import config, flows, formatting, periods, refs
from lib.core.sql import literal
from lib.data import store
from lib.sources import checks
from lib.sources.ingest.staging import STAGING_PREFIX
from lib.sources.ingest.uploads import check_sizes
from lib.sources.readers import (
    FORMATS_FR,
    IngestError,
    Label,
    ZipBudget,
    check_readable,
    distinct_codes,
    read_file,
)

Progress = store.Progress  # (done, total, message)
PROGRESS_TOTAL = 1000  # ingest_files reports done out of this many steps
READ_STEPS = 900  # reading and validating the files; writing the years takes the rest
STAGED_FILE = "staged.parquet"
LABELS_FILE = "labels.parquet"
SOURCE_WORDS = {"demo": "données de démonstration", "import": "données importées"}


@dataclass(frozen=True)
class FileSummary:
    """One (year, flow) of one file, for the preview."""

    file: str
    year: int
    flow: str
    quarters: tuple[int, ...]  # () for annual data
    rows: int
    value_eur: float


@dataclass(frozen=True)
class Prepared:
    """Files read and validated, their rows staged on disk, and what importing them would do."""

    folder: str  # holds the staged rows (and labels); deleted by `discard` or after `commit`
    files: list[str]
    rows: int
    summaries: list[FileSummary]
    coverage: dict[tuple[int, str], tuple[int, ...]]  # (year, flow) -> quarters, () annual
    unknown_products: list[str]
    unknown_countries: list[str]
    unknown_cpf4: list[str]
    unassigned: checks.Unassigned
    unit_warnings: list[checks.UnitWarning]
    labels: int  # label rows read from the label files
    # The rows themselves when the import runs in one process (the CLI): no need to read them
    # back from the staged file. Never set on a Prepared handed between processes.
    rows_in_memory: pa.Table | None = field(default=None, repr=False, compare=False)

    @property
    def pairs(self) -> list[store.Pair]:
        return sorted(self.coverage)

    @property
    def part_inputs(self) -> dict[store.Pair, list[str]]:
        """The files each (year, flow) is read from, in the order given."""
        found: dict[store.Pair, list[str]] = {}
        for s in self.summaries:
            files = found.setdefault((s.year, s.flow), [])
            if s.file not in files:
                files.append(s.file)
        return found

    @property
    def warnings(self) -> list[str]:
        """French warnings: probable unit errors, unknown codes, départements outside."""
        found = [w.message for w in self.unit_warnings] + [
            checks.unknown_codes_warning(
                self.unknown_products, "produit", "de la nomenclature A129"
            ),
            checks.unknown_codes_warning(self.unknown_cpf4, "CPF4", "des fichiers de libellés"),
            checks.unknown_codes_warning(self.unknown_countries, "pays", "du référentiel des pays"),
            self.unassigned.message,
        ]
        return [warning for warning in found if warning]

    def plan(self, previous: store.Manifest | None) -> tuple[list[store.Change], list[store.Pair]]:
        return store.plan(previous, self.coverage)

    def plan_lines(self, previous: store.Manifest | None) -> list[str]:
        """`2024 export (T1–T4) : remplace les données de démonstration (2024, année)`, …"""
        changes, kept = self.plan(previous)
        lines = [
            _change_line(change, self.coverage[change.year, change.flow]) for change in changes
        ]
        if kept:
            lines.append("Conservé tel quel : " + pairs_text(kept) + ".")
        return lines


def _pair_label(year: int, flow: str, quarters: Sequence[int]) -> str:
    return f"{periods.year_label(year, quarters or ())} {flows.flow_of(flow).name}"


def _change_line(change: store.Change, quarters: Sequence[int]) -> str:
    label = _pair_label(change.year, change.flow, quarters)
    before = change.before
    if before is None:
        return f"{label} : nouveau."
    what = SOURCE_WORDS.get(before.source, before.source)
    detail = checks.coverage_text(before.quarters)
    if before.rows is not None and before.value_eur is not None:
        lines = "ligne" if before.rows <= 1 else "lignes"
        detail += f", {_count(before.rows)} {lines}, {formatting.meur(before.value_eur)}"
    return f"{label} : remplace les {what} ({detail})."


def pairs_text(pairs: Sequence[store.Pair]) -> str:
    """`2015–2023 export et import, 2024 import`: (year, flow) pairs, years grouped by their
    flows (the plan of an import, the history of the dataset)."""
    by_year: dict[int, list[str]] = {}
    for year, flow in pairs:
        by_year.setdefault(year, []).append(flows.flow_of(flow).name)
    groups: list[tuple[list[int], str]] = []
    for year in sorted(by_year):
        names = " et ".join(sorted(by_year[year]))
        if groups and groups[-1][1] == names and groups[-1][0][-1] == year - 1:
            groups[-1][0].append(year)
        else:
            groups.append(([year], names))
    return ", ".join(
        (f"{ys[0]}–{ys[-1]}" if len(ys) > 1 else str(ys[0])) + f" {names}" for ys, names in groups
    )


@dataclass(frozen=True)
class IngestReport:
    """What an ingest did: the files read, the pairs replaced and kept, the resulting dataset."""

    prepared: Prepared
    manifest: store.Manifest
    changes: list[store.Change]
    kept: list[store.Pair]

    @property
    def files(self) -> list[str]:
        return self.prepared.files

    @property
    def rows_read(self) -> int:
        return self.prepared.rows

    @property
    def years(self) -> list[int]:
        return sorted({year for year, _ in self.prepared.pairs})

    @property
    def unknown_products(self) -> list[str]:
        return self.prepared.unknown_products

    @property
    def unknown_countries(self) -> list[str]:
        return self.prepared.unknown_countries

    @property
    def total_rows(self) -> int:
        return self.manifest.rows

    @property
    def warnings(self) -> list[str]:
        return self.prepared.warnings

    @property
    def summary(self) -> str:
        """The French summary printed on success (several lines)."""
        years = self.manifest.years
        span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
        coverage = self.prepared.coverage
        replaced = [c for c in self.changes if c.before is not None]
        added = [c for c in self.changes if c.before is None]
        lines = [
            "Import terminé.",
            f"  Fichiers lus : {len(self.files)} ({', '.join(self.files)})",
            f"  Lignes lues : {_count(self.rows_read)}",
            f"  Années importées : {', '.join(str(y) for y in self.years)}",
        ]
        for title, group in (("Remplacé", replaced), ("Ajouté", added)):
            if group:
                labels = [_pair_label(c.year, c.flow, coverage[c.year, c.flow]) for c in group]
                lines.append(f"  {title} : {', '.join(labels)}")
        if self.kept:
            lines.append(f"  Conservé : {pairs_text(self.kept)}")
        lines.append(f"  Jeu de données : {_count(self.total_rows)} lignes, années {span}")
        base = self.manifest.based_on
        lines.append(
            f"  Version : {self.manifest.version}"
            + (f" (remplace la version {base})" if base else " (premier jeu de données)")
        )
        return "\n".join(lines)


def _count(number: int) -> str:
    return formatting.number(number, decimals=0)


def _read_all(
    paths: list[Path], report: Progress, unit: str | None, budget: ZipBudget
) -> tuple[list[pa.Table], list[Label]]:
    """All files validated and in canonical form (IngestError at the first bad one); the ZIP
    limits of `budget` hold for all of them together."""
    sizes = [path.stat().st_size for path in paths]
    total = max(sum(sizes), 1)
    tables: list[pa.Table] = []
    labels: list[Label] = []
    done = 0
    for path, size in zip(paths, sizes, strict=True):

        def file_progress(
            fraction: float, done: int = done, size: int = size, name: str = path.name
        ) -> None:
            report(
                int(READ_STEPS * (done + fraction * size) / total),
                PROGRESS_TOTAL,
                f"lecture de {name}",
            )

        data = read_file(path, file_progress, unit=unit, budget=budget)
        tables.append(data.table)
        labels.extend(data.labels)
        done += size
    return tables, labels


def _validity(label: Label) -> tuple[str, str]:
    """Sort key of a label's validity period: by end date (empty: still valid), then start."""
    return (label.end or store.LABEL_OPEN_END, label.start)


def _latest_labels(labels: list[Label]) -> pa.Table:
    """One name per (kind, code): the one valid last (a code may have several periods; on a
    tie, the last one read), with its validity dates (the store compares them with the
    labels it holds)."""
    best: dict[tuple[str, str], Label] = {}
    for label in labels:
        key = (label.kind, label.code)
        if key not in best or _validity(label) >= _validity(best[key]):
            best[key] = label
    rows = sorted(best.values(), key=lambda lab: (lab.kind, lab.code))
    columns = ("kind", "code", "name", "valid_from", "valid_to")
    return pa.table(
        {
            "kind": [lab.kind for lab in rows],
            "code": [lab.code for lab in rows],
            "name": [lab.name for lab in rows],
            "valid_from": [lab.start for lab in rows],
            "valid_to": [lab.end for lab in rows],
        },
        schema=pa.schema([(name, pa.string()) for name in columns]),
    )


def _summaries(name: str, con: duckdb.DuckDBPyConnection) -> list[FileSummary]:
    rows = con.execute(
        """
        SELECT year, flow, list_sort(list_distinct(list(quarter))), bool_or(quarter IS NULL),
               count(*), sum(value_eur)
        FROM file_rows GROUP BY year, flow ORDER BY year, flow
        """
    ).fetchall()
    return [
        FileSummary(name, int(y), f, () if annual else tuple(quarters), int(n), float(v or 0.0))
        for y, f, quarters, annual, n, v in rows
    ]


def _coverage(summaries: list[FileSummary]) -> dict[tuple[int, str], tuple[int, ...]]:
    """Quarters of each (year, flow) over all files; () when any file brings it annual."""
    coverage: dict[tuple[int, str], tuple[int, ...]] = {}
    for s in summaries:
        key = (s.year, s.flow)
        if key in coverage and (not coverage[key] or not s.quarters):
            coverage[key] = ()
        else:
            coverage[key] = tuple(sorted(set(coverage.get(key, ())) | set(s.quarters)))
    return coverage


def prepare(
    paths: Sequence[str | Path],
    *,
    unit: str | None = None,
    on_progress: Progress | None = None,
    folder: str | Path | None = None,
    in_memory: bool = False,
    limits: config.UploadLimits | None = None,
) -> Prepared:
    """Read, validate and stage customs files; raises IngestError (nothing staged) on bad input.

    `unit` ("eur" or "keur") overrides the unit of every file. The staged rows go to `folder`
    (a new temporary folder by default), which the caller discards or commits; `in_memory`
    keeps them in the Prepared instead, for a commit in the same process.

    The ZIP limits (`config.ZipLimits`) hold for all the files together. `limits` (the
    Importer page's) also bounds each file's size and their total, checked before any reading;
    without it, the ZIP limits are the configured ones and file sizes are not bounded (the
    command line is for whoever has the machine).
    """
    if not paths:
        raise ValueError("no file to ingest")
    report = on_progress or _ignore
    checked = [check_readable(path) for path in paths]  # a missing file fails before any reading
    if limits is not None:
        check_sizes(checked, limits)
    budget = ZipBudget(limits.zip if limits is not None else None)
    tables, labels = _read_all(checked, report, unit, budget)
    names = [path.name for path in checked]
    if not any(table.num_rows for table in tables):
        raise IngestError(", ".join(names), None, f"aucun fichier de données ({FORMATS_FR})")
    staging = Path(folder or tempfile.mkdtemp(prefix=STAGING_PREFIX))
    staging.mkdir(parents=True, exist_ok=True)
    try:
        return _stage(staging, names, tables, labels, in_memory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _stage(
    staging: Path, names: list[str], tables: list[pa.Table], labels: list[Label], in_memory: bool
) -> Prepared:
    con = duckdb.connect(":memory:")
    try:
        summaries: list[FileSummary] = []
        for name, table in zip(names, tables, strict=True):
            con.register("file_rows", table)
            summaries += _summaries(name, con)
            con.unregister("file_rows")
        table = pa.concat_tables(tables)
        if not in_memory:
            pq.write_table(table, staging / STAGED_FILE)
        label_table = _latest_labels(labels)
        pq.write_table(label_table, staging / LABELS_FILE)
        con.register("staged", table)
        coverage = _coverage(summaries)
        known = _known_labels(label_table)
        return Prepared(
            folder=str(staging),
            files=names,
            rows=table.num_rows,
            summaries=summaries,
            coverage=coverage,
            unknown_products=_unknown(table, "product", refs.is_product, known["product"]),
            unknown_countries=_unknown(table, "country", refs.is_country, known["country"]),
            unknown_cpf4=_unknown(table, "cpf4", lambda _: False, known["cpf4"]),
            unassigned=checks.unassigned(con, "staged"),
            unit_warnings=checks.unit_warnings(con, "staged", coverage),
            labels=label_table.num_rows,
            rows_in_memory=table if in_memory else None,
        )
    finally:
        con.close()


def _known_labels(labels: pa.Table) -> dict[str, set[str]]:
    known: dict[str, set[str]] = {"product": set(), "country": set(), "cpf4": set()}
    kinds, codes = labels.column("kind").to_pylist(), labels.column("code").to_pylist()
    for kind, code in zip(kinds, codes, strict=True):
        known.setdefault(kind, set()).add(code)
    return known


def _unknown(
    table: pa.Table, column: str, is_known: Callable[[str], bool], labelled: set[str]
) -> list[str]:
    codes = distinct_codes(table.column(column)) - labelled
    return checks.unknown_codes(codes, is_known)


def commit(
    prepared: Prepared,
    data_dir: str | Path,
    on_progress: Progress | None = None,
    by: str | None = None,
) -> IngestReport:
    """Write the staged rows into the dataset (replacing their (year, flow) pairs), then delete
    the staging folder. `by` (who imports, when known) goes into the dataset's history.

    Imports are serialised by the store; the report describes the changes against the version
    the write was actually based on (another import may have landed since the preview)."""
    report = on_progress or _ignore

    def write_progress(done: int, total: int, message: str) -> None:
        share = (PROGRESS_TOTAL - READ_STEPS) * done // max(total, 1)
        report(READ_STEPS + share, PROGRESS_TOTAL, message)

    folder = Path(prepared.folder)
    con = duckdb.connect(":memory:")
    try:
        if prepared.rows_in_memory is not None:
            con.register("staged", prepared.rows_in_memory)
        else:
            con.execute(
                f"CREATE VIEW staged AS FROM read_parquet({literal(str(folder / STAGED_FILE))})"
            )
        con.execute(
            f"CREATE VIEW staged_labels AS FROM read_parquet({literal(str(folder / LABELS_FILE))})"
        )
        manifest = store.write_years(
            data_dir,
            con,
            "staged",
            source="import",
            inputs=prepared.files,
            on_progress=write_progress,
            labels="staged_labels" if prepared.labels else None,
            part_inputs=prepared.part_inputs,
            by=by,
        )
    finally:
        con.close()
    discard(prepared)
    changes, kept = prepared.plan(_base_of(data_dir, manifest))
    report(PROGRESS_TOTAL, PROGRESS_TOTAL, "terminé")
    return IngestReport(replace(prepared, rows_in_memory=None), manifest, changes, kept)


def _base_of(data_dir: str | Path, manifest: store.Manifest) -> store.Manifest | None:
    """The manifest a write replaced (kept beside it for a rollback)."""
    if manifest.based_on is None:
        return None
    previous = store.read_previous(data_dir)
    return previous if previous is not None and previous.version == manifest.based_on else None


def discard(prepared: Prepared) -> None:
    """Delete the staged rows of an import that will not be committed."""
    shutil.rmtree(prepared.folder, ignore_errors=True)


def ingest_files(
    paths: Sequence[str | Path],
    data_dir: str | Path,
    on_progress: Progress | None = None,
    unit: str | None = None,
    by: str | None = None,
) -> IngestReport:
    """Read, validate and import customs files; raises IngestError (nothing written) on bad input.

    `on_progress(done, total, message)` is called as the work advances (total = PROGRESS_TOTAL).
    """
    prepared = prepare(paths, unit=unit, on_progress=on_progress, in_memory=True)
    try:
        return commit(prepared, data_dir, on_progress, by=by)
    finally:
        discard(prepared)


def _ignore(done: int, total: int, message: str) -> None:
    del done, total, message
