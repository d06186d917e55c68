"""The fiche's and the Carte's numbers and the Données rows: SQL over the `trade` view.

The other pages' SQL lives beside this module in lib.data, one module per subject (indicators,
exposure, country_view, product_view, comparison, evolution, diversification): every number the
explorer shows comes from a query of lib.data.

Each function takes an already validated Territory (see lib.core.territory) and a year, binds every
value as a parameter, and returns a pandas frame shaped as the CSV contract of `lib.fiche.files`
(docs/DATA.md): values in euros, unrounded; ranks break ties by code, ascending.

Every query runs through `db.run`, which interrupts it after db.QUERY_TIMEOUT_S and raises
db.QueryTimeout.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import pyarrow as pa

from lib.core import escaping, flows, measures, periods, refs
from lib.core.schema import QUARTERS, SORT_ORDER
from lib.core.sql import literal
from lib.core.states import OTHERS, DataFilter
from lib.core.territory import FRANCE, Territory
from lib.data import cache, db, rows_csv

HIGHLIGHTED_LINKS = 5


def dept_filter(territory: Territory) -> tuple[str, list[str]]:
    """SQL predicate restricting rows to the territory's départements, with its parameters."""
    depts = territory.depts
    if depts is None:
        return "TRUE", []
    if not depts:
        return "FALSE", []
    placeholders = ", ".join("?" for _ in depts)
    return f"dept IN ({placeholders})", list(depts)


def flows_source(territory: Territory) -> tuple[str, str, list[str]]:
    """The aggregate to read for product × country questions, with the territory's predicate.

    France reads the national aggregate (a few thousand rows per year); a département or a
    région reads the annual one, whose rows are sorted by département so that row groups of
    other départements are skipped.
    """
    if territory == FRANCE:
        return "trade_national", "TRUE", []
    where, params = dept_filter(territory)
    return "trade_annual", where, params


def fetch_frame(
    sql: str, params: list[object], tables: dict[str, pa.Table] | None = None
) -> pd.DataFrame:
    """`sql` with its bound `params`, as a frame (within db.run's time limit); `sql` may read
    `tables` by their names (db.run)."""
    return db.run(sql, params, lambda result: result.df(), tables)


def fetch_rows(sql: str, params: list[object]) -> list[tuple[Any, ...]]:
    """`sql` with its bound `params`, as tuples (within db.run's time limit)."""
    return db.run(sql, params, lambda result: result.fetchall())


def available_years() -> list[int]:
    """Years present in the dataset, ascending (read from the manifest: no file scan)."""
    manifest = db.manifest()
    return manifest.years if manifest else []


def year_quarters(year: int) -> tuple[int, ...]:
    """The quarters a year of the dataset covers (all four for a whole year)."""
    manifest = db.manifest()
    return manifest.quarters(year) if manifest else QUARTERS


def quarterly_years() -> list[int]:
    """The years of the dataset given quarter by quarter (a flow of theirs at least), from the
    manifest: only their periods may start or end at a quarter."""
    manifest = db.manifest()
    if manifest is None:
        return []
    return [
        y for y in manifest.years if any(p.quarters for p in manifest.parts.get(y, {}).values())
    ]


def year_label(year: int) -> str:
    """`2024`, or `2025 (T1–T2)` for a partial year of the dataset."""
    return periods.year_label(year, year_quarters(year))


def comparable_quarters(year: int) -> tuple[int, ...] | None:
    """The quarters on which `year` is compared with the year before (None: not comparable)."""
    manifest = db.manifest()
    return manifest.comparable_quarters(year, year - 1) if manifest else None


def year_inline(year: int) -> str:
    """`2024`, or `2025, T1–T2` inside a title's parenthesis."""
    return periods.year_inline(year, year_quarters(year))


def year_slug(year: int) -> str:
    """The year in a file name: `2024`, or `2025-T1-T2`."""
    return periods.year_slug(year, year_quarters(year))


@cache.cached
def flow_totals(territory: Territory, year: int) -> dict[str, float]:
    """Total value per flow code: {'E': exports, 'I': imports} (0.0 when absent)."""
    where, params = dept_filter(territory)
    rows = fetch_rows(
        f"SELECT flow, sum(value_eur) FROM trade_totals WHERE year = ? AND {where} GROUP BY flow",
        [year, *params],
    )
    totals = dict.fromkeys(flows.CODES, 0.0)
    totals.update({flow: float(value) for flow, value in rows})
    return totals


def _totals_by_scope(territory: Territory, year: int) -> dict[str, dict[str, float]]:
    """Exports and imports of the territory, its région and France, in one scan of the year."""
    own, own_params = dept_filter(territory)
    region = territory.region or FRANCE
    reg, reg_params = dept_filter(region)
    rows = fetch_rows(
        f"""
        SELECT flow,
               coalesce(sum(value_eur) FILTER (WHERE {own}), 0),
               coalesce(sum(value_eur) FILTER (WHERE {reg}), 0),
               coalesce(sum(value_eur), 0)
        FROM trade_totals WHERE year = ? GROUP BY flow
        """,
        [*own_params, *reg_params, year],
    )
    totals = {scope: dict.fromkeys(flows.CODES, 0.0) for scope in ("own", "region", "national")}
    for flow, own_value, region_value, national_value in rows:
        totals["own"][flow] = float(own_value)
        totals["region"][flow] = float(region_value)
        totals["national"][flow] = float(national_value)
    return totals


@cache.cached
def kpis(territory: Territory, year: int) -> pd.DataFrame:
    """Key figures: `indicator,value` rows in the order of the export contract."""
    totals = _totals_by_scope(territory, year)
    regional = totals["region"] if territory.region is not None else None
    return kpi_table(totals["own"], totals["national"], regional)


def kpi_table(
    own: dict[str, float], national: dict[str, float], regional: dict[str, float] | None
) -> pd.DataFrame:
    """The kpis rows from flow totals by code ({'E': …, 'I': …}) of the territory, France, its
    région."""
    e, i = flows.EXPORT.code, flows.IMPORT.code
    rows: list[tuple[str, float]] = [
        ("exports_eur", own[e]),
        ("imports_eur", own[i]),
        ("balance_eur", measures.balance(own[e], own[i])),
        ("coverage_pct", measures.coverage(own[e], own[i])),
        ("national_exports_eur", national[e]),
        ("national_imports_eur", national[i]),
        ("exports_share_national_pct", measures.percent(own[e], national[e])),
        ("imports_share_national_pct", measures.percent(own[i], national[i])),
    ]
    if regional is not None:
        rows += [
            ("region_exports_eur", regional[e]),
            ("region_imports_eur", regional[i]),
            ("exports_share_region_pct", measures.percent(own[e], regional[e])),
            ("imports_share_region_pct", measures.percent(own[i], regional[i])),
        ]
    return pd.DataFrame(rows, columns=["indicator", "value"])


def partners(territory: Territory, year: int, top: int) -> pd.DataFrame:
    """The `top` partner countries by imports + exports, with the balance: the first rows of
    `ranked_partners`, so that a step of the top-N slider asks no query."""
    if top < 0:
        raise ValueError(f"top must be positive or zero, not {top}")
    return ranked_partners(territory, year).head(top).reset_index(drop=True)


@cache.cached
def ranked_partners(territory: Territory, year: int) -> pd.DataFrame:
    """Every partner country by imports + exports (ties by code), with the balance."""
    relation, where, params = flows_source(territory)
    frame = fetch_frame(
        f"""
        SELECT country, {flows.sums_sql(order=(flows.IMPORT, flows.EXPORT))}
        FROM {relation}
        WHERE year = ? AND {where}
        GROUP BY country
        HAVING sum(value_eur) <> 0
        ORDER BY imports_eur + exports_eur DESC, country
        """,
        [year, *params],
    )
    frame["balance_eur"] = measures.balance(frame["exports_eur"], frame["imports_eur"])
    frame.insert(1, "country_name", frame["country"].map(refs.country_name))
    return frame


@cache.cached
def products(territory: Territory, year: int) -> pd.DataFrame:
    """Every product with a non-zero value, per flow, with its share of the flow's total."""
    relation, where, params = flows_source(territory)
    frame = fetch_frame(
        f"""
        SELECT {flows.name_sql("flow")} AS flow,
               product,
               sum(value_eur) AS value_eur,
               100 * sum(value_eur) / sum(sum(value_eur)) OVER (PARTITION BY flow) AS share_pct
        FROM {relation}
        WHERE year = ? AND {where}
        GROUP BY flow, product
        HAVING sum(value_eur) <> 0
        ORDER BY flow, value_eur DESC, product
        """,
        [year, *params],
    )
    frame.insert(2, "product_name", frame["product"].map(refs.product_name))
    return frame


@cache.cached
def product_details(territory: Territory, year: int) -> pd.DataFrame:
    """The CPF4 detail of each product, per flow, where the data has it (empty otherwise)."""
    where, params = dept_filter(territory)
    frame = fetch_frame(
        f"""
        SELECT {flows.name_sql("flow")} AS flow,
               product, cpf4, sum(value_eur) AS value_eur
        FROM trade_detail
        WHERE year = ? AND cpf4 IS NOT NULL AND {where}
        GROUP BY flow, product, cpf4
        HAVING sum(value_eur) <> 0
        ORDER BY flow, product, value_eur DESC, cpf4
        """,
        [year, *params],
    )
    frame.insert(3, "cpf4_name", frame["cpf4"].map(refs.cpf4_name))
    return frame


@cache.cached
def cpf4_codes() -> list[str]:
    """Every CPF4 code present in the dataset, ascending (for the Données filter)."""
    rows = fetch_rows(
        "SELECT DISTINCT cpf4 FROM trade_detail WHERE cpf4 IS NOT NULL ORDER BY 1", []
    )
    return [code for (code,) in rows]


# The columns of the links below holding each kind of Sankey node.
_SANKEY_ALIASES = {"product": "p", "country": "c"}


@cache.cached
def sankey(territory: Territory, year: int, flow: str, top: int) -> pd.DataFrame:
    """Links of the flow's Sankey: the top products and countries named, the rest `AUTRES`.

    `flow` is a code or a name (lib.core.flows). Exports run from products (sources) to countries
    (targets); imports from countries to products. `highlight` marks the five largest links
    whose two ends are both named. Cut from `sankey_cells`, kept once per territory, year and
    flow: a step of the top-N slider reads those few thousand rows, not the year's file.
    """
    drawn = flows.flow_of(flow)
    source, target = (_SANKEY_ALIASES[kind] for kind in drawn.sankey_ends)
    return fetch_frame(
        f"""
        WITH base AS (FROM cells),
        top_products AS (
            SELECT product FROM base GROUP BY product HAVING sum(v) > 0
            ORDER BY sum(v) DESC, product LIMIT ?
        ),
        top_countries AS (
            SELECT country FROM base GROUP BY country HAVING sum(v) > 0
            ORDER BY sum(v) DESC, country LIMIT ?
        ),
        links AS (
            SELECT CASE WHEN product IN (FROM top_products) THEN product ELSE '{OTHERS}' END AS p,
                   CASE WHEN country IN (FROM top_countries) THEN country ELSE '{OTHERS}' END AS c,
                   sum(v) AS value_eur
            FROM base GROUP BY ALL HAVING sum(v) <> 0
        ),
        ranked AS (
            SELECT {source} AS source, {target} AS target, value_eur,
                   p <> '{OTHERS}' AND c <> '{OTHERS}' AS named
            FROM links
        )
        SELECT source, target, value_eur,
               CASE WHEN named AND row_number() OVER (
                        ORDER BY named DESC, value_eur DESC, source, target
                    ) <= {HIGHLIGHTED_LINKS} THEN 1 ELSE 0 END AS highlight
        FROM ranked
        ORDER BY value_eur DESC, source, target
        """,
        [top, top],
        {"cells": sankey_cells(territory, year, drawn.code)},
    )


@cache.cached_shared
def sankey_cells(territory: Territory, year: int, flow: str) -> pa.Table:
    """The flow's value per product and country (`product`, `country`, `v`): what every top N
    of its Sankey is cut from. An Arrow table, which DuckDB reads without converting it (4 ms
    a cut, against 6 from a pandas frame and 8 from the year's file)."""
    relation, where, params = flows_source(territory)
    return db.run(
        f"""
        SELECT product, country, sum(value_eur) AS v
        FROM {relation} WHERE year = ? AND flow = ? AND {where}
        GROUP BY product, country
        """,
        [year, flows.flow_of(flow).code, *params],
        lambda result: result.to_arrow_table(),
    )


@cache.cached
def map_metrics(year: int) -> pd.DataFrame:
    """One row per département of the reference table, for the choropleth.

    Shares are of the national flow (rows outside the 101 départements included); changes
    compare with the same quarters of the previous year and are NaN when that year is absent,
    zero, or cannot be compared quarter by quarter (see Manifest.comparable_quarters).
    """
    quarters = comparable_quarters(year)
    frame = fetch_frame(
        f"""
        WITH cur AS (
            SELECT dept, {flows.sums_sql()} FROM trade_totals WHERE year = ? GROUP BY dept
        ),
        prev AS (
            SELECT dept, {flows.sums_sql(suffix="_prev", zero_when_absent=False)}
            FROM trade_totals
            WHERE year = ? AND (? OR list_contains(?, quarter))
            GROUP BY dept
        )
        SELECT cur.dept, exports_eur, imports_eur, exports_prev, imports_prev
        FROM cur LEFT JOIN prev USING (dept)
        """,
        [
            year,
            year - 1 if quarters else -1,  # no year -1: nothing to compare with
            quarters == QUARTERS,
            list(quarters or ()),
        ],
    )
    depts = refs.departements()[["code", "name", "region_code"]].rename(columns={"code": "dept"})
    frame = depts.merge(frame, on="dept", how="left")
    for column in ("exports_eur", "imports_eur"):
        frame[column] = frame[column].fillna(0.0)
    return _with_map_ratios(frame, flow_totals(FRANCE, year))


def _with_map_ratios(frame: pd.DataFrame, national: dict[str, float]) -> pd.DataFrame:
    measures.with_key_figures(frame, national[flows.EXPORT.code], national[flows.IMPORT.code])
    for flow in ("exports", "imports"):
        prev = frame.pop(f"{flow}_prev").astype("float64")
        frame[f"{flow}_change_pct"] = measures.percent(frame[f"{flow}_eur"] - prev, prev)
    return frame


# --- Données page: the underlying rows, filtered -------------------------------------------

_TRIGGERS_SQL = ", ".join(f"chr({ord(char)})" for char in escaping.FORMULA_TRIGGERS)
_NUMBER_SQL = literal(escaping.NUMBER_PATTERN)
_QUOTED_SQL = """'"' || replace({v}, '"', '""') || '"'"""
_NEUTRALISED_SQL = """'"''' || replace({v}, '"', '""') || '"'"""
_NEEDS_QUOTES_SQL = (
    "{v} = '' OR contains({v}, ',') OR contains({v}, '\"') OR contains({v}, chr(10)) "
    "OR contains({v}, chr(13))"
)


def csv_field_sql(expression: str) -> str:
    """SQL: the text `expression` as the CSV field written as it is (the Données CSV,
    lib.data.rows_csv; COPY … (QUOTE '') of lib.data.datapackage).

    The rules of lib.fiche.files for pandas frames: a formula-like value (lib.core.escaping) gets
    a leading single quote and is quoted; any other value is quoted only when it holds a comma,
    a double quote or a line break, or is empty (as DuckDB's own writer does, so that an empty
    string stays apart from NULL, written as an empty field).
    """
    v = f"({expression})"
    return (
        f"CASE WHEN list_contains([{_TRIGGERS_SQL}], left({v}, 1)) "
        f"THEN CASE WHEN regexp_full_match({v}, {_NUMBER_SQL}) THEN {v} "
        f"ELSE {_NEUTRALISED_SQL.format(v=v)} END "
        f"WHEN {_NEEDS_QUOTES_SQL.format(v=v)} THEN {_QUOTED_SQL.format(v=v)} "
        f"ELSE {v} END"
    )


_ALPHANUMERIC_SQL = literal("[0-9A-Za-z]+")


def text_csv_sql(code: str) -> str:
    """SQL: a text cell (a code, a name) as its CSV field. An alphanumeric one (almost every
    code) has nothing to quote or neutralise: written as it is, without evaluating
    csv_field_sql on every row."""
    plain = f"regexp_full_match({code}, {_ALPHANUMERIC_SQL})"
    return f"CASE WHEN {plain} THEN {code} ELSE {csv_field_sql(code)} END"


# --- The Données rows keep the order the store wrote them in -------------------------------
#
# The store writes each year's file sorted by lib.core.schema.SORT_ORDER (département, flow,
# product, CPF4, country, quarter, month) and the `trade` view reads the files year after year,
# so the rows come in the order of ROWS_ORDER as they are read. DuckDB keeps that order through
# a SELECT, a WHERE and a COPY of one table, not through a join (docs: « order preservation »).
# The Données queries therefore join nothing: a name is looked up in a map bound as a parameter
# (map_extract_value, a function of the row), and a list of codes is an OR of equalities (DuckDB
# turns an IN list of five values or more into a join). No ORDER BY is needed, so DuckDB writes
# the first rows while it reads the next ones: the CSV's first byte no longer waits for the last
# row (docs/PERFORMANCE.md). tests/test_rows_order.py holds the order against pandas.
ROWS_ORDER = ("year", *SORT_ORDER)  # the files of the years in turn, each in the store's order
_NAME_SQL = "map_extract_value(?::MAP(VARCHAR, VARCHAR), {code})"
# The named codes of a row: (column prefix, code, the table of their names).
_NAMED = (
    ("departement", "t.dept", "ref_departements"),
    ("produit", "t.product", "names_product"),
    ("cpf4", "t.cpf4", "names_cpf4"),
    ("pays", "t.country", "names_country"),
)
# The columns of the Données rows: (name, SQL expression, its CSV field; None for a name, which
# the CSV takes from names_map in Python: lib.data.rows_csv). Each name binds one parameter, its
# map (see _row_columns).
ROW_COLUMNS: tuple[tuple[str, str, str | None], ...] = (
    ("annee", "t.year", "t.year"),
    ("trimestre", "t.quarter", "t.quarter"),
    ("mois", "t.month", "t.month"),
    ("flux", flows.name_sql("t.flow"), flows.name_sql("t.flow")),  # lib.core.flows' names: plain
    *(
        column
        for prefix, code, _ in _NAMED
        for column in (
            (prefix, code, text_csv_sql(code)),
            (f"{prefix}_nom", f"coalesce({_NAME_SQL.format(code=code)}, {code})", None),
        )
    ),
    ("valeur_eur", "t.value_eur", "t.value_eur"),
    ("masse_kg", "t.mass_kg", "t.mass_kg"),
)
ROW_COLUMNS_SQL = ", ".join(f"{sql} AS {name}" for name, sql, _ in ROW_COLUMNS)
# The Données CSV: every column but the names as the text of its CSV field (csv_field_sql's
# rules; a number as DuckDB writes it), the last one ending the line.
_CSV_FIELDS_SQL = ", ".join(
    f"coalesce(CAST({csv_sql} AS VARCHAR), '') || chr(10) AS {name}"
    if name == ROW_COLUMNS[-1][0]
    else f"CAST({csv_sql} AS VARCHAR) AS {name}"
    for name, _, csv_sql in ROW_COLUMNS
    if csv_sql is not None
)


@cache.cached
def names_map(table: str, as_csv: bool) -> dict[str, str]:
    """Code -> name of a names table (`table` is one of _NAMED's, never user text), or the
    name as its CSV field (csv_field_sql) when `as_csv`."""
    value = csv_field_sql("name") if as_csv else "name"
    return dict(fetch_rows(f"SELECT code, {value} FROM {table}", []))


def _row_columns() -> tuple[str, list[object]]:
    """The SELECT list of the Données rows, with its parameters: the names' maps."""
    return ROW_COLUMNS_SQL, [names_map(table, as_csv=False) for _, _, table in _NAMED]


def _csv_lines() -> rows_csv.CsvLines:
    """The Données CSV's columns: the fields of _CSV_FIELDS_SQL, with the names beside their
    codes."""
    names = {f"{prefix}_nom": (prefix, table) for prefix, _, table in _NAMED}
    return rows_csv.CsvLines(
        [
            rows_csv.NameColumn.of(name, names[name][0], names_map(names[name][1], as_csv=True))
            if name in names
            else name
            for name, _, _ in ROW_COLUMNS
        ]
    )


def _one_of(column: str, codes: Sequence[str]) -> tuple[str, list[object]]:
    """SQL: `column` equals one of `codes`, as an OR of equalities (pushed down to the Parquet
    scan like an IN list, which DuckDB would join instead from five codes on)."""
    if not codes:
        return "FALSE", []
    return "(" + " OR ".join(f"{column} = ?" for _ in codes) + ")", list(codes)


# A row of a given quarter is selected when its (year, quarter) lies in the chosen period; an
# annual row (no quarter) only when the period covers its whole year.
PERIOD_SQL = """
    t.year BETWEEN ? AND ? AND CASE
        WHEN t.quarter IS NULL THEN (t.year > ? OR ? = 1) AND (t.year < ? OR ? = 4)
        ELSE t.year * 4 + t.quarter BETWEEN ? AND ?
    END
"""


def _period_params(data_filter: DataFilter) -> list[object]:
    first, last = data_filter.first_year, data_filter.last_year
    first_q, last_q = data_filter.first_quarter, data_filter.last_quarter
    return [first, last, first, first_q, last, last_q, first * 4 + first_q, last * 4 + last_q]


def _rows_query(data_filter: DataFilter) -> tuple[str, list[object]]:
    """FROM/WHERE of the filtered rows, in the files' order (ROWS_ORDER: nothing joined)."""
    both = data_filter.flux == flows.BOTH
    chosen = [  # (column, the codes it may hold; None: any)
        ("t.dept", data_filter.territory.depts),  # None: France
        ("t.flow", None if both else [flows.flow_of(data_filter.flux).code]),
        ("t.product", data_filter.products or None),
        ("t.cpf4", data_filter.cpf4 or None),
        ("t.country", data_filter.countries or None),
    ]
    clauses, params = [PERIOD_SQL], _period_params(data_filter)
    for column, codes in chosen:
        if codes is not None:
            clause, codes_params = _one_of(column, codes)
            clauses.append(clause)
            params.extend(codes_params)
    return f"FROM trade t WHERE {' AND '.join(clauses)}", params


@cache.cached
def row_summary_by_flow(data_filter: DataFilter) -> dict[str, tuple[int, float]]:
    """Per flow the filter selects (its name, exports first), its rows and their total value:
    a flow's total means something, the two flows added do not."""
    body, params = _rows_query(data_filter)
    found = {
        flow: (int(count), float(total or 0.0))
        for flow, count, total in fetch_rows(
            f"SELECT t.flow, count(*), sum(t.value_eur) {body} GROUP BY t.flow", params
        )
    }
    return {flow.name: found.get(flow.code, (0, 0.0)) for flow in flows.chosen(data_filter.flux)}


def row_summary(data_filter: DataFilter) -> tuple[int, float]:
    """How many rows the filter selects and their total value."""
    by_flow = row_summary_by_flow(data_filter).values()
    return sum(count for count, _ in by_flow), sum(total for _, total in by_flow)


@cache.cached
def rows_preview(data_filter: DataFilter, limit: int) -> pd.DataFrame:
    """The first `limit` rows, largest values first."""
    columns, names = _row_columns()
    body, params = _rows_query(data_filter)
    return fetch_frame(
        f"SELECT {columns} {body} "
        "ORDER BY t.value_eur DESC, t.year, t.quarter, t.month, t.dept, t.flow, t.product, "
        "t.cpf4, t.country LIMIT ?",
        [*names, *params, limit],
    )


def write_rows_parquet(data_filter: DataFilter, path: str) -> None:
    """Every filtered row, with its names, to a Parquet file (the Excel workbook of the Données
    page reads it back in batches: lib.core.workbook.write_parquet_sheet), in the CSV's order
    (ROWS_ORDER), within the query time limit; the slower workbook is written after, out of any
    query. COPY cannot bind its target: `path` is a temporary file name of ours, never user
    input."""
    columns, names = _row_columns()
    body, params = _rows_query(data_filter)
    db.run(
        f"COPY (SELECT {columns} {body}) TO {literal(path)} (FORMAT parquet)",
        [*names, *params],
        lambda result: None,
    )


def write_rows_csv(data_filter: DataFilter, path: str) -> None:
    """Every filtered row to the CSV file (or named pipe) `path`, in ROWS_ORDER, batch by batch
    as DuckDB reads them (lib.data.rows_csv), within the query time limit.

    Text columns go through csv_field_sql (formula-like cells neutralised, quoting done in the
    SELECT, the names' in their maps), so each field is written as it is.
    """
    lines = _csv_lines()
    body, params = _rows_query(data_filter)

    def write(result: Any) -> None:
        with open(path, "wb") as out:
            rows_csv.write_batches(lines, db.arrow_batches(result, rows_csv.BATCH_ROWS), out)

    db.run(f"SELECT {_CSV_FIELDS_SQL} {body}", params, write)
