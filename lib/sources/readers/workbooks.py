"""Workbooks: XLSX (openpyxl) and Le Kiosque's Excel 97-2003 XLS (xlrd), one header row per
sheet; a sheet without a recognised header (notes, sources) is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pyarrow as pa
import xlrd

from lib.sources.readers.context import FileProgress, ReadContext
from lib.sources.readers.errors import IngestError
from lib.sources.readers.headers import Layout, match_header, missing_columns
from lib.sources.readers.validation import RawBatch, canonical_batch

XLSX_BATCH_ROWS = 1 << 16


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class _Sheet:
    """A worksheet as rows of cell values, whatever the workbook format."""

    title: str
    rows: Iterator[tuple[object, ...]]
    last: int  # the number of its last row, to report progress
    default_unit: str  # "keur" for Le Kiosque's XLS, "eur" otherwise
    count: int  # sheets in the workbook


def _sheet_batches(
    sheet: _Sheet, name: str, progress: FileProgress, context: ReadContext
) -> Iterator[pa.RecordBatch]:
    """A worksheet's rows under its header (the first non-empty row); none for a notes sheet."""
    rows = enumerate(sheet.rows, start=1)
    header_line, header = next(
        ((n, [_cell_text(v) for v in r]) for n, r in rows if any(_cell_text(v) for v in r)),
        (None, []),
    )
    layout = match_header(header)
    if not layout.positions:
        return
    problem = missing_columns(layout, header)
    if problem:
        raise IngestError(name, header_line, problem, sheet=sheet.title)
    scale = layout.value_scale(context.unit, sheet.default_unit)
    last = max(sheet.last, 1)
    chunk: list[tuple[int, tuple[object, ...]]] = []
    for number, row in rows:
        if any(_cell_text(v).strip() for v in row):
            chunk.append((number, row))
        if len(chunk) == XLSX_BATCH_ROWS:
            yield canonical_batch(_sheet_batch(chunk, layout, name, sheet.title, scale))
            progress(min(number / last, 1.0))
            chunk = []
    if chunk:
        yield canonical_batch(_sheet_batch(chunk, layout, name, sheet.title, scale))


def _sheet_batch(
    chunk: list[tuple[int, tuple[object, ...]]], layout: Layout, name: str, title: str, scale: float
) -> RawBatch:
    lines = [number for number, _ in chunk]
    columns: dict[str, pa.Array] = {}
    for field_name, position in layout.positions.items():
        cells = [row[position] if position < len(row) else None for _, row in chunk]
        if field_name in ("value", "mass") and all(_is_number(c) for c in cells):
            columns[field_name] = pa.array(cells, pa.float64())
        else:
            columns[field_name] = pa.array([_cell_text(c) for c in cells], pa.string())

    def locate(row: int, message: str) -> IngestError:
        return IngestError(name, lines[row], message, sheet=title)

    return RawBatch(columns, layout, locate, scale)


def _xlsx_sheets(path: Path) -> Iterator[_Sheet]:
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            rows = sheet.iter_rows(min_row=1, values_only=True)
            yield _Sheet(sheet.title, rows, sheet.max_row or 0, "eur", len(book.worksheets))
    finally:
        book.close()


def _xls_sheets(path: Path) -> Iterator[_Sheet]:
    """Excel 97-2003 workbooks (Le Kiosque): values in thousands of euros unless said."""
    book = xlrd.open_workbook(str(path), on_demand=True)
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            rows = (tuple(sheet.row_values(r)) for r in range(sheet.nrows))
            yield _Sheet(sheet.name, rows, sheet.nrows, "keur", book.nsheets)
            book.unload_sheet(index)
    finally:
        book.release_resources()


def workbook_batches(
    path: Path, name: str, progress: FileProgress, in_archive: bool, context: ReadContext, kind: str
) -> Iterator[pa.RecordBatch]:
    found = False
    sheets = _xls_sheets if kind == "xls" else _xlsx_sheets
    try:
        for index, sheet in enumerate(sheets(path)):

            def sheet_progress(
                fraction: float, index: int = index, count: int = sheet.count
            ) -> None:
                progress((index + fraction) / count)

            for batch in _sheet_batches(sheet, name, sheet_progress, context):
                found = True
                yield batch
    except IngestError:
        raise
    except Exception as error:  # openpyxl and xlrd raise many kinds on a damaged workbook
        raise IngestError(name, None, f"classeur {kind.upper()} illisible ({error})") from None
    if not found and not in_archive:
        raise IngestError(
            name, None, "aucune feuille ne contient de données sous un en-tête reconnu"
        )
