"""Excel workbooks of the tables the app shows: what a chargée de mission opens in a French Excel.

Each sheet has the same rows as the table's CSV, with:
- a heading block: title, territory and period on the first line, then the source and the dates
  (the dataset's, the download's), then the demonstration warning while that dataset is loaded;
- French column headers with their units (lib/core/columns.py: « Importations (€) », « Part (%) »),
  and the names of the codes beside them (« Nom du pays » after « Pays ») where the table has
  only the code (lib/core/display.py, as on the pages' grids);
- numbers stored as numbers with a display format (thousands grouped, one decimal for a
  percentage), which Excel shows in the reader's locale: `1 773 500 000`, `6,6` in French;
- codes stored as text, so `01`, `2A` and `0111` keep their zeros;
- text never read as a formula: a formula-like cell gets the CSVs' leading quote
  (lib.core.escaping.neutralised) and is written as a string, never as a formula;
- columns sized to their content, the header row frozen and filterable.

Written by XlsxWriter, in its constant-memory mode: each row goes to a temporary file as it is
written, so a sheet of a million rows (the Données page) is never held in memory. The tests read
the workbooks back with openpyxl, an independent reader.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import numbers
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pandas as pd
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from lib.core import columns, escaping, formatting
from lib.core.columns import Column
from lib.core.display import with_names

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXCEL_MAX_ROWS = 1_048_576  # rows of a worksheet, whatever the Excel version since 2007
MAX_CELL_CHARS = 32_767  # characters Excel keeps in one cell
SOURCE = (
    "Source : DGDDI (Direction générale des Douanes et Droits indirects), « Statistiques "
    "régionales et départementales du commerce extérieur »"
)
DEMO_WARNING = (
    "Données de démonstration synthétiques, calées sur les totaux publiés pour 2024 : ces "
    "chiffres ne sont pas ceux des Douanes."
)

# Display formats by kind. Format codes are locale-independent: `#,##0.0` shows `1 773,5` in
# a French Excel and `1,773.5` in an English one; the stored value keeps its full precision.
NUMBER_FORMATS: dict[str, str] = {
    "eur": "#,##0",
    "kg": "#,##0",
    "pct": "#,##0.00",  # two decimals: a national share of 0,25 % must not read 0,2
    "ratio": "0.000",
    "number": "#,##0.00",
    "integer": "0",
    "flag": "0",
}
# Control characters an XML 1.0 file cannot hold (tab, line feed and carriage return can).
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHEET_NAME_UNSAFE = re.compile(r"[\[\]:*?/\\]")
MIN_WIDTH, MAX_WIDTH = 8, 60  # column widths, in characters


@dataclass(frozen=True)
class Heading:
    """What the lines above a table say: `title — territory — period`, source and dates."""

    title: str
    territory: str | None = None  # « Orne (61) »; None for a table of every département
    period: str | None = None  # « 2024 », « 2025 (T1–T2) »
    details: str | None = None  # « 10 premiers », « États-Unis (US) »
    dataset_date: str | None = None  # ISO date of the dataset (manifest.created)
    demo: bool = False
    downloaded: dt.date = field(default_factory=dt.date.today)

    def lines(self) -> list[str]:
        parts = (self.title, self.territory, self.period, self.details)
        first = " — ".join(part for part in parts if part)
        dates = [f"téléchargé le {formatting.french_date(self.downloaded)}"]
        if self.dataset_date:
            created = dt.date.fromisoformat(self.dataset_date[:10])
            dates.insert(0, f"données du {formatting.french_date(created)}")
        lines = [first, SOURCE, " · ".join(dates).capitalize()]
        return [*lines, DEMO_WARNING] if self.demo else lines


@dataclass(frozen=True)
class Sheet:
    """One table and its heading, under a sheet name (at most 31 characters, made safe)."""

    name: str
    frame: pd.DataFrame
    heading: Heading


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


@dataclass
class _Formats:
    """The workbook's cell formats, created once per workbook."""

    title: Any
    note: Any
    warning: Any
    header: Any
    code: Any
    text: Any
    numbers: dict[str, Any]

    @classmethod
    def of(cls, book: xlsxwriter.Workbook) -> _Formats:
        return cls(
            title=book.add_format({"bold": True, "font_size": 13}),
            note=book.add_format({"italic": True, "font_color": "#3A3A3A"}),
            warning=book.add_format({"bold": True, "font_color": "#CE0500"}),
            header=book.add_format(
                {"bold": True, "bg_color": "#E3E3FD", "bottom": 1, "text_wrap": True}
            ),
            code=book.add_format({"num_format": "@"}),
            text=book.add_format({}),
            numbers={
                kind: book.add_format({"num_format": f}) for kind, f in NUMBER_FORMATS.items()
            },
        )


@functools.lru_cache(maxsize=65_536)  # names and codes repeat on most rows of a large sheet
def _safe_str(value: str) -> str:
    cleaned = _ILLEGAL_XML.sub("\ufffd", value)
    return escaping.neutralised(cleaned)[:MAX_CELL_CHARS]


def safe_text(value: object) -> str:
    """A text cell as Excel will hold it: no character XML forbids, at most MAX_CELL_CHARS,
    and never a formula (the CSVs' leading quote, lib.core.escaping)."""
    return _safe_str(str(value))


def sheet_name(name: str, taken: Iterable[str] = ()) -> str:
    """A valid, unique sheet name: no `[]:*?/\\`, at most 31 characters."""
    base = _SHEET_NAME_UNSAFE.sub("-", name).strip("'") or "Tableau"
    candidate, number = base[:31], 2
    lowered = {existing.lower() for existing in taken}
    while candidate.lower() in lowered:
        suffix = f" ({number})"
        candidate, number = base[: 31 - len(suffix)] + suffix, number + 1
    return candidate


def _is_number(value: object) -> bool:
    """A real number (NumPy's too), not a boolean: `True` would otherwise be written as 1."""
    if isinstance(value, bool):
        return False
    return isinstance(value, numbers.Real)


def _is_blank(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and not math.isfinite(value)


class _Widths:
    """The widest text seen per column, for its width (in characters)."""

    def __init__(self, headers: Sequence[str]) -> None:
        # A header wraps on two lines: half its length (its longest word at least) suffices.
        self.chars = [max(max(map(len, h.split())) if h else 0, len(h) // 2 + 1) for h in headers]

    def see(self, index: int, shown: str) -> None:
        if len(shown) > self.chars[index]:
            self.chars[index] = len(shown)

    def apply(self, sheet: Worksheet) -> None:
        for index, chars in enumerate(self.chars):
            sheet.set_column(index, index, min(MAX_WIDTH, max(MIN_WIDTH, chars + 2)))


def _shown_length(value: object, kind: str) -> str:
    """About what Excel shows of a number (thousands grouped), to size its column."""
    if kind in ("eur", "kg"):
        return f"{value:,.0f}"
    if kind == "pct":
        return f"{value:,.1f}"
    return str(value)


def _write_cell(
    sheet: Worksheet, row: int, col: int, value: object, kind: str, formats: _Formats
) -> str:
    """One cell, typed by its column's kind; returns what it shows, for the column's width."""
    if _is_blank(value):
        sheet.write_blank(row, col, None)
        return ""
    if kind in NUMBER_FORMATS and _is_number(value):
        sheet.write_number(row, col, value, formats.numbers[kind])
        return _shown_length(value, kind)
    cell = safe_text(value)
    sheet.write_string(row, col, cell, formats.code if kind == "code" else formats.text)
    return cell


def _write_heading(sheet: Worksheet, heading: Heading, formats: _Formats) -> int:
    """The heading lines from A1; returns the header row's index (one blank line between)."""
    lines = heading.lines()
    for row, line in enumerate(lines):
        style = formats.title if row == 0 else formats.note
        sheet.write_string(row, 0, safe_text(line), style)
    if heading.demo:  # the warning is the last line, in red
        sheet.write_string(len(lines) - 1, 0, safe_text(lines[-1]), formats.warning)
    return len(lines) + 1


def _print_setup(sheet: Worksheet, header_row: int) -> None:
    """Printed in landscape, as wide as the page, the headers repeated on every page."""
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(header_row)


def _row_kinds(
    specs: Sequence[tuple[str, Column]],
) -> Callable[[Sequence[object]], Sequence[str]]:
    """Each row's cell kinds: the columns' own, except a column whose kind is named by another
    column of the row (Column.kind_from)."""
    kinds = [spec.kind for _, spec in specs]
    names = [name for name, _ in specs]
    linked = [
        (col, names.index(spec.kind_from))
        for col, (_, spec) in enumerate(specs)
        if spec.kind_from in names
    ]
    if not linked:
        return lambda row: kinds

    def of(row: Sequence[object]) -> Sequence[str]:
        row_kinds = list(kinds)
        for col, source in linked:
            named = columns.COLUMNS.get(str(row[source]))
            row_kinds[col] = named.kind if named and named.kind in NUMBER_FORMATS else kinds[col]
        return row_kinds

    return of


def write_sheet(
    book: xlsxwriter.Workbook,
    name: str,
    heading: Heading,
    specs: Sequence[tuple[str, Column]],
    rows: Iterable[Sequence[object]],
    formats: _Formats | None = None,
) -> int:
    """One sheet: heading, headers (`specs`: column name and description), then `rows` in the
    columns' order, streamed. Returns the number of data rows written.

    Raises TooManyRows past Excel's limit: the caller checks the count first, this is a guard.
    """
    formats = formats or _Formats.of(book)
    sheet = book.add_worksheet(name)
    header_row = _write_heading(sheet, heading, formats)
    headers = [spec.title for _, spec in specs]
    kinds_of = _row_kinds(specs)
    widths = _Widths(headers)
    for col, title in enumerate(headers):
        sheet.write_string(header_row, col, safe_text(title), formats.header)
    written = 0
    for written, row in enumerate(rows, start=1):
        index = header_row + written
        if index >= EXCEL_MAX_ROWS:
            raise TooManyRows(written)
        for col, (value, kind) in enumerate(zip(row, kinds_of(row), strict=True)):
            widths.see(col, _write_cell(sheet, index, col, value, kind, formats))
    widths.apply(sheet)
    _print_setup(sheet, header_row)
    sheet.freeze_panes(header_row + 1, 0)
    sheet.autofilter(header_row, 0, header_row + written, max(len(specs) - 1, 0))
    return written


class TooManyRows(Exception):
    """More rows than an Excel worksheet holds."""

    def __init__(self, rows: int) -> None:
        super().__init__(
            f"Plus de {formatting.number(max_data_rows(), 0)} lignes : au-delà, Excel ne peut pas "
            f"tout ouvrir. Téléchargez le CSV."
        )
        self.rows = rows


def max_data_rows(heading: Heading | None = None) -> int:
    """How many data rows fit in a sheet under the heading (its lines, a blank, the header)."""
    lines = len((heading or Heading("", demo=True)).lines())
    return EXCEL_MAX_ROWS - lines - 2


def _frame_specs(frame: pd.DataFrame, added: dict[str, Column]) -> list[tuple[str, Column]]:
    return [(name, added.get(name) or columns.column(str(name))) for name in frame.columns]


def _frame_rows(frame: pd.DataFrame) -> Iterator[tuple[object, ...]]:
    return frame.itertuples(index=False, name=None)


def _options() -> dict[str, Any]:
    """Nothing read into a cell: strings stay strings (no formula, number or URL guessing)."""
    return {
        "constant_memory": True,
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
        "nan_inf_to_errors": False,
    }


def write_workbook(target: str | Path | IO[bytes], sheets: Sequence[Sheet]) -> None:
    """Sheets of tables (names beside codes, see the module docstring) into `target`."""
    book = xlsxwriter.Workbook(target, _options())
    formats = _Formats.of(book)
    taken: list[str] = []
    for sheet in sheets:
        named, added = with_names(sheet.frame)
        name = sheet_name(sheet.name, taken)
        taken.append(name)
        rows = _frame_rows(named)
        write_sheet(book, name, sheet.heading, _frame_specs(named, added), rows, formats)
    book.close()


PARQUET_BATCH_ROWS = 16_384  # rows read at once from a Parquet file: bounded memory


def write_parquet_sheet(target: str | Path | IO[bytes], source: Path, heading: Heading) -> int:
    """A one-sheet workbook of every row of the Parquet file `source` (columns described by
    lib.core.columns), read in batches; returns the rows written. Raises TooManyRows beyond Excel's
    limit (the caller counts first: TooManyRows is a guard, and leaves `target` unfinished)."""
    import pyarrow.parquet as pq  # only this writer reads Parquet

    parquet = pq.ParquetFile(source)
    specs = [(name, columns.column(name)) for name in parquet.schema_arrow.names]

    def rows() -> Iterator[tuple[object, ...]]:
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS):
            yield from zip(*(column.to_pylist() for column in batch.columns), strict=True)

    book = xlsxwriter.Workbook(target, _options())
    try:
        return write_sheet(book, sheet_name(heading.title), heading, specs, rows())
    finally:
        book.close()


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    """The workbook as bytes (for a download button)."""
    buffer = io.BytesIO()
    write_workbook(buffer, sheets)
    return buffer.getvalue()


def table_bytes(frame: pd.DataFrame, heading: Heading, name: str | None = None) -> bytes:
    """One table in a one-sheet workbook, the sheet named after its title unless `name`."""
    return workbook_bytes([Sheet(name or heading.title, frame, heading)])
