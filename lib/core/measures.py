"""The key figures derived from trade totals, written once: balance, coverage, shares.

Every page, chart, CSV and the fiche derive them here, so that one zero guard holds everywhere:
a percentage of nothing is undefined (NaN, an empty CSV field, « — » on screen), never 0 nor ∞.
This is the CSV contract of docs/DATA.md: `coverage_pct` is « 100·exports/imports, empty when
imports are 0 », and every `*_share_*_pct` is empty when its whole is 0.

Each function takes plain floats or pandas Series (a frame's columns, aligned on their index) and
keeps the arithmetic of `100 * part / whole` in that order, so the figures are the same to the
last bit wherever they are computed.
"""

from __future__ import annotations

import math
from typing import overload

import pandas as pd


@overload
def percent(part: float, whole: float) -> float: ...
@overload
def percent(part: float, whole: pd.Series[float]) -> pd.Series[float]: ...
@overload
def percent(part: pd.Series[float], whole: pd.Series[float] | float) -> pd.Series[float]: ...
def percent(
    part: float | pd.Series[float], whole: float | pd.Series[float]
) -> float | pd.Series[float]:
    """100 × part / whole: a share of a whole, a rate; NaN where the whole is 0."""
    if isinstance(whole, pd.Series):
        return 100 * part / whole.where(whole != 0)
    if whole == 0:
        return part * math.nan if isinstance(part, pd.Series) else math.nan
    return 100 * part / whole


@overload
def balance(exports: float, imports: float) -> float: ...
@overload
def balance(exports: pd.Series[float], imports: pd.Series[float]) -> pd.Series[float]: ...
def balance(
    exports: float | pd.Series[float], imports: float | pd.Series[float]
) -> float | pd.Series[float]:
    """Exports − imports: the trade balance, negative for a deficit."""
    return exports - imports


@overload
def coverage(exports: float, imports: float) -> float: ...
@overload
def coverage(exports: pd.Series[float], imports: pd.Series[float]) -> pd.Series[float]: ...
def coverage(
    exports: float | pd.Series[float], imports: float | pd.Series[float]
) -> float | pd.Series[float]:
    """The coverage rate, 100 × exports / imports; NaN without imports."""
    return percent(exports, imports)


def with_key_figures(
    frame: pd.DataFrame, national_exports: float, national_imports: float
) -> pd.DataFrame:
    """`frame` (columns exports_eur, imports_eur) with balance_eur, coverage_pct and both shares
    of the national totals (exports_share_national_pct, imports_share_national_pct), in that
    order, added in place and returned."""
    exports, imports = frame["exports_eur"], frame["imports_eur"]
    frame["balance_eur"] = balance(exports, imports)
    frame["coverage_pct"] = coverage(exports, imports)
    frame["exports_share_national_pct"] = percent(exports, national_exports)
    frame["imports_share_national_pct"] = percent(imports, national_imports)
    return frame
