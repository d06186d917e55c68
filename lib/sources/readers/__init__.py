"""Parsing of customs files (CSV/TXT/XLS/XLSX/ZIP/Parquet) into canonical Arrow tables.

`read_file(path)` detects the format from the file's first bytes, finds the columns by their
header (ignoring case, accents and punctuation), validates every row and returns a table with
the canonical columns of `lib.core.schema` (year, month, flow E/I, dept, product, country,
value_eur).
Bad input raises `IngestError`, whose text is the French message shown to the user.

One module per concern, the dependencies pointing one way (each imports only those above it):

- `errors`      `IngestError` and the French messages several readers share;
- `encodings`   the encoding of a text file, the Windows-1252/Latin-1 codec (`ensure_codec`);
- `headers`     which column holds which field (`header_key`, `match_header`);
- `validation`  raw columns checked and converted into canonical ones (`canonical_batch`);
- `zip_budget`  the ZIP limits of one import, counted over all its archives (`ZipBudget`);
- `context`     what reading a file carries along and returns (`ReadContext`, `FileData`);
- `detect`      the kind of a file from its first bytes;
- `text`, `workbooks`, `parquet`   the readers of CSV/TXT, XLSX/XLS and Parquet files;
- `archives`    ZIP archives, their members read by the reader of their kind;
- `dispatch`    the entry point, `read_file`.

This module only re-exports the names used outside the package.
"""

from __future__ import annotations

from lib.sources.readers.archives import COPY_BYTES, EXTRACT_PREFIX, extract_prefix
from lib.sources.readers.context import FileData, FileProgress, Label, ReadContext
from lib.sources.readers.dispatch import check_readable, read_file
from lib.sources.readers.encodings import CP1252_LATIN1, detect_encoding, ensure_codec
from lib.sources.readers.errors import FORMATS_FR, NO_DATA, IngestError
from lib.sources.readers.headers import FIELDS, UNITS, Layout, header_key, match_header
from lib.sources.readers.text import SAMPLE_BYTES, TextFormat, sniff_text
from lib.sources.readers.validation import CANONICAL, CODES, distinct_codes
from lib.sources.readers.zip_budget import RATIO_MIN_BYTES, ZipBudget

__all__ = [
    "CANONICAL",
    "CODES",
    "COPY_BYTES",
    "CP1252_LATIN1",
    "EXTRACT_PREFIX",
    "FIELDS",
    "FORMATS_FR",
    "NO_DATA",
    "RATIO_MIN_BYTES",
    "SAMPLE_BYTES",
    "UNITS",
    "FileData",
    "FileProgress",
    "IngestError",
    "Label",
    "Layout",
    "ReadContext",
    "TextFormat",
    "ZipBudget",
    "check_readable",
    "detect_encoding",
    "distinct_codes",
    "ensure_codec",
    "extract_prefix",
    "header_key",
    "match_header",
    "read_file",
    "sniff_text",
]
