"""Do DuckDB and pandas give the same answer? Frames, fiches (dicts of frames) and CSV files."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

RTOL = 1e-9  # sums of whole euros are exact; ratios may differ in the last bits
ATOL = 1e-6
MAX_MESSAGE = 400


def read_export(path: Path) -> pd.DataFrame:
    """An exported CSV as text columns, except the value, as a number."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if "valeur_eur" in frame:
        frame["valeur_eur"] = frame["valeur_eur"].astype(float)
    return frame


def difference(duck: Any, other: Any) -> str | None:
    """None when the two results agree (within tolerance), else what differs."""
    if isinstance(duck, dict) and isinstance(other, dict):
        return _dict_difference(duck, other)
    if isinstance(duck, pd.DataFrame) and isinstance(other, pd.DataFrame):
        return _frame_difference(duck, other)
    if isinstance(duck, float | int) and isinstance(other, float | int):
        same = math.isclose(duck, other, rel_tol=RTOL, abs_tol=ATOL)
        return None if same else f"{duck!r} != {other!r}"
    return None if duck == other else f"{duck!r} != {other!r}"


def _dict_difference(duck: dict[str, Any], other: dict[str, Any]) -> str | None:
    if set(duck) != set(other):
        return f"keys differ: {sorted(set(duck) ^ set(other))}"
    for key in duck:
        found = difference(duck[key], other[key])
        if found:
            return f"{key}: {found}"
    return None


def _normal(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers as float64, everything else as Python strings, a fresh 0..n-1 index."""
    out = frame.reset_index(drop=True).copy()
    for column in out.columns:
        if pd.api.types.is_numeric_dtype(out[column]) and not pd.api.types.is_bool_dtype(
            out[column]
        ):
            out[column] = out[column].astype("float64")
        else:
            out[column] = out[column].astype(str).astype(object)
    return out


def _frame_difference(duck: pd.DataFrame, other: pd.DataFrame) -> str | None:
    if list(duck.columns) != list(other.columns):
        return f"columns {list(duck.columns)} != {list(other.columns)}"
    if len(duck) != len(other):
        return f"{len(duck)} rows != {len(other)} rows"
    try:
        pd.testing.assert_frame_equal(
            _normal(duck), _normal(other), check_dtype=False, rtol=RTOL, atol=ATOL
        )
    except AssertionError as error:
        return " ".join(str(error).split())[:MAX_MESSAGE]
    return None
