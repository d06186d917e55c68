"""What an import is checked against before anything is written.

- Units: each (year, flow) total of a territory whose total the seed fiches publish is set
  against the published figure; a total off by a factor near 1 000 is a probable unit error
  (values in thousands of euros read as euros, or the reverse).
- Codes: products, CPF4 and countries known neither to the reference tables nor to the label
  files read with the data are kept as they are, and counted.
- Départements: rows of a code outside the 101 départements are kept (they count in France's
  totals only) and counted.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import duckdb
import pandas as pd

from lib.core import config, flows, formatting, periods, refs
from lib.core.schema import QUARTERS

PUBLISHED_FILE = "published_totals_2024.csv"
UNIT_FACTOR = 1000.0
# A ratio within this factor of 1 000 (or of 1/1 000) is flagged: the seed's published totals
# are rounded to 0.1 M€ and a file may miss a few rows, but not half of them.
UNIT_TOLERANCE = 2.0
LISTED_CODES = 20  # unknown codes listed by name in a warning


@cache
def published_totals() -> pd.DataFrame:
    """The totals published in the seed fiches: level, code, name, year, exports/imports (M€)."""
    frame = pd.read_csv(
        config.REF_DIR / PUBLISHED_FILE, dtype=str, keep_default_na=False, na_filter=False
    )
    frame["year"] = frame["year"].astype(int)
    return frame


def _depts_of(level: str, code: str) -> list[str] | None:
    """The départements a published territory covers (None: every row, France)."""
    if level == "france":
        return None
    return [code] if level == "dept" else refs.depts_of_region(code)


@dataclass(frozen=True)
class UnitWarning:
    """A total off by a factor near 1 000 from the published one."""

    territory: str
    year: int
    flow: str
    imported_eur: float
    published_eur: float

    @property
    def ratio(self) -> float:
        return self.imported_eur / self.published_eur

    @property
    def message(self) -> str:
        unit = (
            "en milliers d'euros lues comme des euros"
            if self.ratio < 1
            else ("en euros lues comme des milliers d'euros")
        )
        option = "keur" if self.ratio < 1 else "eur"
        return (
            f"Unité probablement erronée : {flows.flow_of(self.flow).plural} {self.year} de "
            f"{self.territory} : {formatting.meur(self.imported_eur)} dans les fichiers contre "
            f"{formatting.meur(self.published_eur)} publiés (rapport ≈ "
            f"{_ratio_text(self.ratio)}) ; valeurs {unit} ? Choisissez l'unité "
            f"« {option} » (option --unit {option})."
        )


def _ratio_text(ratio: float) -> str:
    return f"1/{formatting.number(1 / ratio, 0)}" if ratio < 1 else formatting.number(ratio, 0)


def _near_thousand(ratio: float) -> bool:
    if not ratio or not math.isfinite(ratio):
        return False
    distance = abs(math.log(abs(ratio))) - math.log(UNIT_FACTOR)
    return abs(distance) <= math.log(UNIT_TOLERANCE)


def unit_warnings(
    con: duckdb.DuckDBPyConnection, relation: str, coverage: Mapping[tuple[int, str], Sequence[int]]
) -> list[UnitWarning]:
    """Published territories whose imported total is off by a factor near 1 000.

    `coverage` gives the quarters each imported (year, flow) holds (() for annual data): a
    partial year is compared with the same share of the published annual total.
    """
    # One scan: totals per (year, flow, département); territories are sums of these.
    totals: dict[tuple[int, str], dict[str, float]] = {}
    for year, flow, dept, value in con.execute(
        f"SELECT year, flow, dept, sum(value_eur) FROM {relation} GROUP BY ALL"
    ).fetchall():
        totals.setdefault((int(year), flow), {})[dept] = float(value or 0.0)
    warnings = []
    for row in published_totals().to_dict("records"):
        for flow, column in ((f.code, f"{f.key}_meur") for f in flows.FLOWS):
            by_dept = totals.get((row["year"], flow))
            if by_dept is None or not row[column]:
                continue
            quarters = coverage.get((row["year"], flow)) or QUARTERS
            published = float(row[column]) * 1e6 * len(quarters) / len(QUARTERS)
            depts = _depts_of(row["level"], row["code"])
            present = [d for d in (by_dept if depts is None else depts) if d in by_dept]
            total = math.fsum(by_dept[d] for d in present)
            if present and _near_thousand(total / published):
                warnings.append(UnitWarning(row["name"], row["year"], flow, total, published))
    return warnings


def unknown_codes(codes: Iterable[str], is_known: Callable[[str], bool]) -> list[str]:
    return sorted(code for code in codes if code is not None and not is_known(code))


def list_codes(codes: Sequence[str], limit: int = LISTED_CODES) -> str:
    """`A, B, C` — or the first `limit` codes then `… et N autres`."""
    shown = ", ".join(codes[:limit])
    rest = len(codes) - limit
    return shown if rest <= 0 else f"{shown}… et {_count(rest)} autre{'s' if rest > 1 else ''}"


def _count(number: int) -> str:
    return formatting.number(number, decimals=0)


def unknown_codes_warning(codes: list[str], kind: str, reference: str) -> str | None:
    if not codes:
        return None
    plural = "s" if len(codes) > 1 else ""
    return (
        f"{_count(len(codes))} code{plural} {kind} inconnu{plural} {reference}, "
        f"importé{plural} tel{plural} quel{plural} : {list_codes(codes)}."
    )


@dataclass(frozen=True)
class Unassigned:
    """Rows of département codes outside the reference: in France's totals only."""

    codes: tuple[str, ...]
    rows: int
    value_eur: float

    @property
    def message(self) -> str | None:
        if not self.rows:
            return None
        plural = "s" if len(self.codes) > 1 else ""
        return (
            f"{_count(self.rows)} ligne{'s' if self.rows > 1 else ''} "
            f"({formatting.meur(self.value_eur)}) pour le{plural} code{plural} "
            f"département {list_codes(list(self.codes))} hors des 101 départements : "
            "comptée(s) dans les totaux de la France, dans aucun département ni région."
        )


def unassigned(con: duckdb.DuckDBPyConnection, relation: str) -> Unassigned:
    codes = [
        code
        for (code,) in con.execute(f"SELECT DISTINCT dept FROM {relation} ORDER BY 1").fetchall()
        if not refs.is_dept(code)
    ]
    if not codes:
        return Unassigned((), 0, 0.0)
    rows, value = con.execute(
        f"SELECT count(*), sum(value_eur) FROM {relation} WHERE dept IN (SELECT unnest(?))",
        [codes],
    ).fetchone() or (0, 0.0)
    return Unassigned(tuple(codes), int(rows), float(value or 0.0))


def coverage_text(quarters: Sequence[int]) -> str:
    """`T1–T2`, or `année` for annual data, or `T1–T4`."""
    if not quarters:
        return "année"
    return periods.quarters_text(quarters) or "T1–T4"
