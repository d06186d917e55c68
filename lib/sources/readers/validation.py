"""Validation and conversion of raw columns into the canonical ones of `lib.core.schema`.

Every format's reader hands its rows over as a `RawBatch` (one Arrow column per field found);
`canonical_batch` checks them, vectorised (a column's distinct values are checked once, numbers
are parsed by Arrow casts), and raises the `IngestError` of the first bad row, located by the
reader that knows where the row came from.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from lib.core import refs, schema
from lib.sources.readers.errors import IngestError
from lib.sources.readers.headers import Layout, header_key

CODES = pa.dictionary(pa.int32(), pa.string())  # codes repeat: dictionary-encoded
_ARROW_TYPES = {
    "SMALLINT": pa.int16(),
    "TINYINT": pa.int8(),
    "VARCHAR": CODES,
    "DOUBLE": pa.float64(),
}
CANONICAL = pa.schema([(name, _ARROW_TYPES[kind]) for name, kind in schema.COLUMNS.items()])


class _BadValue(ValueError):
    """A cell value that fails validation; its text is the French explanation."""


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
            problem = recoded[name].problem
            if problem is not None:
                row, message = problem
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
