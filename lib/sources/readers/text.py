"""CSV and TXT files: their format sniffed from the first bytes, their rows parsed by Arrow.

A large file is parsed in parts (byte ranges cut at line breaks) in parallel threads; only when
a problem is found is the file read again, line by line, to tell the user on which line it is.
A file without a recognised header may be one of the customs' headerless files: a data file
whose columns its rows reveal (`lib.sources.readers.headerless`), or a label file
(code;libelle;debut;fin).
"""

from __future__ import annotations

import codecs
import concurrent.futures
import csv
import io
import itertools
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

import pyarrow as pa
import pyarrow.csv as pa_csv

from lib.sources.readers import headerless
from lib.sources.readers.context import FileProgress, Label, ReadContext
from lib.sources.readers.encodings import CP1252_LATIN1, detect_encoding, ensure_codec
from lib.sources.readers.errors import FORMATS_FR, NO_DATA, IngestError
from lib.sources.readers.headers import Layout, match_header, missing_columns
from lib.sources.readers.validation import CODES, Locate, RawBatch, canonical_batch

SAMPLE_BYTES = 1 << 16
BLOCK_BYTES = 1 << 23  # Arrow parses a text file by blocks of this size
PARALLEL_MIN_BYTES = 1 << 23  # a text file this big is cut into parts parsed in parallel
MAX_PARTS = 4
PROGRESS_S = 0.2  # how often the progress of a text file is reported
UNRECOGNISED = (
    "disposition non reconnue : ni un en-tête de colonnes connu (Flux, Année, Département, "
    "Code A129, Code pays, Valeur…), ni les colonnes des fichiers publiés par les Douanes sans "
    "en-tête (flux;trimestre;annee;code_dep;code_reg;code_A129;code_CPF4;code_pays;valeur;masse)"
)


@dataclass(frozen=True)
class TextFormat:
    """What the first bytes of a text file tell: encoding, field separator, header row (or the
    column names given to a headerless file), and whether it is a label file."""

    encoding: str
    delimiter: str
    header: list[str]
    line_bytes: float = 32.0  # mean bytes per line in the first bytes (to estimate progress)
    has_header: bool = True
    layout: Layout | None = None  # the recognised columns of a headerless data file
    labels: bool = False  # a label file (code;libelle;debut;fin), not data


_DELIMITERS = (";", "\t", ",")
SAMPLE_ROWS = 1000  # rows of a headerless file looked at to recognise its columns


def _sample_text(sample: bytes, encoding: str, complete: bool) -> str:
    ensure_codec()
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    return decoder.decode(sample, final=complete).lstrip("\ufeff")


def _split_header(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter), [])


def _sample_rows(text: str, complete: bool, delimiter: str) -> list[list[str]]:
    """The first whole, non-empty rows of the sample, split on `delimiter`."""
    lines = text.splitlines()
    if not complete and len(lines) > 1:
        lines = lines[:-1]  # the last line of a cut sample may be cut too
    rows = csv.reader([line for line in lines if line.strip()][:SAMPLE_ROWS], delimiter=delimiter)
    try:
        return list(rows)
    except csv.Error:
        return []


def _headerless(name: str, text: str, complete: bool, line_bytes: float) -> TextFormat | None:
    """The format of a file without a recognised header, if it is one of the customs'
    headerless files: a label file, or a data file whose columns its rows reveal."""
    for delimiter in _DELIMITERS:
        rows = _sample_rows(text, complete, delimiter)
        if headerless.looks_like_labels(Path(name).name, rows):
            return TextFormat(CP1252_LATIN1, delimiter, [], line_bytes, False, labels=True)
    for delimiter in _DELIMITERS:
        found = headerless.recognise_data(_sample_rows(text, complete, delimiter))
        if found is not None:
            header = found.header()
            headers = {field: header[index] for field, index in found.positions.items()}
            layout = Layout(dict(found.positions), headers, unit=None)
            return TextFormat("", delimiter, header, line_bytes, False, layout=layout)
    return None


def sniff_text(path: Path, name: str) -> TextFormat:
    """Encoding, separator and header of a CSV/TXT file, from its first bytes; a file without a
    recognised header is tried as one of the customs' headerless files (data or labels)."""
    with open(path, "rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    return sniff_sample(sample, name)


def sniff_sample(sample: bytes, name: str) -> TextFormat:
    """`sniff_text` of a file whose first `SAMPLE_BYTES` bytes (or all, if fewer) are `sample`.

    Only spaces and line breaks make a file empty: one of NUL bytes is not text.
    """
    if not sample.strip(b" \t\r\n" + codecs.BOM_UTF8):
        raise IngestError(name, None, "le fichier est vide")
    encoding = detect_encoding(sample)
    if encoding != "utf-16" and b"\x00" in sample:
        raise IngestError(name, None, f"format non reconnu (formats acceptés : {FORMATS_FR})")
    complete = len(sample) < SAMPLE_BYTES
    text = _sample_text(sample, encoding, complete)
    first_line = text.split("\n", 1)[0].rstrip("\r")
    if not first_line.strip():
        raise IngestError(name, 1, "la première ligne (en-tête) est vide")

    def score(delimiter: str) -> tuple[int, int]:
        header = _split_header(first_line, delimiter)
        return len(match_header(header).positions), len(header)

    delimiter = max(_DELIMITERS, key=score)
    line_bytes = len(sample) / max(sample.count(b"\n"), 1)
    header = _split_header(first_line, delimiter)
    if not match_header(header).positions:
        found = _headerless(name, text, complete, line_bytes)
        if found is not None:
            return replace(found, encoding=encoding)
    return TextFormat(encoding, delimiter, header, line_bytes)


@dataclass(frozen=True)
class _Part:
    """A byte range of a text file that starts at the start of a line, parsed on its own."""

    start: int
    end: int
    with_header: bool  # the range starts with the header row (it is then skipped)


TextSource = Path | Callable[[], IO[bytes]]  # a file, or what opens a stream of it (a ZIP member)


def _open_source(source: TextSource) -> IO[bytes]:
    return open(source, "rb") if isinstance(source, Path) else source()


def _text_records(
    source: TextSource, fmt: TextFormat, part: _Part | None = None
) -> Iterator[tuple[int, list[str]]]:
    """(first physical line, fields) of each non-empty data record, as `csv` reads them.

    From the start of the file, or of `part` (whose first line number is then counted; a
    stream is only read from its start).
    """
    part = part or _Part(0, -1, with_header=True)
    ensure_codec()
    with _open_source(source) as raw:
        lines_before = _count_line_breaks(raw, part.start)
        handle = io.TextIOWrapper(raw, encoding=fmt.encoding, errors="replace", newline="")
        reader = csv.reader(handle, delimiter=fmt.delimiter)
        if part.with_header and fmt.has_header:
            next(reader, None)
        previous = reader.line_num
        for row in reader:
            if row:
                yield lines_before + previous + 1, row
            previous = reader.line_num


def _count_line_breaks(raw: IO[bytes], end: int) -> int:
    """Line breaks in the first `end` bytes; leaves `raw` positioned at `end`."""
    count = 0
    if end <= 0:
        return count  # nothing to count (and a stream cannot tell its position)
    while raw.tell() < end:
        count += raw.read(min(1 << 24, end - raw.tell())).count(b"\n")
    return count


def _line_of_record(path: Path, fmt: TextFormat, part: _Part, record: int) -> int | None:
    for index, (line, _) in enumerate(_text_records(path, fmt, part)):
        if index == record:
            return line
    return None


def _ragged_line(path: Path, fmt: TextFormat) -> tuple[int, int] | None:
    """(line, number of fields) of the first record whose field count differs from the header."""
    try:
        for line, row in _text_records(path, fmt):
            if len(row) != len(fmt.header):
                return line, len(row)
    except csv.Error:
        return None
    return None


def _parts(path: Path, fmt: TextFormat) -> list[_Part]:
    """Byte ranges to parse in parallel, cut at line breaks after the header.

    UTF-16 is read in one piece (its line break is two bytes), and so is a small file.
    """
    size = path.stat().st_size
    count = min(os.cpu_count() or 1, MAX_PARTS)
    if fmt.encoding == "utf-16" or size < PARALLEL_MIN_BYTES or count < 2:
        return [_Part(0, size, with_header=True)]
    with open(path, "rb") as handle:
        cuts = [_next_line_start(handle, 0) if fmt.has_header else 0]
        for k in range(1, count):
            cut = _next_line_start(handle, cuts[0] + k * (size - cuts[0]) // count)
            if cuts[-1] < cut < size:
                cuts.append(cut)
    if cuts[0] >= size:
        return [_Part(0, size, with_header=True)]
    bounds = [*cuts, size]
    return [_Part(a, b, with_header=False) for a, b in itertools.pairwise(bounds)]


def _next_line_start(handle: io.BufferedReader, offset: int) -> int:
    """The offset just after the first line break at or after `offset` (end of file if none)."""
    handle.seek(offset)
    while chunk := handle.read(1 << 16):
        found = chunk.find(b"\n")
        if found >= 0:
            return offset + found + 1
        offset += len(chunk)
    return offset


class _PartReader(io.RawIOBase):
    """A file restricted to one byte range."""

    def __init__(self, path: Path, part: _Part) -> None:
        super().__init__()
        self._handle = open(path, "rb")  # noqa: SIM115 (closed by close())
        self._handle.seek(part.start)
        self._left = part.end - part.start

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = self._left if size < 0 else min(size, self._left)
        data = self._handle.read(size)
        self._left -= len(data)
        return data

    def close(self) -> None:
        self._handle.close()
        super().close()


def _arrow_encoding(encoding: str) -> str:
    return "utf8" if encoding in ("utf-8", "utf-8-sig") else encoding


def _csv_options(
    fmt: TextFormat, layout: Layout, part: _Part
) -> tuple[pa_csv.ReadOptions, pa_csv.ParseOptions, pa_csv.ConvertOptions]:
    ensure_codec()  # Arrow decodes by the encoding's name
    names = [f"c{i}" for i in range(len(fmt.header))]
    types = {
        names[position]: pa.string() if name in ("value", "mass") else CODES
        for name, position in layout.positions.items()
    }
    read = pa_csv.ReadOptions(
        skip_rows=1 if part.with_header and fmt.has_header else 0,
        column_names=names,
        block_size=BLOCK_BYTES,
        encoding=_arrow_encoding(fmt.encoding),
        use_threads=False,  # faster here; the parts are parsed in parallel instead
    )
    parse = pa_csv.ParseOptions(delimiter=fmt.delimiter)
    convert = pa_csv.ConvertOptions(
        column_types=types,
        include_columns=list(types),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    return read, parse, convert


class _RetryEncoding(Exception):
    """The file is not UTF-8 after all (its first bytes were): read it again as Windows-1252."""


@dataclass
class _PartJob:
    """Reading one part in a worker thread."""

    path: Path
    name: str
    fmt: TextFormat
    layout: Layout
    part: _Part
    stop: threading.Event
    scale: float
    rows: int = 0

    @property
    def done(self) -> float:
        """Bytes parsed, estimated (Arrow reads ahead: the bytes read say less)."""
        return min(self.rows * self.fmt.line_bytes, self.part.end - self.part.start)

    def run(self) -> list[pa.RecordBatch]:
        """The part's canonical batches; IngestError (or _RetryEncoding) on bad input."""
        read, parse, convert = _csv_options(self.fmt, self.layout, self.part)
        by_position = {position: name for name, position in self.layout.positions.items()}
        batches: list[pa.RecordBatch] = []
        with _PartReader(self.path, self.part) as reader:
            try:
                for batch in pa_csv.open_csv(reader, read, parse, convert):
                    if self.stop.is_set():
                        break
                    columns = {by_position[int(c[1:])]: batch.column(c) for c in batch.column_names}
                    raw = RawBatch(columns, self.layout, self._locator(self.rows), self.scale)
                    batches.append(canonical_batch(raw))
                    self.rows += batch.num_rows
            except pa.ArrowInvalid as error:
                raise _csv_error(self.path, self.name, self.fmt, error) from None
        return batches

    def _locator(self, first: int) -> Locate:
        def locate(row: int, message: str) -> IngestError:
            line = _line_of_record(self.path, self.fmt, self.part, first + row)
            return IngestError(self.name, line, message)

        return locate


def _csv_batches(
    path: Path, name: str, fmt: TextFormat, layout: Layout, progress: FileProgress, scale: float
) -> list[pa.RecordBatch]:
    """All canonical batches of a text file, its parts parsed in parallel threads.

    Progress is reported from the calling thread; the first error in file order is raised.
    """
    size = max(path.stat().st_size, 1)
    stop = threading.Event()
    jobs = [_PartJob(path, name, fmt, layout, part, stop, scale) for part in _parts(path, fmt)]
    with concurrent.futures.ThreadPoolExecutor(len(jobs), "ingest") as pool:
        futures = [pool.submit(job.run) for job in jobs]
        try:
            pending = set(futures)
            while pending:
                _, pending = concurrent.futures.wait(pending, timeout=PROGRESS_S)
                progress(min(sum(job.done for job in jobs) / size, 1.0))
                _raise_first_error(futures)
        finally:
            stop.set()
    batches = [batch for future in futures for batch in future.result()]
    if not any(batch.num_rows for batch in batches):
        raise IngestError(name, None, NO_DATA)
    return batches


def _raise_first_error(futures: list[concurrent.futures.Future[list[pa.RecordBatch]]]) -> None:
    """Raise the error of the earliest part that failed, once all parts before it succeeded."""
    for future in futures:
        if not future.done():
            return
        error = future.exception()
        if error is not None:
            raise error


def _csv_error(path: Path, name: str, fmt: TextFormat, error: pa.ArrowInvalid) -> Exception:
    if "UTF8" in str(error) and fmt.encoding == "utf-8":
        return _RetryEncoding()
    if "skip initial" in str(error):  # a header without even a line break after it
        return IngestError(name, None, NO_DATA)
    ragged = _ragged_line(path, fmt)
    if ragged is None:
        return IngestError(name, None, f"fichier illisible ({error})")
    line, count = ragged
    separator = {"\t": "tabulation", ";": "« ; »", ",": "« , »"}[fmt.delimiter]
    fields = "champ" if count == 1 else "champs"
    return IngestError(
        name, line, f"{count} {fields} au lieu de {len(fmt.header)} (séparateur {separator})"
    )


def text_batches(
    path: Path, name: str, progress: FileProgress, in_archive: bool, context: ReadContext
) -> Iterator[pa.RecordBatch]:
    fmt = sniff_text(path, name)
    if fmt.labels:
        context.labels.extend(label_rows(path, name, fmt))
        return
    layout = fmt.layout or match_header(fmt.header)
    if in_archive and not layout.positions and not looks_like_data(path, fmt):
        return  # a notice or a readme beside the data
    if not layout.positions:
        raise IngestError(name, 1, UNRECOGNISED)
    problem = missing_columns(layout, fmt.header)
    if problem:
        raise IngestError(name, 1, problem)
    scale = layout.value_scale(context.unit)
    try:
        batches = _csv_batches(path, name, fmt, layout, progress, scale)
    except _RetryEncoding:
        latin = replace(fmt, encoding=CP1252_LATIN1)
        batches = _csv_batches(path, name, latin, layout, progress, scale)
    yield from batches


def looks_like_data(source: TextSource, fmt: TextFormat) -> bool:
    """A table as wide as a data file: its first line and the rows after it all have the same
    number of fields, at least as many as the narrowest data file. Inside an archive, such a
    file whose columns are not recognised is refused (skipping it would import the archive
    without its rows); a readme's prose is not a table, and is skipped."""
    width = len(fmt.header)
    if width < headerless.MIN_DATA_COLUMNS:
        return False
    try:
        rows = [row for _, row in itertools.islice(_text_records(source, fmt), SAMPLE_ROWS)]
    except csv.Error:
        return False
    return bool(rows) and all(len(row) == width for row in rows)


MAX_LABEL_ROWS = 1_000_000  # far more than any label file holds: a bound on a hostile one


def label_rows(source: TextSource, name: str, fmt: TextFormat) -> Iterator[Label]:
    """The rows of a label file (code;libelle;debut;fin, the dates optional)."""
    rows = [row for _, row in itertools.islice(_text_records(source, fmt), MAX_LABEL_ROWS)]
    if rows and headerless.is_label_header(rows[0]):
        rows = rows[1:]
    kind = headerless.label_kind(Path(name).name, [row[0] for row in rows[:SAMPLE_ROWS]])
    if kind is None:
        return
    for row in rows:
        code = row[0].strip().upper().replace(".", "") if kind == "cpf4" else row[0].strip().upper()
        if len(row) >= 2 and code and row[1].strip():
            dates = [headerless.date_key(cell) for cell in row[2:4]] + ["", ""]
            yield Label(kind, code, row[1].strip(), dates[0], dates[1])
