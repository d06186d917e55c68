"""Numbers of a table as French text, for a grid that cannot format them in French.

Streamlit's grid formats numbers with printf (no thousands separator, a decimal point) or in
the browser's locale (`1,773,500` in an English browser), shows an empty cell as `None`, and
an int16 year in some rows as `…00000000`. `french_text` gives it text instead: every number
as lib.core.formatting writes it (`1 773 500`), a year as its four digits, an empty cell as an
empty string. Each column is padded on the left with spaces to its longest value: a
right-aligned column looks the same, and sorting it as text sorts its non-negative numbers by
value (a space sorts before a digit both by code point and in the grid's `localeCompare`,
checked in Chromium; the thousands separators of two values of equal length line up).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from lib.core import formatting

PAD = " "
PLAIN = None  # digits as they are (years, quarters, months): no thousands separator


def cell_text(value: object, decimals: int | None) -> str:
    """One cell: `""` when empty, else the number in French (`decimals`) or plain digits."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if decimals is PLAIN:
        return str(int(value))  # type: ignore[call-overload]
    return formatting.number(float(value), decimals)  # type: ignore[arg-type]


def french_text(frame: pd.DataFrame, columns: Mapping[str, int | None]) -> pd.DataFrame:
    """A copy of `frame` whose `columns` (name → decimals, or PLAIN) are text, padded to align,
    and whose other empty cells are empty strings."""
    out = frame.copy()
    for name in frame.columns:
        if name not in columns and frame[name].isna().any():
            out[name] = frame[name].astype(object).where(frame[name].notna(), "")
    for name, decimals in columns.items():
        texts = [cell_text(value, decimals) for value in frame[name].tolist()]
        out[name] = pd.Series(padded(texts), index=frame.index, dtype=object)
    return out


def padded(texts: Sequence[str]) -> list[str]:
    """The numbers of one column, as text, padded on the left to the longest (empty ones stay
    empty): aligned, and sorted by value as text when none is negative."""
    width = max((len(text) for text in texts), default=0)
    return [text.rjust(width, PAD) if text else "" for text in texts]
