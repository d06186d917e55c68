"""Évolution: a territory's trade year by year, beside its région and France, and what drove the
change between two years.

Every number of the Évolution page: DuckDB queries over the aggregate views (lib/data/db.py), every
value bound as a parameter. Values in euros, percentages 0–100, all unrounded.

- series: exports, imports and balance per year and scope (the territory, its région for a
  département, France), the previous year on the same quarters, the growth rate, and an index
  (base 100 on a whole year). A partial year (fewer quarters, lib.core.periods) is compared with the
  same quarters of the year before; its index extends the previous year's by that growth
  (a partial year's value alone is not comparable with a whole base year).
- average_growth: the average annual growth rate between the first and last whole years.
- contributions: each partner's or product's change between two years and its contribution to
  the growth rate (percentage points); they sum to the territory's total change (change_total).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, cast

import pandas as pd

from lib.core import flows, measures, periods, refs
from lib.core.flows import Flow
from lib.core.schema import QUARTERS
from lib.core.territory import FRANCE, Territory
from lib.data import cache, db, queries

By = Literal["country", "product"]
FLOW_KEYS = tuple(flow.key for flow in flows.FLOWS)  # `exports`, `imports`


class NotComparable(ValueError):
    """Two years whose quarters cannot be matched (French message)."""


def scopes(territory: Territory) -> list[tuple[str, Territory]]:
    """The territory, its région (a département's only) and France (unless it is France)."""
    found = [("territory", territory)]
    if territory.level == "dept" and territory.region is not None:
        found.append(("region", territory.region))
    return found + ([("france", FRANCE)] if territory != FRANCE else [])


def whole_years() -> list[int]:
    """The years of the dataset that cover four quarters (an index base must be one)."""
    return [year for year in queries.available_years() if queries.year_quarters(year) == QUARTERS]


# --- Year-by-year series -------------------------------------------------------------------


def _quarterly_totals(territory: Territory) -> pd.DataFrame:
    """`year, quarter, flow, <scope>…`: every scope's totals per year, quarter (NULL for annual
    data) and flow, in one scan of trade_totals."""
    columns: list[str] = []
    params: list[object] = []
    for scope, place in scopes(territory):
        where, place_params = queries.dept_filter(place)
        columns.append(f"coalesce(sum(value_eur) FILTER (WHERE {where}), 0) AS {scope}")
        params += place_params
    return queries.fetch_frame(
        f"SELECT year, quarter, flow, {', '.join(columns)} FROM trade_totals GROUP BY ALL",
        params,
    )


def _sum_on(totals: pd.DataFrame, year: int, quarters: tuple[int, ...] | None) -> pd.Series:
    """Per flow code and scope, the year's sum on `quarters` (all rows for a whole year)."""
    rows = totals[totals["year"] == year]
    if quarters != QUARTERS:
        rows = rows[rows["quarter"].isin(quarters or ())]
    # One column per scope: stacking them gives one value per (flow, scope).
    return cast(
        "pd.Series[float]", rows.drop(columns=["year", "quarter"]).groupby("flow").sum().stack()
    )


def _year_rows(totals: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per (scope, flow code): the year's value and the previous year's on the same quarters."""
    comparable = queries.comparable_quarters(year)
    current = _sum_on(totals, year, QUARTERS)
    previous = _sum_on(totals, year - 1, comparable) if comparable else None
    frame = current.rename("value").to_frame()
    frame["prev"] = previous if previous is not None else math.nan
    frame.index.names = ["flow", "scope"]
    return frame.reset_index()


@cache.cached
def series(territory: Territory, base: int) -> pd.DataFrame:
    """One row per scope and year: `scope, code, name, year, period, partial, exports_eur,
    imports_eur, balance_eur, exports_prev_eur, imports_prev_eur, exports_growth_pct,
    imports_growth_pct, exports_index, imports_index`.

    `period` is the year as users read it (`2025 (T1–T2)`); `*_prev_eur` the previous year on
    the same quarters (NaN when it cannot be compared); growth NaN when that is 0; the index is
    100 × value ÷ the base year's, a partial year's the previous index × (1 + growth).
    """
    totals = _quarterly_totals(territory)
    years = sorted(int(year) for year in totals["year"].unique())
    if not years:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    long = pd.concat([_year_rows(totals, year).assign(year=year) for year in years])
    long["flow"] = long["flow"].map(lambda code: flows.flow_of(code).key)
    wide = long.pivot_table(index=["scope", "year"], columns="flow", values=["value", "prev"])
    records = []
    for scope, place in scopes(territory):
        for year in years:
            records.append(_series_record(wide, scope, place, year))
    frame = pd.DataFrame.from_records(records, columns=SERIES_COLUMNS[:9])
    for key in FLOW_KEYS:
        frame[f"{key}_prev_eur"] = [_cell(wide, ("prev", key), s, y) for s, y in _keys(frame)]
    for key in FLOW_KEYS:
        prev = frame[f"{key}_prev_eur"]
        frame[f"{key}_growth_pct"] = measures.percent(frame[f"{key}_eur"] - prev, prev)
    for key in FLOW_KEYS:
        frame[f"{key}_index"] = _index(frame, key, base)
    return frame


SERIES_COLUMNS = [
    "scope", "code", "name", "year", "period", "partial",
    "exports_eur", "imports_eur", "balance_eur",
    "exports_prev_eur", "imports_prev_eur",
    "exports_growth_pct", "imports_growth_pct", "exports_index", "imports_index",
]  # fmt: skip


def _keys(frame: pd.DataFrame) -> list[tuple[str, int]]:
    return list(zip(frame["scope"], frame["year"], strict=True))


def _cell(wide: pd.DataFrame, column: tuple[str, str], scope: str, year: int) -> float:
    try:
        value = wide.at[(scope, year), column]
    except KeyError:
        return 0.0 if column[0] == "value" else math.nan
    return float(value)  # type: ignore[arg-type]


def _series_record(
    wide: pd.DataFrame, scope: str, place: Territory, year: int
) -> tuple[object, ...]:
    quarters = queries.year_quarters(year)
    exports = _cell(wide, ("value", flows.EXPORT.key), scope, year)
    imports = _cell(wide, ("value", flows.IMPORT.key), scope, year)
    label = periods.year_label(year, quarters)
    partial = quarters != QUARTERS
    return (
        scope,
        place.code,
        place.name,
        year,
        label,
        partial,
        exports,
        imports,
        exports - imports,
    )


def _index(frame: pd.DataFrame, key: str, base: int) -> list[float]:
    """100 × value ÷ the base year's value (same scope); a partial year chained on the previous
    year's index by its growth on the same quarters."""
    out: list[float] = []
    bases = frame[frame["year"] == base].set_index("scope")[f"{key}_eur"]
    previous: dict[str, float] = {}
    for scope, value, partial, growth in zip(
        frame["scope"], frame[f"{key}_eur"], frame["partial"],
        frame[f"{key}_growth_pct"], strict=True,
    ):  # fmt: skip
        if partial:
            index = previous.get(scope, math.nan) * (1 + growth / 100)
        else:
            base_value = float(bases.get(scope, math.nan))
            index = measures.percent(value, base_value)
        previous[scope] = index
        out.append(index)
    return out


# --- Average annual growth -----------------------------------------------------------------


def average_growth(table: pd.DataFrame) -> pd.DataFrame:
    """`scope, code, name, flow, first_year, last_year, first_eur, last_eur,
    average_growth_pct` per scope and flow, from series' rows: between the first and the last
    whole years, ((last ÷ first)^(1/years) − 1) × 100; NaN without two whole years or with a
    first value ≤ 0."""
    whole = table[~table["partial"].astype(bool)]
    records = []
    for (scope, code, name), rows in whole.groupby(["scope", "code", "name"], sort=False):
        rows = rows.sort_values("year")
        first, last = rows.iloc[0], rows.iloc[-1]
        span = int(last["year"]) - int(first["year"])
        for flow in flows.FLOWS:
            start, end = float(first[f"{flow.key}_eur"]), float(last[f"{flow.key}_eur"])
            rate = _annual_rate(start, end, span)
            records.append(
                (scope, code, name, flow.name, int(first["year"]), int(last["year"]), start,
                 end, rate)
            )  # fmt: skip
    columns = ["scope", "code", "name", "flow", "first_year", "last_year", "first_eur",
               "last_eur", "average_growth_pct"]  # fmt: skip
    return pd.DataFrame(records, columns=columns)


def _annual_rate(start: float, end: float, years: int) -> float:
    if years <= 0 or start <= 0 or end < 0:
        return math.nan
    return float(100 * ((end / start) ** (1 / years) - 1))


# --- What drove the change between two years ---------------------------------------------


def common_quarters(start: int, end: int) -> tuple[int, ...]:
    """The quarters on which two years of the dataset are compared: all four for two whole
    years, a partial year's quarters when the other holds them quarter by quarter."""
    manifest = db.manifest()
    found = None
    if manifest is not None:
        found = manifest.comparable_quarters(end, start) or manifest.comparable_quarters(start, end)
    if found is None:
        raise NotComparable(
            f"Les années {queries.year_label(start)} et {queries.year_label(end)} ne peuvent "
            "pas être comparées sur les mêmes trimestres."
        )
    return found


def _source(territory: Territory, quarters: tuple[int, ...]) -> tuple[str, str, list[object]]:
    """The relation to read for product × country values on `quarters`, with its predicate."""
    if quarters == QUARTERS:
        relation, where, params = queries.flows_source(territory)
        return relation, where, list(params)
    # Only the rows themselves hold the quarter with the product and the country.
    where, depts = queries.dept_filter(territory)
    return "trade", f"{where} AND list_contains(?::INTEGER[], quarter)", [*depts, list(quarters)]


@dataclass(frozen=True)
class Change:
    """A territory's flow between two years, on the quarters they share."""

    start_eur: float
    end_eur: float
    quarters: tuple[int, ...]

    @property
    def change_eur(self) -> float:
        return self.end_eur - self.start_eur

    @property
    def growth_pct(self) -> float:
        return measures.percent(self.change_eur, self.start_eur)


@cache.cached
def change_total(territory: Territory, flow: Flow | str, start: int, end: int) -> Change:
    """The flow's total in both years, from trade_totals (not from the partners' rows)."""
    quarters = common_quarters(start, end)
    where, params = queries.dept_filter(territory)
    every = quarters == QUARTERS
    first, last = queries.fetch_rows(
        f"""
        SELECT coalesce(sum(value_eur) FILTER (WHERE year = ?), 0),
               coalesce(sum(value_eur) FILTER (WHERE year = ?), 0)
        FROM trade_totals
        WHERE flow = ? AND {where} AND (? OR list_contains(?::INTEGER[], quarter))
        """,
        [start, end, flows.flow_of(flow).code, *params, every, list(quarters)],
    )[0]
    return Change(float(first), float(last), quarters)


@cache.cached
def contributions(
    territory: Territory, flow: Flow | str, start: int, end: int, by: By
) -> pd.DataFrame:
    """`code, name, start_eur, end_eur, change_eur, contribution_pct`, one row per partner
    country (`by="country"`) or A129 product with a value in either year; contribution_pct =
    100 × change ÷ the territory's total in `start` (percentage points of its growth, NaN when
    that total is 0). Ranked by change, largest rise first, then by code."""
    if by not in ("country", "product"):
        raise ValueError(f"unknown breakdown {by!r} (expected 'country' or 'product')")
    quarters = common_quarters(start, end)
    relation, where, params = _source(territory, quarters)
    frame = queries.fetch_frame(
        f"""
        SELECT {by} AS code,
               coalesce(sum(value_eur) FILTER (WHERE year = ?), 0) AS start_eur,
               coalesce(sum(value_eur) FILTER (WHERE year = ?), 0) AS end_eur
        FROM {relation}
        WHERE year IN (?, ?) AND flow = ? AND {where}
        GROUP BY {by}
        HAVING start_eur <> 0 OR end_eur <> 0
        """,
        [start, end, start, end, flows.flow_of(flow).code, *params],
    )
    frame["change_eur"] = frame["end_eur"] - frame["start_eur"]
    total = frame["start_eur"].sum()
    frame["contribution_pct"] = measures.percent(frame["change_eur"], total)
    frame = frame.sort_values(["change_eur", "code"], ascending=[False, True])
    name = refs.country_name if by == "country" else refs.product_name
    frame.insert(1, "name", frame["code"].map(name))
    return frame.reset_index(drop=True)
