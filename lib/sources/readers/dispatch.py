"""The entry point: `read_file` sends a file to the reader of its kind (told by its first
bytes), ZIP archives and the files nested in them included, and gathers the canonical rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from lib.sources.readers.archives import open_container, zip_batches
from lib.sources.readers.context import FileData, FileProgress, ReadContext
from lib.sources.readers.detect import head_kind
from lib.sources.readers.errors import IngestError
from lib.sources.readers.headers import UNITS
from lib.sources.readers.parquet import parquet_batches
from lib.sources.readers.text import text_batches
from lib.sources.readers.validation import CANONICAL
from lib.sources.readers.workbooks import workbook_batches
from lib.sources.readers.zip_budget import ZipBudget

MAX_ZIP_DEPTH = 3


def _batches(
    path: Path, name: str, progress: FileProgress, depth: int, context: ReadContext
) -> Iterator[pa.RecordBatch]:
    """Canonical batches of one file; `depth` counts the ZIP archives it was found in."""
    with open(path, "rb") as handle:
        kind = head_kind(handle.read(8))
    if kind is None:
        container = open_container(path, name, context.budget)
        if container.workbook:
            # openpyxl reads the workbook's parts itself: count them at their declared sizes,
            # which zipfile never reads past.
            with container.archive as archive:
                context.budget.uncompressed += sum(i.file_size for i in archive.infolist())
            kind = "xlsx"
        elif depth >= MAX_ZIP_DEPTH:
            container.archive.close()
            raise IngestError(name, None, "archives ZIP imbriquées trop profondément")
        else:
            yield from zip_batches(container, name, progress, depth, context, _batches)
            return
    if kind in ("xls", "xlsx"):
        yield from workbook_batches(path, name, progress, depth > 0, context, kind)
    elif kind == "parquet":
        yield from parquet_batches(path, name, progress, context)
    else:
        yield from text_batches(path, name, progress, depth > 0, context)


def check_readable(path: str | Path) -> Path:
    """The path as a `Path` when it names a readable, non-empty file; IngestError otherwise."""
    path = Path(path)
    name = path.name or str(path)
    if not path.exists():
        raise IngestError(name, None, "fichier introuvable")
    if path.is_dir():
        raise IngestError(name, None, "c'est un dossier, pas un fichier")
    try:
        with open(path, "rb") as handle:
            empty = not handle.read(1)
    except OSError as error:
        raise IngestError(name, None, f"fichier illisible ({error.strerror})") from None
    if empty:
        raise IngestError(name, None, "le fichier est vide")
    return path


def read_file(
    path: str | Path,
    on_progress: FileProgress | None = None,
    unit: str | None = None,
    budget: ZipBudget | None = None,
) -> FileData:
    """Every row of a customs file (CSV, TXT, XLS, XLSX, ZIP, Parquet), validated, in canonical
    form, with the labels of the label files found in it or beside its data.

    `unit` ("eur" or "keur") overrides the unit the file's header or type implies. `budget`
    holds the ZIP limits of the import the file belongs to (shared by its files); a new one,
    with the configured limits, by default.
    """
    if unit not in (None, *UNITS):
        raise ValueError(f"unknown unit {unit!r}")
    path = check_readable(path)
    progress = on_progress or _ignore
    context = ReadContext(unit=unit, budget=budget or ZipBudget())
    batches = list(_batches(path, path.name, progress, 0, context))
    progress(1.0)
    table = pa.Table.from_batches(batches, schema=CANONICAL)
    return FileData(path.name, table, context.labels)


def _ignore(fraction: float) -> None:
    del fraction
