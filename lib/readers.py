"""Parsing of customs files (CSV/TXT/XLSX/ZIP/Parquet) into canonical Arrow tables.

`read_file(path)` detects the format from the file's first bytes, finds the columns by their
header (ignoring case, accents and punctuation), validates every row and returns a table with
the canonical columns of `lib.schema` (year, month, flow E/I, dept, product, country, value_eur).

CSV and TXT files are parsed by Arrow, a large file in parts (byte ranges cut at line breaks)
parsed in parallel threads. Every check is vectorised: a column's distinct values are checked
once (codes repeat a lot), numbers are parsed by Arrow casts. Only when a problem is found is
the file read again, line by line, to tell the user on which line it is.

ZIP archives (and XLSX workbooks, which are ZIP files too) are hostile input until proven
otherwise. The limits of `config.ZipLimits` hold for a whole import, nested archives and every
file included (`ZipBudget`): total uncompressed size, compression ratio per member, number of
entries; a member whose path is absolute or climbs out with `..` is refused. They are checked
from the archive's directory before anything is read out of it: the entries are counted from
their fixed-size headers before zipfile builds an object for each, and a member's compressed
size is bounded by where the next one starts, whatever the directory declares. They are checked
again while reading, every byte counted as it is decompressed (`_Meter`): zipfile itself never
lets a member yield more than its declared size (it then fails the checksum), so the count is a
second line, not the only one.

Members are read as streams where the reader allows: a label file's rows and a notice (skipped
after its first rows) never touch the disk. A data file, workbook, Parquet file or nested
archive is copied to a temporary file first, because its reader needs a seekable file: Arrow's
CSV reader parses a large text file in byte ranges in parallel threads and reads it again to
locate an error's line; openpyxl, xlrd, Parquet and zipfile (whose directory is at the end)
seek too. The copy is counted chunk by chunk before each is written: it stops as soon as a
limit is passed and the partial file is deleted. The temporary folders are named after the
process (`extract_prefix`), so that those of a process killed mid-import can be removed.

Bad input raises `IngestError`, whose text is the French message shown to the user.
"""

from __future__ import annotations

import bisect
import codecs
import concurrent.futures
import contextlib
import csv
import io
import itertools
import os
import re
import struct
import tempfile
import threading
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

import numpy as np
import openpyxl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import xlrd

from lib import config, formatting, headerless, refs, schema

FileProgress = Callable[[float], None]  # fraction of the current file read, 0..1

CODES = pa.dictionary(pa.int32(), pa.string())  # codes repeat: dictionary-encoded
_ARROW_TYPES = {
    "SMALLINT": pa.int16(),
    "TINYINT": pa.int8(),
    "VARCHAR": CODES,
    "DOUBLE": pa.float64(),
}
CANONICAL = pa.schema([(name, _ARROW_TYPES[kind]) for name, kind in schema.COLUMNS.items()])

SAMPLE_BYTES = 1 << 16
BLOCK_BYTES = 1 << 23  # Arrow parses a text file by blocks of this size
PARALLEL_MIN_BYTES = 1 << 23  # a text file this big is cut into parts parsed in parallel
MAX_PARTS = 4
PROGRESS_S = 0.2  # how often the progress of a text file is reported
XLSX_BATCH_ROWS = 1 << 16
PARQUET_BATCH_ROWS = 1 << 20
MAX_ZIP_DEPTH = 3
DATA_SUFFIXES = (".csv", ".txt", ".tsv", ".xls", ".xlsx", ".xlsm", ".parquet", ".pq", ".zip")
FORMATS_FR = "CSV, TXT, XLS, XLSX, ZIP ou Parquet"
NO_DATA = "le fichier ne contient aucune ligne de données"
UNRECOGNISED = (
    "disposition non reconnue : ni un en-tête de colonnes connu (Flux, Année, Département, "
    "Code A129, Code pays, Valeur…), ni les colonnes des fichiers publiés par les Douanes sans "
    "en-tête (flux;trimestre;annee;code_dep;code_reg;code_A129;code_CPF4;code_pays;valeur;masse)"
)


class IngestError(Exception):
    """Bad input, with the French message shown to the user (`str(error)`)."""

    def __init__(
        self,
        file: str,
        line: int | None,
        message: str,
        *,
        sheet: str | None = None,
        unit: str = "ligne",
    ) -> None:
        self.file = file
        self.line = line
        self.message = message
        self.sheet = sheet
        self.unit = unit
        super().__init__(str(self))

    def __str__(self) -> str:
        """`export.csv, ligne 17 : valeur « 12a » non numérique dans la colonne « Valeur ».`"""
        where = [self.file]
        if self.sheet is not None:
            where.append(f"feuille « {self.sheet} »")
        if self.line is not None:
            where.append(f"{self.unit} {self.line}")
        return f"{', '.join(where)} : {self.message}."


class _BadValue(ValueError):
    """A cell value that fails validation; its text is the French explanation."""


# ---------------------------------------------------------------------------------------------
# Encodings: Windows-1252 whose five undefined bytes decode as Latin-1 (what browsers do).

CP1252_LATIN1 = "cp1252_latin1"
_CP1252 = codecs.lookup("cp1252")


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error(CP1252_LATIN1, _latin1_fallback)


class _Cp1252Latin1Decoder(_CP1252.incrementaldecoder):  # type: ignore[name-defined, misc]
    def __init__(self, errors: str = "strict") -> None:
        super().__init__(CP1252_LATIN1)


def _search_codec(name: str) -> codecs.CodecInfo | None:
    if name != CP1252_LATIN1:
        return None
    return codecs.CodecInfo(
        name=CP1252_LATIN1,
        encode=_CP1252.encode,
        decode=lambda data, errors="strict": _CP1252.decode(data, CP1252_LATIN1),
        incrementalencoder=_CP1252.incrementalencoder,
        incrementaldecoder=_Cp1252Latin1Decoder,
    )


codecs.register(_search_codec)


def detect_encoding(sample: bytes) -> str:
    """BOM -> utf-8-sig / utf-16; valid UTF-8 -> utf-8; otherwise Windows-1252 (Latin-1)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return CP1252_LATIN1
    return "utf-8"


# ---------------------------------------------------------------------------------------------
# Header matching.


@dataclass(frozen=True)
class Field:
    """A canonical column and the header spellings (normalised by `header_key`) that denote it."""

    name: str
    label: str  # how the messages name it when it is missing
    aliases: tuple[str, ...]  # by priority: a code column beats a label column
    required: bool = True


FIELDS = (
    Field("flow", "Flux", ("flux", "flow", "codeflux")),
    Field("year", "Année", ("annee", "year")),
    Field("quarter", "Trimestre", ("trimestre", "quarter", "trim"), required=False),
    Field("month", "Mois", ("mois", "month"), required=False),
    Field(
        "dept",
        "Département",
        ("codedepartement", "codedept", "codedep", "departement", "dept", "dep", "department"),
    ),
    Field(
        "product",
        "Produit (Code A129 ou CPF4)",
        ("codea129", "a129", "codeproduit", "produit", "product"),
    ),
    Field("cpf4", "Code CPF4", ("codecpf4", "cpf4"), required=False),
    Field("country", "Pays", ("codepays", "pays", "countrycode", "country")),
    Field(
        "mass",
        "Masse",
        ("massekg", "masseenkg", "masse", "masskg", "mass", "poidskg", "poidsenkg", "poids"),
        required=False,
    ),
    Field("value", "Valeur", ()),
)
_VALUE_EUR = re.compile(r"(valeur|value)s?(en|in)?(eur|euro|euros)?")
_VALUE_KEUR = re.compile(
    r"(valeur|value)s?(en|in)?(milliers?(de?)?(eur|euro|euros)?|k(eur|euros?)?)"
)
UNITS = {"eur": 1.0, "keur": 1000.0}  # the unit of a file's values -> euros per unit


def header_key(text: str) -> str:
    """`Code département` -> `codedepartement`: no case, accents, spaces or punctuation."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and c.isalnum()).lower()


@dataclass(frozen=True)
class Layout:
    """Where each canonical field sits in a file's header (or its recognised columns)."""

    positions: dict[str, int]  # field name -> column index
    headers: dict[str, str]  # field name -> the header as written in the file
    unit: str | None  # "eur" or "keur" when the header says so, None when it is silent

    @property
    def missing(self) -> list[Field]:
        # A CPF4 column stands for the product when there is no A129 column.
        present = set(self.positions) | ({"product"} if "cpf4" in self.positions else set())
        return [f for f in FIELDS if f.required and f.name not in present]

    def value_scale(self, override: str | None, default: str = "eur") -> float:
        """Euros per unit of the values: the user's choice, else the header's, else the
        file type's (Le Kiosque's XLS workbooks are in thousands of euros)."""
        return UNITS[override or self.unit or default]


def match_header(header: list[str]) -> Layout:
    """The layout of a header row (fields that are absent are simply not in `positions`)."""
    keys = [header_key(h) for h in header]
    positions: dict[str, int] = {}
    for spec in FIELDS[:-1]:
        for alias in spec.aliases:
            if alias in keys:
                positions[spec.name] = keys.index(alias)
                break
    unit = None
    for index, key in enumerate(keys):
        if _VALUE_EUR.fullmatch(key) or _VALUE_KEUR.fullmatch(key):
            positions["value"] = index
            if _VALUE_KEUR.fullmatch(key):
                unit = "keur"
            elif key.removeprefix("valeur").removeprefix("value").strip("s"):
                unit = "eur"  # `Valeur (euros)`, `Valeur en EUR`: said in so many words
            break
    headers = {name: header[index].strip() for name, index in positions.items()}
    return Layout(positions, headers, unit)


def missing_columns(layout: Layout, header: list[str]) -> str | None:
    """The French complaint about the required columns absent from `header`, if any."""
    missing = layout.missing
    if not missing:
        return None
    names = ", ".join(f"« {f.label} »" for f in missing)
    found = ", ".join(f"« {h.strip()} »" for h in header if h.strip()) or "aucune"
    verb = "introuvable" if len(missing) == 1 else "introuvables"
    noun = "colonne" if len(missing) == 1 else "colonnes"
    return f"{noun} {names} {verb} dans l'en-tête (colonnes lues : {found})"


# ---------------------------------------------------------------------------------------------
# Validation and conversion of raw columns into canonical ones.

_FLOWS = {
    **dict.fromkeys(("e", "x", "exp", "export", "exports", "exportation", "exportations"), "E"),
    **dict.fromkeys(("i", "m", "imp", "import", "imports", "importation", "importations"), "I"),
}
_INTEGER = re.compile(r"\s*[+]?(\d+)(?:\.0*)?\s*")


def _missing(header: str) -> _BadValue:
    return _BadValue(f"valeur manquante dans la colonne « {header} »")


def _flow(raw: str, header: str) -> str:
    if not raw.strip():
        raise _missing(header)
    code = _FLOWS.get(header_key(raw))
    if code is None:
        raise _BadValue(
            f"flux « {raw.strip()} » inconnu dans la colonne « {header} » "
            "(attendu : E ou I, X ou M, Export ou Import)"
        )
    return code


def _integer(raw: str, header: str, what: str, low: int, high: int) -> int:
    match = _INTEGER.fullmatch(raw)
    if match is None:
        raise _BadValue(f"{what} « {raw.strip()} » invalide dans la colonne « {header} »")
    number = int(match.group(1))
    if not low <= number <= high:
        raise _BadValue(f"{what} « {raw.strip()} » hors de la plage {low}–{high}")
    return number


def _year(raw: str, header: str) -> int:
    if not raw.strip():
        raise _missing(header)
    return _integer(raw, header, "année", schema.MIN_YEAR, schema.MAX_YEAR)


def _month(raw: str, header: str) -> int | None:
    return _integer(raw, header, "mois", 1, 12) if raw.strip() else None


def _quarter(raw: str, header: str) -> int | None:
    return _integer(raw, header, "trimestre", 1, 4) if raw.strip() else None


_DEPT_CODE = re.compile(r"\d{1,3}|\d[AB]")
_CODE = re.compile(r"[0-9A-Z][0-9A-Z._-]{0,15}")


def _dept(raw: str, header: str) -> str:
    """A département of the reference (`1` -> `01`), or another code kept as such (goods the
    customs assign to no département): counted in France's totals, in no département's."""
    text = raw.strip().upper()
    if not text:
        raise _missing(header)
    code = refs.normalize_dept(text)
    if code is not None:
        return code
    if not _DEPT_CODE.fullmatch(text):
        raise _BadValue(f"département « {raw.strip()} » invalide dans la colonne « {header} »")
    return text.zfill(2)


def _code(raw: str, header: str) -> str:
    code = raw.strip().upper()
    if not code:
        raise _missing(header)
    if not _CODE.fullmatch(code):
        raise _BadValue(f"code « {raw.strip()} » invalide dans la colonne « {header} »")
    return code


def _optional_code(raw: str, header: str) -> str | None:
    return _code(raw, header).replace(".", "") if raw.strip() else None


_Problem = tuple[int, str]  # (row in the batch, message)


@dataclass
class _Recoded:
    """A dictionary column after converting each of its distinct values."""

    values: list[object]
    indices: pa.Array  # int32, no nulls
    problem: _Problem | None

    def numbers(self, kind: pa.DataType) -> pa.Array:
        return pa.array(self.values, type=kind).take(self.indices)

    def optional_codes(self) -> pa.Array:
        """Codes with nulls where the value was empty."""
        return pc.dictionary_encode(pa.array(self.values, pa.string()).take(self.indices))

    def codes(self) -> pa.DictionaryArray:
        if len(set(self.values)) == len(self.values):  # the usual case: nothing merges
            return pa.DictionaryArray.from_arrays(self.indices, pa.array(self.values, pa.string()))
        distinct, inverse = np.unique(np.array(self.values, dtype=object), return_inverse=True)
        indices = inverse.astype(np.int32)[self.indices.to_numpy()]
        return pa.DictionaryArray.from_arrays(indices, pa.array(distinct.tolist(), pa.string()))


def _as_codes(column: pa.Array) -> pa.DictionaryArray:
    """Dictionary-encoded text. A CSV column comes so (its dictionary holds exactly the values
    of its rows); Parquet and XLSX columns of any type are encoded here."""
    if column.type == CODES and column.null_count == 0:
        return column
    text = pc.fill_null(column.cast(pa.string()), "")
    return pc.dictionary_encode(text).cast(CODES)


def _recode(column: pa.Array, convert: Callable[[str, str], object], header: str) -> _Recoded:
    """Apply `convert` once per distinct value; the first row holding a bad value, if any."""
    codes = _as_codes(column)
    values: list[object] = []
    bad: dict[int, str] = {}
    for position, raw in enumerate(codes.dictionary.to_pylist()):
        try:
            values.append(convert(raw, header))
        except _BadValue as problem:
            values.append(None)
            bad[position] = str(problem)
    if not bad:
        return _Recoded(values, codes.indices, None)
    indices = codes.indices.to_numpy()
    row = int(np.flatnonzero(np.isin(indices, list(bad)))[0])
    return _Recoded(values, codes.indices, (row, bad[int(indices[row])]))


_SPACES = (" ", "\u00a0", "\u202f", "\u2009", "\t")
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_DOT_GROUPS = r"^[+-]?\d{1,3}(\.\d{3}){2,}$|^[+-]?\d{1,3}(\.\d{3})+,\d*$"  # 1.234.567 1.234,5
_COMMA_GROUPS = r"^[+-]?\d{1,3}(,\d{3}){2,}$|^[+-]?\d{1,3}(,\d{3})+\.\d*$"  # 1,234,567 1,234.5


def _cast_numbers(text: pa.Array) -> pa.Array | None:
    try:
        return pc.cast(text, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _without_spaces(text: pa.Array) -> pa.Array:
    characters = _characters(text)
    for space in _SPACES:
        if space.encode() in characters:
            text = pc.replace_substring(text, space, "")
    return text


def _regrouped(text: pa.Array) -> pa.Array:
    """Thousands separators removed: `1.234.567,5` and `1,234,567.5` -> `1234567.5`."""
    dots = pc.match_substring_regex(text, _DOT_GROUPS)
    commas = pc.match_substring_regex(text, _COMMA_GROUPS)
    european = pc.replace_substring(pc.replace_substring(text, ".", ""), ",", ".")
    english = pc.replace_substring(text, ",", "")
    plain = pc.replace_substring(text, ",", ".")
    return pc.if_else(dots, european, pc.if_else(commas, english, plain))


def _first_true(mask: pa.Array) -> int | None:
    index = pc.index(pc.fill_null(mask, False), True).as_py()
    return None if index < 0 else index


def _first_unparsable(text: pa.Array) -> int:
    index = _first_true(pc.invert(pc.match_substring_regex(text, _NUMBER)))
    if index is not None:
        return index
    for row, value in enumerate(text.to_pylist()):  # the regex and Arrow disagree: ask Arrow
        if _cast_numbers(pa.array([value])) is None:
            return row
    raise AssertionError("no unparsable value found")


def _characters(text: pa.Array) -> bytes:
    """The character data of a string array, to search with `in`: much faster than a match
    per value (a sliced array's buffer may hold more than its values: only a superset)."""
    data = text.buffers()[-1]
    return b"" if data is None else memoryview(data).tobytes()


def _parse_text_numbers(raw: pa.Array) -> tuple[pa.Array, int | None]:
    """Floats from `1234.5`, `1 234,5` (any space), `1.234.567,5`, `1,234.5`; first bad row.

    A lone comma or point is the decimal mark (`1,234` is 1.234). A failed cast costs as much
    as a successful one: look for commas before casting.
    """
    text = _without_spaces(raw)
    values = _cast_numbers(
        pc.replace_substring(text, ",", ".") if b"," in _characters(text) else text
    )
    if values is not None:
        return values, None
    text = _regrouped(text)
    values = _cast_numbers(text)
    if values is not None:
        return values, None
    return pa.nulls(len(raw), pa.float64()), _first_unparsable(text)


def _parse_values(
    column: pa.Array, header: str, scale: float, optional: bool = False
) -> tuple[pa.Array, _Problem | None]:
    """Floats times `scale`, and the first row whose value is missing (unless `optional`: an
    empty cell is then null), not a number or negative."""
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        values, unparsable = column.cast(pa.float64()), None
        raw = column
    else:
        raw = pc.fill_null(column.cast(pa.string()), "")
        empty = pc.equal(pc.utf8_trim_whitespace(raw), "") if optional else None
        values, unparsable = _parse_text_numbers(
            raw if empty is None else pc.if_else(empty, "0", raw)
        )
        if empty is not None:
            values = pc.if_else(empty, pa.scalar(None, pa.float64()), values)
    problems: list[_Problem] = []
    if unparsable is not None:
        missing: int | None = unparsable
    else:
        missing = None if optional else _first_true(pc.is_null(values))
    if missing is not None:
        text = "" if raw[missing].as_py() is None else str(raw[missing].as_py()).strip()
        message = (
            str(_missing(header))
            if not text
            else f"valeur « {text} » non numérique dans la colonne « {header} »"
        )
        problems.append((missing, message))
    else:
        infinite = _first_true(pc.invert(pc.is_finite(values)))
        if infinite is not None:
            text = str(raw[infinite].as_py()).strip()
            problems.append(
                (infinite, f"valeur « {text} » non numérique dans la colonne « {header} »")
            )
        negative = _first_true(pc.less(values, 0))
        if negative is not None:
            text = str(raw[negative].as_py()).strip()
            problems.append((negative, f"valeur négative « {text} » dans la colonne « {header} »"))
    if scale != 1.0:
        values = pc.multiply(values, scale)
    return values, min(problems, default=None)


Locate = Callable[[int, str], IngestError]  # (row in the batch, message) -> the error to raise


@dataclass
class RawBatch:
    """Rows as found in a file: one Arrow column per field present, before validation."""

    columns: dict[str, pa.Array]
    layout: Layout
    locate: Locate
    scale: float = 1.0  # euros per unit of the value column

    @property
    def num_rows(self) -> int:
        return len(next(iter(self.columns.values())))


@dataclass
class FileData:
    """A file's rows in canonical form, and the labels of the label files found with them."""

    name: str
    table: pa.Table
    labels: list[Label] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.table.num_rows


@dataclass(frozen=True)
class Label:
    """A row of a customs label file: a code's name over a validity period."""

    kind: str  # "product" (A129), "cpf4" or "country"
    code: str
    name: str
    start: str  # validity dates as `YYYY-MM-DD` (or as written when not a date; may be "")
    end: str


@dataclass
class ReadContext:
    """What reading a file needs beyond the file, and what it finds beside the data."""

    unit: str | None = None  # "eur" or "keur" chosen by the user, overriding the file's own
    labels: list[Label] = field(default_factory=list)
    budget: ZipBudget = field(default_factory=lambda: ZipBudget())  # the import's ZIP limits


def distinct_codes(column: pa.ChunkedArray) -> set[str]:
    """The values of a dictionary-encoded canonical column (each chunk's dictionary is exact)."""
    return {code for chunk in column.chunks for code in chunk.dictionary.to_pylist()}


_CODE_FIELDS: dict[str, Callable[[str, str], object]] = {
    "flow": _flow,
    "year": _year,
    "quarter": _quarter,
    "month": _month,
    "dept": _dept,
    "product": _code,
    "cpf4": _optional_code,
    "country": _code,
}


def _problems(raw: RawBatch) -> tuple[dict[str, _Recoded], list[tuple[int, int, str]]]:
    """Every column converted, and its first bad row: (row, column position, message)."""
    layout = raw.layout
    recoded: dict[str, _Recoded] = {}
    problems: list[tuple[int, int, str]] = []
    for name, convert in _CODE_FIELDS.items():
        if name in raw.columns:
            recoded[name] = _recode(raw.columns[name], convert, layout.headers[name])
            if recoded[name].problem is not None:
                row, message = recoded[name].problem
                problems.append((row, layout.positions[name], message))
    return recoded, problems


def canonical_batch(raw: RawBatch) -> pa.RecordBatch:
    """Validate and convert raw rows; raises the IngestError of the first bad row.

    A CPF4 column stands for the product when the file has no A129 column; a month gives its
    quarter when the file has no quarter column.
    """
    layout = raw.layout
    if "product" not in raw.columns and "cpf4" in raw.columns:
        # New dicts: the layout and its positions are shared by the batches of every part.
        layout = replace(
            layout,
            headers={**layout.headers, "product": layout.headers["cpf4"]},
            positions={**layout.positions, "product": layout.positions["cpf4"]},
        )
        raw = replace(raw, columns={**raw.columns, "product": raw.columns["cpf4"]}, layout=layout)
    recoded, problems = _problems(raw)
    measures = {}
    for name, scale, optional in (("value", raw.scale, False), ("mass", 1.0, True)):
        if name in raw.columns:
            measures[name], problem = _parse_values(
                raw.columns[name], layout.headers[name], scale, optional
            )
            if problem is not None:
                problems.append((problem[0], layout.positions[name], problem[1]))
    if problems:
        row, _, message = min(problems)
        raise raw.locate(row, message)
    nothing = {
        kind: pa.nulls(raw.num_rows, kind) for kind in (pa.int8(), pa.float64(), pa.string())
    }
    month = recoded["month"].numbers(pa.int8()) if "month" in recoded else nothing[pa.int8()]
    if "quarter" in recoded:
        quarter = recoded["quarter"].numbers(pa.int8())
    else:  # (month + 2) // 3, null where the month is
        quarter = pc.cast(pc.floor(pc.divide(pc.add(month, 2), 3.0)), pa.int8())
    cpf4 = recoded["cpf4"].optional_codes() if "cpf4" in recoded else nothing[pa.string()]
    arrays = [
        recoded["year"].numbers(pa.int16()),
        quarter,
        month,
        recoded["flow"].codes(),
        recoded["dept"].codes(),
        recoded["product"].codes(),
        cpf4.cast(CODES),
        recoded["country"].codes(),
        measures["value"],
        measures.get("mass", nothing[pa.float64()]),
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=CANONICAL)


# ---------------------------------------------------------------------------------------------
# CSV and TXT.


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
    return _sniff_sample(sample, name)


def _sniff_sample(sample: bytes, name: str) -> TextFormat:
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


def _text_batches(
    path: Path, name: str, progress: FileProgress, in_archive: bool, context: ReadContext
) -> Iterator[pa.RecordBatch]:
    fmt = sniff_text(path, name)
    if fmt.labels:
        context.labels.extend(_label_rows(path, name, fmt))
        return
    layout = fmt.layout or match_header(fmt.header)
    if in_archive and not layout.positions and not _looks_like_data(path, fmt):
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


def _looks_like_data(source: TextSource, fmt: TextFormat) -> bool:
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


def _label_rows(source: TextSource, name: str, fmt: TextFormat) -> Iterator[Label]:
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


# ---------------------------------------------------------------------------------------------
# Workbooks: XLSX (openpyxl) and Le Kiosque's XLS (xlrd), one header row per sheet.


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


def _workbook_batches(
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


# ---------------------------------------------------------------------------------------------
# Parquet.


def _parquet_batches(
    path: Path, name: str, progress: FileProgress, context: ReadContext
) -> Iterator[pa.RecordBatch]:
    try:
        parquet = pq.ParquetFile(path)
        header = parquet.schema_arrow.names
        layout = match_header(header)
        problem = missing_columns(layout, header)
        if problem:
            raise IngestError(name, None, problem)
        total = parquet.metadata.num_rows
        if total == 0:
            raise IngestError(name, None, NO_DATA)
        by_column = {header[position]: field for field, position in layout.positions.items()}
        scale = layout.value_scale(context.unit)
        done = 0
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=list(by_column)):
            columns = {by_column[c]: _decoded(batch.column(c)) for c in batch.schema.names}
            locate = _record_locator(name, done)
            yield canonical_batch(RawBatch(columns, layout, locate, scale))
            done += batch.num_rows
            progress(done / total)
    except (pa.ArrowException, OSError) as error:
        raise IngestError(name, None, f"fichier Parquet illisible ({error})") from None


def _record_locator(name: str, first: int) -> Locate:
    def locate(row: int, message: str) -> IngestError:
        return IngestError(name, first + row + 1, message, unit="enregistrement")

    return locate


def _decoded(column: pa.Array) -> pa.Array:
    """A Parquet dictionary column as plain values (its dictionary may hold unused values)."""
    return column.cast(column.type.value_type) if pa.types.is_dictionary(column.type) else column


# ---------------------------------------------------------------------------------------------
# ZIP, format detection, entry point.
#
# An archive's directory is checked before anything is read out of it (entries, paths, declared
# sizes, compression ratios), and what is read out is counted again while it is read: the limits
# of `config.ZipLimits` hold for the whole import, every archive and nested archive together.

OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 workbooks
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
COPY_BYTES = 1 << 20  # a member is copied to disk by chunks of this size
# A member this small is never refused for its compression ratio: a short, repetitive file may
# compress far beyond the limit and is harmless; the total size bounds many of them together.
RATIO_MIN_BYTES = 1 << 20
_CENTRAL_ENTRY = 46  # bytes of a central directory entry before its name, extra field, comment


@dataclass(frozen=True)
class _Words:
    """How the messages name a ZIP container: an archive, or an XLSX workbook (also a ZIP)."""

    too_big: str
    too_compressed: str
    too_many: str
    refused: str


_ARCHIVE = _Words(
    "archive trop volumineuse une fois décompressée",
    "archive trop compressée",
    "archive de trop de fichiers",
    "archive refusée",
)
_WORKBOOK = _Words(
    "classeur XLSX trop volumineux une fois décompressé",
    "classeur XLSX trop compressé",
    "classeur XLSX de trop de fichiers",
    "classeur XLSX refusé",
)


class ZipBudget:
    """What the ZIP containers of one import may still hold: entries, and bytes read out of
    them, counted over every archive, nested archive and workbook of the import."""

    def __init__(self, limits: config.ZipLimits | None = None) -> None:
        self.limits = limits or config.zip_limits()
        self.members = 0  # entries of the containers opened so far
        self.uncompressed = 0  # bytes read out of them so far (declared sizes for workbooks)

    def _scope(self, before: int, total: str) -> str:
        """`, 2,5 Go avec les fichiers déjà lus` when earlier containers count too."""
        return f", {total} avec les fichiers déjà lus" if before else ""

    def check_entries(self, count: int, capped: bool, name: str, words: _Words) -> None:
        """Refuse a container of `count` entries (at least, when `capped`) when the import may
        not hold that many more."""
        limit = self.limits.max_members
        if self.members + count <= limit:
            return
        found = f"plus de {_count(count - 1)}" if capped else _count(count)
        scope = self._scope(self.members, _count(self.members + count))
        message = f"{words.too_many} : {found}{scope} (limite : {_count(limit)})"
        raise IngestError(name, None, message)

    def check_directory(self, archive: zipfile.ZipFile, name: str, words: _Words) -> list[int]:
        """Refuse a container whose directory breaks a limit; else count its entries and return
        what each member (in directory order) may yield before its ratio is refused."""
        infos = archive.infolist()
        for info in infos:
            if _escapes(info.filename):
                raise IngestError(
                    name,
                    None,
                    f"{words.refused} : chemin « {info.filename[:200]} » hors de l'archive "
                    "(chemin absolu ou remontant avec « .. »)",
                )
        limits = self.limits
        declared = sum(info.file_size for info in infos)
        if self.uncompressed + declared > limits.max_uncompressed_bytes:
            scope = self._scope(self.uncompressed, config.size_text(self.uncompressed + declared))
            raise IngestError(
                name,
                None,
                f"{words.too_big} : {config.size_text(declared)}{scope} "
                f"(limite : {config.size_text(limits.max_uncompressed_bytes)})",
            )
        allowances: list[int] = []
        for info, compressed in zip(infos, _compressed_sizes(archive, infos), strict=True):
            allowance = max(int(limits.max_ratio * compressed), RATIO_MIN_BYTES)
            if info.file_size > allowance:
                ratio = _count(info.file_size / max(compressed, 1))
                raise IngestError(
                    name,
                    None,
                    f"{words.too_compressed} : « {info.filename[:200]} » se décompresse à "
                    f"{ratio}:1 (limite : {_count(limits.max_ratio)}:1)",
                )
            allowances.append(allowance)
        self.members += len(infos)
        return allowances


def _count(number: float) -> str:
    return formatting.number(number, 0)


def _escapes(filename: str) -> bool:
    """An absolute member path, or one climbing out of the archive with `..`."""
    path = filename.replace("\\", "/")
    absolute = path.startswith("/") or re.match(r"[A-Za-z]:", path) is not None
    return absolute or ".." in path.split("/")


_WORKBOOK_PARTS = frozenset({b"[Content_Types].xml", b"xl/workbook.xml"})


def _directory_summary(path: Path, cap: int) -> tuple[int, bool]:
    """How many entries a ZIP's central directory holds (`cap` at most) and whether it is an
    XLSX workbook, read from the entries' headers before zipfile builds an object for each: a
    directory of millions of tiny entries would take gigabytes of memory.

    (0, False) when the directory cannot be found: zipfile then says why the file is unreadable.
    """
    with open(path, "rb") as handle:
        try:
            end = zipfile._EndRecData(handle)  # type: ignore[attr-defined]
        except (OSError, zipfile.BadZipFile, struct.error):
            end = None
        if not end:
            return 0, False
        size = end[zipfile._ECD_SIZE]  # type: ignore[attr-defined]
        start = end[zipfile._ECD_LOCATION] - size  # type: ignore[attr-defined]
        if end[zipfile._ECD_SIGNATURE] == zipfile.stringEndArchive64:  # type: ignore[attr-defined]
            start -= zipfile.sizeEndCentDir64 + zipfile.sizeEndCentDir64Locator  # type: ignore[attr-defined]
        if start < 0:
            return 0, False
        handle.seek(start)
        count = read = 0
        parts: set[bytes] = set()
        while read < size and count < cap:
            head = handle.read(_CENTRAL_ENTRY)
            if len(head) < _CENTRAL_ENTRY or not head.startswith(b"PK\x01\x02"):
                break
            name_size, extra_size, comment_size = struct.unpack_from("<3H", head, 28)
            entry_name = handle.read(name_size)
            if entry_name in _WORKBOOK_PARTS:
                parts.add(entry_name)
            handle.seek(extra_size + comment_size, io.SEEK_CUR)
            read += _CENTRAL_ENTRY + name_size + extra_size + comment_size
            count += 1
    return count, parts == _WORKBOOK_PARTS


def _compressed_sizes(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> list[int]:
    """Each member's compressed size, as the archive's layout bounds it: its data lies between
    its header and the next header (or the directory), whatever size the directory declares
    (a directory claiming a large compressed size would hide a member's true ratio)."""
    end = getattr(archive, "start_dir", None)
    offsets = sorted({info.header_offset for info in infos})
    sizes = []
    for info in infos:
        after = bisect.bisect_right(offsets, info.header_offset)
        following = offsets[after] if after < len(offsets) else end
        extent = info.compress_size if following is None else following - info.header_offset
        sizes.append(max(min(info.compress_size, extent), 0))
    return sizes


@dataclass
class _Meter:
    """The bytes read out of one member, over every pass, counted against the import's budget
    while they are read (declared sizes can lie)."""

    budget: ZipBudget
    archive: str  # the archive's name, for the messages
    member: str  # the member's path in the archive
    allowance: int  # what it may yield before its compression ratio is refused
    seen: int = 0  # the furthest any pass has read

    def reached(self, position: int) -> None:
        """A pass has read `position` bytes of the member: refuse it past a limit."""
        if position <= self.seen:
            return
        self.budget.uncompressed += position - self.seen
        self.seen = position
        limits = self.budget.limits
        if self.budget.uncompressed > limits.max_uncompressed_bytes:
            raise IngestError(
                self.archive,
                None,
                f"{_ARCHIVE.too_big} : limite de "
                f"{config.size_text(limits.max_uncompressed_bytes)} dépassée à la lecture de "
                f"« {self.member[:200]} »",
            )
        if position > self.allowance:
            raise IngestError(
                self.archive,
                None,
                f"{_ARCHIVE.too_compressed} : « {self.member[:200]} » dépasse "
                f"{_count(limits.max_ratio)}:1 à la lecture",
            )


class _MemberStream(io.RawIOBase):
    """A member of an archive read as a stream, every byte counted by its meter."""

    def __init__(self, source: IO[bytes], meter: _Meter) -> None:
        super().__init__()
        self._source = source
        self._meter = meter
        self._position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._source.read(len(buffer))
        self._position += len(data)
        self._meter.reached(self._position)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._source.close()
        super().close()


@contextlib.contextmanager
def _member_errors(member: str) -> Iterator[None]:
    """zipfile's errors on a member, as the IngestError that names it."""
    try:
        yield
    except NotImplementedError as error:  # a compression method zipfile lacks
        raise IngestError(member, None, f"fichier de l'archive illisible ({error})") from None
    except RuntimeError:  # an encrypted member
        raise IngestError(member, None, "fichier protégé par un mot de passe") from None
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as error:
        raise IngestError(member, None, f"fichier de l'archive illisible ({error})") from None


EXTRACT_PREFIX = "comext-extract-"


def extract_prefix(pid: int | None = None) -> str:
    """The prefix of the temporary folders a process extracts members to: its process id says
    whose they are, so that those of a process that was killed can be removed
    (`ingest.remove_stale_staging`)."""
    return f"{EXTRACT_PREFIX}{os.getpid() if pid is None else pid}-"


def _is_data_member(info: zipfile.ZipInfo) -> bool:
    parts = Path(info.filename).parts
    hidden = any(p.startswith(".") or p == "__MACOSX" for p in parts)
    return not info.is_dir() and not hidden and info.filename.lower().endswith(DATA_SUFFIXES)


@dataclass
class _Container:
    """An open ZIP container whose directory passed the checks."""

    archive: zipfile.ZipFile
    allowances: list[int]  # per member in directory order: what it may yield (its ratio)
    workbook: bool  # an XLSX workbook rather than an archive of files


def _open_container(path: Path, name: str, budget: ZipBudget) -> _Container:
    """A ZIP container opened once its directory is within the import's limits (entries,
    paths, declared sizes, compression ratios). Nothing is read out of it yet."""
    cap = 10 * budget.limits.max_members + 1
    count, workbook = _directory_summary(path, cap)
    words = _WORKBOOK if workbook else _ARCHIVE
    budget.check_entries(count, count >= cap, name, words)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise IngestError(name, None, f"archive ZIP illisible ({error})") from None
    try:
        budget.check_entries(len(archive.infolist()), False, name, words)
        allowances = budget.check_directory(archive, name, words)
    except BaseException:
        archive.close()
        raise
    return _Container(archive, allowances, workbook)


def _zip_batches(
    container: _Container, name: str, progress: FileProgress, depth: int, context: ReadContext
) -> Iterator[pa.RecordBatch]:
    archive = container.archive
    found = False
    with archive, tempfile.TemporaryDirectory(prefix=extract_prefix()) as folder:
        infos = archive.infolist()
        members = [(i, info) for i, info in enumerate(infos) if _is_data_member(info)]
        total = max(sum(info.file_size for _, info in members), 1)
        done = 0
        for index, info in members:
            member = f"{name}/{info.filename}"
            meter = _Meter(context.budget, name, info.filename, container.allowances[index])
            if not _streamed(archive, info, member, meter, context):
                target = Path(folder) / f"{index}{Path(info.filename).suffix.lower()}"
                _extract(archive, info, target, member, meter)

                def scaled(fraction: float, done: int = done, size: int = info.file_size) -> None:
                    progress((done + fraction * size) / total)

                for batch in _batches(target, member, scaled, depth + 1, context):
                    found = True
                    yield batch
                target.unlink()
            done += info.file_size
    if not found:
        raise IngestError(
            name, None, f"l'archive ne contient aucun fichier de données ({FORMATS_FR})"
        )


def _streamed(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    member: str,
    meter: _Meter,
    context: ReadContext,
) -> bool:
    """True when a member was dealt with from the archive's stream, never written to disk: a
    label file (its rows read as they are decompressed) or a notice (skipped). Data files,
    workbooks, Parquet files and nested archives are extracted (see the module docstring)."""

    def reopen() -> IO[bytes]:
        with _member_errors(member):
            source = archive.open(info)
        return io.BufferedReader(_MemberStream(source, meter), SAMPLE_BYTES)

    with _member_errors(member):
        with reopen() as stream:
            sample = stream.read(SAMPLE_BYTES)
        if _head_kind(sample) != "text":
            return False
        fmt = _sniff_sample(sample, member)
        if fmt.labels:
            context.labels.extend(_label_rows(reopen, member, fmt))
            return True
        layout = fmt.layout or match_header(fmt.header)
        return not layout.positions and not _looks_like_data(reopen, fmt)


def _extract(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, member: str, meter: _Meter
) -> None:
    """Copy a member to `target` by chunks, each counted before it is written: the copy stops
    as soon as a limit is passed, and the partial file is deleted."""
    try:
        with _member_errors(member), archive.open(info) as source, open(target, "wb") as sink:
            position = 0
            while chunk := source.read(COPY_BYTES):
                position += len(chunk)
                meter.reached(position)
                sink.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def _head_kind(head: bytes) -> str | None:
    """`parquet`, `xls` or `text` from a file's first bytes; None for a ZIP container (an
    archive or an XLSX workbook: its directory tells which)."""
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(OLE_MAGIC):
        return "xls"
    if head.startswith(ZIP_MAGICS):
        return None
    return "text"


def _batches(
    path: Path, name: str, progress: FileProgress, depth: int, context: ReadContext
) -> Iterator[pa.RecordBatch]:
    """Canonical batches of one file; `depth` counts the ZIP archives it was found in."""
    with open(path, "rb") as handle:
        kind = _head_kind(handle.read(8))
    if kind is None:
        container = _open_container(path, name, context.budget)
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
            yield from _zip_batches(container, name, progress, depth, context)
            return
    if kind in ("xls", "xlsx"):
        yield from _workbook_batches(path, name, progress, depth > 0, context, kind)
    elif kind == "parquet":
        yield from _parquet_batches(path, name, progress, context)
    else:
        yield from _text_batches(path, name, progress, depth > 0, context)


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
