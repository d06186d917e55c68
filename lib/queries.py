"""Every number the explorer shows comes from one of these SQL queries over the `trade` view.

Each function takes an already validated Territory (see lib.territory) and a year, binds every
value as a parameter, and returns a pandas frame shaped as the CSV contract of `lib.export`
(docs/DATA.md): values in euros, unrounded; ranks break ties by code, ascending.
"""

from __future__ import annotations

import math

import pandas as pd

from lib import db, refs
from lib.territory import FRANCE, Territory
from lib.urlstate import DataFilter

OTHERS = "AUTRES"  # the node that merges products or countries beyond the top N
HIGHLIGHTED_LINKS = 5
FLOW_NAMES = {"E": "export", "I": "import"}


def _dept_filter(territory: Territory) -> tuple[str, list[str]]:
    """SQL predicate restricting rows to the territory's départements, with its parameters."""
    depts = territory.depts
    if depts is None:
        return "TRUE", []
    if not depts:
        return "FALSE", []
    placeholders = ", ".join("?" for _ in depts)
    return f"dept IN ({placeholders})", list(depts)


def _flows_source(territory: Territory) -> tuple[str, str, list[str]]:
    """The aggregate to read for product × country questions, with the territory's predicate.

    France reads the national aggregate (a few thousand rows per year); a département or a
    région reads the annual one, whose rows are sorted by département so that row groups of
    other départements are skipped.
    """
    if territory == FRANCE:
        return "trade_national", "TRUE", []
    where, params = _dept_filter(territory)
    return "trade_annual", where, params


def _frame(sql: str, params: list[object]) -> pd.DataFrame:
    return db.cursor().execute(sql, params).df()


def available_years() -> list[int]:
    """Years present in the dataset, ascending (read from the manifest: no file scan)."""
    manifest = db.manifest()
    return manifest.years if manifest else []


def flow_totals(territory: Territory, year: int) -> dict[str, float]:
    """Total value per flow: {'E': exports, 'I': imports} (0.0 when absent)."""
    where, params = _dept_filter(territory)
    rows = (
        db.cursor()
        .execute(
            f"SELECT flow, sum(value_eur) FROM trade_totals WHERE year = ? AND {where} "
            "GROUP BY flow",
            [year, *params],
        )
        .fetchall()
    )
    totals = {"E": 0.0, "I": 0.0}
    totals.update({flow: float(value) for flow, value in rows})
    return totals


def _pct(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole else math.nan


def _totals_by_scope(territory: Territory, year: int) -> dict[str, dict[str, float]]:
    """Exports and imports of the territory, its région and France, in one scan of the year."""
    own, own_params = _dept_filter(territory)
    region = territory.region or FRANCE
    reg, reg_params = _dept_filter(region)
    rows = (
        db.cursor()
        .execute(
            f"""
            SELECT flow,
                   coalesce(sum(value_eur) FILTER (WHERE {own}), 0),
                   coalesce(sum(value_eur) FILTER (WHERE {reg}), 0),
                   coalesce(sum(value_eur), 0)
            FROM trade_totals WHERE year = ? GROUP BY flow
            """,
            [*own_params, *reg_params, year],
        )
        .fetchall()
    )
    totals = {scope: {"E": 0.0, "I": 0.0} for scope in ("own", "region", "national")}
    for flow, own_value, region_value, national_value in rows:
        totals["own"][flow] = float(own_value)
        totals["region"][flow] = float(region_value)
        totals["national"][flow] = float(national_value)
    return totals


def kpis(territory: Territory, year: int) -> pd.DataFrame:
    """Key figures: `indicator,value` rows in the order of the export contract."""
    totals = _totals_by_scope(territory, year)
    regional = totals["region"] if territory.region is not None else None
    return kpi_table(totals["own"], totals["national"], regional)


def kpi_table(
    own: dict[str, float], national: dict[str, float], regional: dict[str, float] | None
) -> pd.DataFrame:
    """The kpis rows from flow totals ({'E': …, 'I': …}) of the territory, France, its région."""
    rows: list[tuple[str, float]] = [
        ("exports_eur", own["E"]),
        ("imports_eur", own["I"]),
        ("balance_eur", own["E"] - own["I"]),
        ("coverage_pct", _pct(own["E"], own["I"])),
        ("national_exports_eur", national["E"]),
        ("national_imports_eur", national["I"]),
        ("exports_share_national_pct", _pct(own["E"], national["E"])),
        ("imports_share_national_pct", _pct(own["I"], national["I"])),
    ]
    if regional is not None:
        rows += [
            ("region_exports_eur", regional["E"]),
            ("region_imports_eur", regional["I"]),
            ("exports_share_region_pct", _pct(own["E"], regional["E"])),
            ("imports_share_region_pct", _pct(own["I"], regional["I"])),
        ]
    return pd.DataFrame(rows, columns=["indicator", "value"])


def partners(territory: Territory, year: int, top: int) -> pd.DataFrame:
    """The `top` partner countries by imports + exports, with the balance."""
    relation, where, params = _flows_source(territory)
    frame = _frame(
        f"""
        SELECT country,
               coalesce(sum(value_eur) FILTER (WHERE flow = 'I'), 0) AS imports_eur,
               coalesce(sum(value_eur) FILTER (WHERE flow = 'E'), 0) AS exports_eur
        FROM {relation}
        WHERE year = ? AND {where}
        GROUP BY country
        HAVING sum(value_eur) <> 0
        ORDER BY imports_eur + exports_eur DESC, country
        LIMIT ?
        """,
        [year, *params, top],
    )
    frame["balance_eur"] = frame["exports_eur"] - frame["imports_eur"]
    frame.insert(1, "country_name", frame["country"].map(refs.country_name))
    return frame


def products(territory: Territory, year: int) -> pd.DataFrame:
    """Every product with a non-zero value, per flow, with its share of the flow's total."""
    relation, where, params = _flows_source(territory)
    frame = _frame(
        f"""
        SELECT CASE flow WHEN 'E' THEN 'export' ELSE 'import' END AS flow,
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


def sankey(territory: Territory, year: int, flow: str, top: int) -> pd.DataFrame:
    """Links of the flow's Sankey: the top products and countries named, the rest `AUTRES`.

    Exports run from products (sources) to countries (targets); imports from countries to
    products. `highlight` marks the five largest links whose two ends are both named.
    """
    if flow not in FLOW_NAMES:
        raise ValueError(f"unknown flow {flow!r}")
    relation, where, params = _flows_source(territory)
    source, target = ("p", "c") if flow == "E" else ("c", "p")
    return _frame(
        f"""
        WITH base AS (
            SELECT product, country, sum(value_eur) AS v
            FROM {relation} WHERE year = ? AND flow = ? AND {where}
            GROUP BY product, country
        ),
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
        [year, flow, *params, top, top],
    )


def map_metrics(year: int) -> pd.DataFrame:
    """One row per département of the reference table, for the choropleth.

    Shares are of the national flow; changes compare with the previous year and are NaN when
    that year is absent or zero.
    """
    frame = _frame(
        """
        WITH cur AS (
            SELECT dept,
                   coalesce(sum(value_eur) FILTER (WHERE flow = 'E'), 0) AS exports_eur,
                   coalesce(sum(value_eur) FILTER (WHERE flow = 'I'), 0) AS imports_eur
            FROM trade_totals WHERE year = ? GROUP BY dept
        ),
        prev AS (
            SELECT dept,
                   sum(value_eur) FILTER (WHERE flow = 'E') AS exports_prev,
                   sum(value_eur) FILTER (WHERE flow = 'I') AS imports_prev
            FROM trade_totals WHERE year = ? - 1 GROUP BY dept
        )
        SELECT cur.dept, exports_eur, imports_eur, exports_prev, imports_prev
        FROM cur LEFT JOIN prev USING (dept)
        """,
        [year, year],
    )
    depts = refs.departements()[["code", "name", "region_code"]].rename(columns={"code": "dept"})
    frame = depts.merge(frame, on="dept", how="left")
    for column in ("exports_eur", "imports_eur"):
        frame[column] = frame[column].fillna(0.0)
    return _with_map_ratios(frame)


def _with_map_ratios(frame: pd.DataFrame) -> pd.DataFrame:
    exports, imports = frame["exports_eur"], frame["imports_eur"]
    frame["balance_eur"] = exports - imports
    frame["coverage_pct"] = 100 * exports / imports.where(imports != 0)
    frame["exports_share_national_pct"] = 100 * exports / (exports.sum() or math.nan)
    frame["imports_share_national_pct"] = 100 * imports / (imports.sum() or math.nan)
    for flow in ("exports", "imports"):
        prev = frame.pop(f"{flow}_prev").astype("float64")
        frame[f"{flow}_change_pct"] = 100 * (frame[f"{flow}_eur"] - prev) / prev.where(prev != 0)
    return frame


# --- Données page: the underlying rows, filtered -------------------------------------------

ROW_COLUMNS_SQL = """
    t.year AS annee, t.month AS mois,
    CASE t.flow WHEN 'E' THEN 'export' ELSE 'import' END AS flux,
    t.dept AS departement, coalesce(d.name, t.dept) AS departement_nom,
    t.product AS produit, coalesce(p.name, t.product) AS produit_nom,
    t.country AS pays, coalesce(c.name, t.country) AS pays_nom,
    t.value_eur AS valeur_eur
"""


def _rows_query(data_filter: DataFilter) -> tuple[str, list[object]]:
    """FROM/WHERE of the filtered rows, with names joined from the reference tables."""
    where, params = _dept_filter(data_filter.territory)
    clauses = [where.replace("dept", "t.dept"), "t.year BETWEEN ? AND ?"]
    params = [*params, data_filter.first_year, data_filter.last_year]
    if data_filter.flux != "tous":
        clauses.append("t.flow = ?")
        params.append("E" if data_filter.flux == "export" else "I")
    for column, codes in (("product", data_filter.products), ("country", data_filter.countries)):
        if codes:
            clauses.append(f"t.{column} IN ({', '.join('?' for _ in codes)})")
            params.extend(codes)
    sql = f"""
        FROM trade t
        LEFT JOIN ref_departements d ON d.code = t.dept
        LEFT JOIN ref_products p ON p.code = t.product
        LEFT JOIN ref_countries c ON c.code = t.country
        WHERE {" AND ".join(clauses)}
    """
    return sql, params


def row_summary(data_filter: DataFilter) -> tuple[int, float]:
    """How many rows the filter selects and their total value."""
    body, params = _rows_query(data_filter)
    count, total = (
        db.cursor().execute(f"SELECT count(*), sum(t.value_eur) {body}", params).fetchall()[0]
    )
    return int(count), float(total or 0.0)


def rows_preview(data_filter: DataFilter, limit: int) -> pd.DataFrame:
    """The first `limit` rows, largest values first."""
    body, params = _rows_query(data_filter)
    return _frame(
        f"SELECT {ROW_COLUMNS_SQL} {body} "
        "ORDER BY t.value_eur DESC, t.year, t.dept, t.flow, t.product, t.country LIMIT ?",
        [*params, limit],
    )


def write_rows_csv(data_filter: DataFilter, path: str) -> None:
    """Every filtered row to a CSV file, written by DuckDB itself (no pandas in between).

    COPY cannot bind its target; `path` is a temporary file name of ours, never user input.
    """
    body, params = _rows_query(data_filter)
    target = path.replace("'", "''")
    db.cursor().execute(
        f"COPY (SELECT {ROW_COLUMNS_SQL} {body} "
        "ORDER BY t.year, t.dept, t.flow, t.product, t.country, t.month) "
        f"TO '{target}' (FORMAT csv, HEADER true, DELIMITER ',')",
        params,
    )
