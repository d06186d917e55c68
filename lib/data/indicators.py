"""« Situer le territoire »: where a territory stands among the others and against France.

- Ranks among the 101 départements (or the 18 régions) for exports, imports, balance and
  coverage rate, this year and the year before (the same quarters for a partial year, as
  `queries.comparable_quarters` decides; no comparison when it cannot be made). Rank 1 is the
  largest value; ties share the lower rank (pandas' method "min": two equal 3rd, next 5th). A
  territory absent from a year's data has no rank that year, nor a coverage rate without imports.
- Specialisation: the revealed comparative advantage (Balassa index) of each exported product
  against France, RCA_p = (X_tp / X_t) / (X_Fp / X_F), X being the year's exports (A129).
- Concentration: the Herfindahl-Hirschman index Σ s² (s: each partner country's or product's
  share of the flow, positive values only), in [0, 1], of the territory, of France and the
  median over the départements that have the flow.

One query per family over the aggregate views (trade_totals, trade_annual, trade_national);
every value is bound as a parameter, the territory already validated (lib.core.territory).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from lib.core import flows, formatting, measures, periods
from lib.core.flows import EXPORT, IMPORT
from lib.core.formatting import ordinal
from lib.core.schema import QUARTERS
from lib.core.sql import literal
from lib.core.territory import Level, Territory
from lib.data import cache, queries
from lib.data.queries import fetch_frame, flows_source

RANK_INDICATORS = ("exports_eur", "imports_eur", "balance_eur", "coverage_pct")
RANK_COLUMNS = ["indicator", "value", "rank", "of", "previous_rank", "change"]
BALASSA_COLUMNS = ["product", "exports_eur", "share_pct", "france_share_pct", "rca"]
CONCENTRATION_COLUMNS = [
    "dimension", "flow", "territory_hhi", "france_hhi", "median_dept_hhi",
]  # fmt: skip
DIMENSIONS = ("country", "product")  # partner countries, then products (A129)

# A product must weigh at least this share of the territory's exports to be among its strongest
# specialisations: otherwise a product exported for a few thousand euros by a territory (and
# hardly by France) would top the list with an index in the hundreds.
MIN_SPECIALISATION_SHARE_PCT = 0.5
STRONGEST = 5

# How each level's units are drawn from the reference table of départements (project constants).
_UNIT_COLUMN: dict[Level, str] = {"dept": "d.code", "region": "d.region_code"}


# ---------------------------------------------------------------------------------------------
# Ranks


def previous_quarters(year: int) -> tuple[int, ...] | None:
    """The quarters of `year - 1` the ranks are compared on (None: no comparison possible)."""
    return queries.comparable_quarters(year)


def previous_label(year: int) -> str | None:
    """`2023`, or `2024 (T1–T2)` for a partial year; None when no comparison is possible."""
    quarters = previous_quarters(year)
    return None if quarters is None else periods.year_label(year - 1, quarters)


def _unit_totals(level: Level, year: int, quarters: tuple[int, ...] | None) -> pd.DataFrame:
    """Exports and imports of every unit of the level, this year and the compared year (NaN
    for a unit absent from a year's data)."""
    unit = _UNIT_COLUMN[level]
    return fetch_frame(
        f"""
        WITH cur AS (
            SELECT dept, {flows.sums_sql()} FROM trade_totals WHERE year = ? GROUP BY dept
        ),
        prev AS (
            SELECT dept, {flows.sums_sql(suffix="_prev")}
            FROM trade_totals
            WHERE year = ? AND (? OR list_contains(?, quarter))
            GROUP BY dept
        )
        SELECT {unit} AS unit,
               sum(cur.exports_eur) AS exports_eur, sum(cur.imports_eur) AS imports_eur,
               sum(prev.exports_prev) AS exports_prev, sum(prev.imports_prev) AS imports_prev
        FROM ref_departements d
        LEFT JOIN cur ON cur.dept = d.code
        LEFT JOIN prev ON prev.dept = d.code
        GROUP BY {unit}
        """,
        [
            year,
            year - 1 if quarters else -1,  # no year -1: nothing to compare with
            quarters == QUARTERS,
            list(quarters or ()),
        ],
    )


def _indicator_values(exports: pd.Series, imports: pd.Series) -> pd.DataFrame:
    """The four ranked indicators; coverage undefined without imports."""
    exports, imports = exports.astype("float64"), imports.astype("float64")
    return pd.DataFrame(
        {
            "exports_eur": exports,
            "imports_eur": imports,
            "balance_eur": measures.balance(exports, imports),
            "coverage_pct": measures.coverage(exports, imports),
        }
    )


def rank_table(values: pd.DataFrame) -> pd.DataFrame:
    """Each column ranked: 1 = largest, ties share the lower rank, undefined values unranked."""
    return values.rank(method="min", ascending=False, na_option="keep")


@cache.cached
def ranks(territory: Territory, year: int) -> pd.DataFrame:
    """The territory's rank among the départements (or régions) for each indicator.

    Columns `indicator, value, rank, of, previous_rank, change`: `of` is the number of ranked
    units, `change` = previous_rank − rank (positive: places gained). Empty for France.
    """
    if territory.level == "france":
        return pd.DataFrame(columns=RANK_COLUMNS)
    quarters = previous_quarters(year)
    totals = _unit_totals(territory.level, year, quarters).set_index("unit")
    current = _indicator_values(totals["exports_eur"], totals["imports_eur"])
    previous = _indicator_values(totals["exports_prev"], totals["imports_prev"])
    now, before = rank_table(current), rank_table(previous)
    code = territory.code
    table = pd.DataFrame(
        {
            "indicator": list(RANK_INDICATORS),
            "value": [current.at[code, name] for name in RANK_INDICATORS],
            "rank": [now.at[code, name] for name in RANK_INDICATORS],
            "of": [current[name].notna().sum() for name in RANK_INDICATORS],
            "previous_rank": [before.at[code, name] for name in RANK_INDICATORS],
        }
    )
    for column in ("rank", "of", "previous_rank"):
        table[column] = table[column].astype("Int64")
    table["change"] = table["previous_rank"] - table["rank"]
    return table


def change_text(places: int | None) -> str:
    """Places gained: « +2 places », « −1 place », « stable »; « nouveau » without a previous
    rank (None)."""
    if places is None:
        return "nouveau"
    if places == 0:
        return "stable"
    word = "place" if abs(places) == 1 else "places"
    sign = "+" if places > 0 else formatting.MINUS
    return f"{sign}{abs(places)} {word}"


def _whole(value: Any) -> int | None:
    """A rank or a change of the table as an int; None when missing."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(value)


# (subject for a département, for a région, ordinal feminine for a région)
_SUBJECTS = {
    "exports_eur": ("département exportateur sur {of}", "région exportatrice sur {of}", True),
    "imports_eur": ("département importateur sur {of}", "région importatrice sur {of}", True),
    "balance_eur": (
        "solde commercial des {of} départements",
        "solde commercial des {of} régions",
        False,
    ),
    "coverage_pct": (
        "taux de couverture des {of} départements",
        "taux de couverture des {of} régions",
        False,
    ),
}


def _value_text(indicator: str, value: float) -> str:
    if indicator == "coverage_pct":
        return formatting.pct(value)
    return formatting.meur(value, signed=indicator == "balance_eur")


def rank_sentence(row: pd.Series, level: Level, compared_with: str | None) -> str | None:
    """« 12e département exportateur sur 101 (1 773,5 M€), +2 places par rapport à 2023 »;
    None when the territory has no rank for that indicator."""
    rank = _whole(row["rank"])
    if rank is None:
        return None
    dept_subject, region_subject, feminine = _SUBJECTS[str(row["indicator"])]
    subject = (dept_subject if level == "dept" else region_subject).format(of=row["of"])
    position = ordinal(rank, feminine and level == "region")
    sentence = f"{position} {subject} ({_value_text(str(row['indicator']), float(row['value']))})"
    if compared_with is None:
        return sentence
    change = change_text(_whole(row["change"]))
    if change == "nouveau":
        return f"{sentence}, nouveau (non classé en {compared_with})"
    return f"{sentence}, {change} par rapport à {compared_with}"


def rank_sentences(table: pd.DataFrame, level: Level, compared_with: str | None) -> list[str]:
    """The sentences of `ranks()`, in its order; `compared_with` is `previous_label(year)`."""
    sentences = (rank_sentence(row, level, compared_with) for _, row in table.iterrows())
    return [sentence for sentence in sentences if sentence is not None]


# ---------------------------------------------------------------------------------------------
# Specialisation


@cache.cached
def balassa(territory: Territory, year: int) -> pd.DataFrame:
    """The Balassa index of every product the territory exports (exports ≠ 0), against France.

    share_pct = 100·X_tp/X_t, france_share_pct = 100·X_Fp/X_F, rca = their ratio (NaN when France
    does not export the product), sorted by rca desc then product.
    """
    relation, where, params = flows_source(territory)
    table = fetch_frame(
        f"""
        WITH own AS (
            SELECT product, sum(value_eur) AS exports_eur
            FROM {relation} WHERE year = ? AND flow = ? AND {where} GROUP BY product
        ),
        nat AS (
            SELECT product, sum(value_eur) AS value_eur
            FROM trade_national WHERE year = ? AND flow = ? GROUP BY product
        ),
        shares AS (
            SELECT own.product, own.exports_eur,
                   100 * own.exports_eur / sum(own.exports_eur) OVER () AS share_pct,
                   100 * nat.value_eur / (SELECT sum(value_eur) FROM nat) AS france_share_pct
            FROM own LEFT JOIN nat USING (product)
        )
        SELECT * FROM shares WHERE exports_eur <> 0
        """,
        [year, EXPORT.code, *params, year, EXPORT.code],
    )
    france = table["france_share_pct"].astype("float64")
    table["rca"] = table["share_pct"].astype("float64") / france.where(france != 0)
    table = table.sort_values(["rca", "product"], ascending=[False, True], na_position="last")
    return table[BALASSA_COLUMNS].reset_index(drop=True)


def strongest(table: pd.DataFrame, count: int = STRONGEST) -> pd.DataFrame:
    """The `count` highest indices among products of at least MIN_SPECIALISATION_SHARE_PCT of
    the territory's exports (table: `balassa()`, already sorted)."""
    kept = table[(table["share_pct"] >= MIN_SPECIALISATION_SHARE_PCT) & table["rca"].notna()]
    return kept.head(count).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Concentration


def _cells_sql(dimension: str, scope: str) -> str:
    """SQL of the (scope, unit, dimension, flow, code, value) cells of one dimension for one
    scope: every reference département (`dept`, one unit each), France (`france`) or the
    territory (`territory`: its relation `{relation}` and predicate `{where}` filled in later).
    Parameters: the year, then the territory's predicate's."""
    dim = literal(dimension)
    group = f"flow, {dimension}"
    if scope == "dept":
        return (
            f"SELECT 'dept' AS scope, dept AS unit, {dim} AS dimension, flow, {dimension} AS code, "
            f"sum(value_eur) AS v FROM trade_annual WHERE year = ? "
            f"AND dept IN (SELECT code FROM ref_departements) GROUP BY dept, {group}"
        )
    source = "trade_national WHERE year = ?"
    if scope == "territory":
        source = "{relation} WHERE year = ? AND {where}"
    return (
        f"SELECT {literal(scope)} AS scope, NULL AS unit, {dim} AS dimension, flow, "
        f"{dimension} AS code, sum(value_eur) AS v FROM {source} GROUP BY {group}"
    )


def _hhi_frame(cells: list[str], params: list[object], measures_sql: str) -> pd.DataFrame:
    """Per dimension and flow, `measures_sql` over the HHI of each (scope, unit) of `cells`."""
    return fetch_frame(
        f"""
        WITH cells AS ({" UNION ALL ".join(cells)}),
        hhi AS (
            -- Summed as decimals: a parallel sum of doubles (squares beyond 2^53) changed in
            -- its last digits from one run to the next, and so did the CSV's bytes.
            SELECT scope, unit, dimension, flow,
                   sum((v * v)::DECIMAL(38, 6)) / pow(sum(v::DECIMAL(38, 6)), 2) AS hhi
            FROM cells WHERE v > 0 GROUP BY scope, unit, dimension, flow
        )
        SELECT dimension, {flows.name_sql("flow")} AS flow, {measures_sql}
        FROM hhi GROUP BY dimension, flow
        """,
        params,
    )


@cache.cached
def _reference_concentration(year: int) -> pd.DataFrame:
    """France's HHI and the median of the départements', per dimension and flow: the same for
    every territory of `year`, so computed once per year and dataset version. It scans every
    département's cells: 80 ms on the benchmark's 55 M rows, most of a territory's
    `concentration` when each one computed it again."""
    cells = [_cells_sql(d, scope) for d in DIMENSIONS for scope in ("dept", "france")]
    return _hhi_frame(
        cells,
        [year] * len(cells),
        "max(hhi) FILTER (WHERE scope = 'france') AS france_hhi, "
        "median(hhi) FILTER (WHERE scope = 'dept') AS median_dept_hhi",
    )


@cache.cached
def concentration(territory: Territory, year: int) -> pd.DataFrame:
    """HHI of partner countries and of products, per flow: the territory, France and the median
    of the départements (over those with a positive value of the flow).

    Columns `dimension` (country, product), `flow` (export, import), `territory_hhi`,
    `france_hhi`, `median_dept_hhi`, all in [0, 1]; NaN where the flow is absent.
    """
    relation, where, own_params = flows_source(territory)
    cells = [_cells_sql(d, "territory").format(relation=relation, where=where) for d in DIMENSIONS]
    own = _hhi_frame(
        cells, [p for _ in DIMENSIONS for p in (year, *own_params)], "max(hhi) AS territory_hhi"
    )
    reference = _reference_concentration(year)
    return _complete(own.merge(reference, on=["dimension", "flow"], how="outer"))


def _complete(table: pd.DataFrame) -> pd.DataFrame:
    """Every (dimension, flow) row in order, NaN where no value was found."""
    keys = pd.DataFrame(
        [(d, f.name) for d in DIMENSIONS for f in (EXPORT, IMPORT)], columns=["dimension", "flow"]
    )
    merged = keys.merge(table, on=["dimension", "flow"], how="left")
    for column in CONCENTRATION_COLUMNS[2:]:
        merged[column] = merged[column].astype("float64")
    return merged[CONCENTRATION_COLUMNS]


# Shown between 0 and 1 as on the Exposition page; three decimals, because a territory's partner
# and product indices are small (0,05 to 0,3) and two would make most of them look alike.
HHI_DECIMALS = 3


def hhi_text(hhi: float) -> str:
    """`0.12345` → « 0,123 »; « – » when undefined."""
    return formatting.number(hhi, HHI_DECIMALS)
