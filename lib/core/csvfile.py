"""The one CSV dialect of the project: every CSV file the explorer writes goes through here.

UTF-8, comma-separated, `.` decimals, full precision, `\n` line ends, minimal quoting, a header
row. A text cell that a spreadsheet would read as a formula (`=…`, `+…`, `-…`, `@…`, tab,
carriage return; see lib.core.escaping.is_formula_like) is written with a leading single quote, and
quoted (OWASP's advice against CSV injection).
"""

from __future__ import annotations

import math

import pandas as pd

from lib.core import escaping


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The one CSV dialect of the project: UTF-8, comma, `.` decimals, full precision, `\n`
    line ends, minimal quoting; formula-like text cells neutralised (see the module docstring).

    Numbers are written as pandas writes them (each numeric column goes through `to_csv`), text
    cells by `_csv_field`, the one place where a cell is neutralised.
    """
    columns = [_column_fields(frame[name]) for name in frame.columns]
    header = ",".join(_csv_field(str(name)) for name in frame.columns)
    lines = [header] + [",".join(row) for row in zip(*columns, strict=True)]
    if len(frame.columns) == 1:  # as the csv module: a lone empty field is written ""
        lines = [line if line else '""' for line in lines]
    return "".join(line + "\n" for line in lines).encode("utf-8")


def _column_fields(column: pd.Series) -> list[str]:
    """The CSV fields of one column: text neutralised and quoted as needed, numbers as pandas
    writes them, missing values empty."""
    types = pd.api.types
    if types.is_numeric_dtype(column) or types.is_datetime64_any_dtype(column):
        written = column.to_frame().to_csv(index=False, header=False, lineterminator="\n")
        return [field if field != '""' else "" for field in written.split("\n")[:-1]]
    return ["" if _missing(value) else _csv_field(str(value)) for value in column.tolist()]


def _missing(value: object) -> bool:
    return (
        value is None
        or value is pd.NA
        or value is pd.NaT
        or (isinstance(value, float) and math.isnan(value))
    )


def _csv_field(cell: str) -> str:
    """One text cell: a formula-like cell gets a leading quote and is quoted (OWASP); any other
    is quoted only when it holds a comma, a double quote or a line break."""
    if escaping.is_formula_like(cell):
        return '"' + escaping.neutralised(cell).replace('"', '""') + '"'
    if any(char in cell for char in ',"\n\r'):
        return '"' + cell.replace('"', '""') + '"'
    return cell
